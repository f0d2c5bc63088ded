"""Fault tests: the database server (a secantusd-py subprocess) dies, hangs and comes back.

An App served over a real socket keeps answering: 503 with Retry-After while
the server is away (within 1 s of a kill: the client fails fast; within 3 s of
a hang), normal answers again once it is back, and every
acknowledged write survives the crash (the server runs with --sync-on-commit).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from mongo_apps import BookCtl, http_get

from clink_core.testing import Client, LiveServer
from clink_mongo import MongoConf

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"),
]


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class Hammer:
    """Threads that GET ``url`` in a loop, recording (start, end, status, Retry-After)."""

    def __init__(self, url: str, threads: int = 3) -> None:
        self.url = url
        self.results: list[tuple[float, float, int, str | None]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self) -> None:
        while not self._stop.is_set():
            start = time.monotonic()
            status, headers, _body = http_get(self.url, timeout=20)
            with self._lock:
                self.results.append((start, time.monotonic(), status, headers.get("Retry-After")))

    def __enter__(self) -> Hammer:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(30)

    def snapshot(self) -> list[tuple[float, float, int, str | None]]:
        with self._lock:
            return list(self.results)

    def seen(self, status: int, after: float) -> bool:
        """Whether a request sent after ``after`` was answered ``status``."""
        return any(s == status and start >= after for start, _end, s, _ra in self.snapshot())

    def answered(self, status: int, after: float) -> bool:
        """Whether a request was answered ``status`` after ``after`` (whenever sent)."""
        return any(s == status and end >= after for _start, end, s, _ra in self.snapshot())


def test_kill_during_requests_then_restart(mongo_app, mongo_process):
    conf = MongoConf(mongo_process.url, "faults")
    app = mongo_app(conf, BookCtl)
    client = Client(app)
    for i in range(20):
        assert client.post("/book/item", json={"name": f"book-{i}"}).status == 201

    with LiveServer(app) as server:
        url = f"{server.url}/book/item?name=book-7"
        with Hammer(url) as hammer:
            wait_for(lambda: hammer.seen(200, 0), 10, "answers while the server is up")

            killed_at = time.monotonic()
            mongo_process.kill()
            # Requests in flight at the kill and those sent afterwards are all
            # answered 503 + Retry-After, each within 1 s (fail fast: no wait
            # for server selection once the server is known down).
            wait_for(lambda: hammer.answered(503, killed_at), 1, "a 503 after the kill")
            wait_for(lambda: hammer.seen(503, killed_at), 6, "a 503 to a request sent later")
            during = [r for r in hammer.snapshot() if r[0] > killed_at]
            assert during and all(s == 503 and ra == "5" for _, _, s, ra in during)

            restarted_at = time.monotonic()
            mongo_process.restart()
            # The same App serves again, with no restart of its own.
            wait_for(lambda: hammer.seen(200, restarted_at), 15, "answers after the restart")

        results = hammer.snapshot()
        assert {s for _, _, s, _ in results} <= {200, 503}, "no 500 at any moment"
        for start, end, status, _ in results:
            if killed_at < end < restarted_at:
                assert end - max(start, killed_at) < 1, "a request waited 1 s or more"
                assert status == 503 or start < killed_at

        status, _headers, body = http_get(f"{server.url}/book/count")
        assert (status, json.loads(body)) == (200, {"count": 20})
    res = client.post("/book/item", json={"name": "after-restart"})
    assert res.status == 201


def test_acknowledged_writes_survive_a_crash(mongo_app, mongo_process):
    conf = MongoConf(mongo_process.url, "durable")
    client = Client(mongo_app(conf, BookCtl))
    for i in range(50):
        assert client.post("/book/item", json={"name": f"b{i}", "author": "x"}).status == 201
    mongo_process.kill()  # SIGKILL right after the last acknowledgement
    assert client.get("/book/count").status == 503
    mongo_process.restart()
    wait_for(lambda: client.get("/book/count").status == 200, 15, "the restarted server")
    assert client.get("/book/count").json == {"count": 50}
    res = client.get("/book/item", query={"name": "b49"})
    assert res.json == {"name": "b49", "author": "x"}
    # The unique index survived too.
    assert client.post("/book/item", json={"name": "b0"}).status == 500


def stopped(pid: int) -> bool:
    """Whether SIGSTOP has taken effect (signals are delivered asynchronously)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] == "T"
    except OSError:  # no /proc: give the signal a moment
        time.sleep(0.2)
        return True


def test_hung_server_gives_503_within_3_seconds(mongo_app, mongo_process):
    # A read on a hung server can take socket + selection + socket timeouts:
    # pymongo retries it once after the first network timeout.
    conf = MongoConf(
        mongo_process.url, "hung",
        server_selection_timeout_ms=600, connect_timeout_ms=600, socket_timeout_ms=600,
    )
    client = Client(mongo_app(conf, BookCtl))
    assert client.post("/book/item", json={"name": "Dune"}).status == 201
    pid = mongo_process.pid
    os.kill(pid, signal.SIGSTOP)  # alive, port open, never answers
    try:
        wait_for(lambda: stopped(pid), 5, "SIGSTOP to take effect")
        for _ in range(2):
            start = time.monotonic()
            res = client.get("/book/item", query={"name": "Dune"})
            assert res.status == 503
            assert res.header("Retry-After") == "5"
            assert time.monotonic() - start < 3
    finally:
        os.kill(pid, signal.SIGCONT)
    wait_for(
        lambda: client.get("/book/item", query={"name": "Dune"}).status == 200,
        15, "the resumed server",
    )
