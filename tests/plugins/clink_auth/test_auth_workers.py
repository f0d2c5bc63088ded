"""The login throttle across worker processes: gunicorn with three workers serving
``workers_app`` against a SecantusDB subprocess, over real sockets.

Each answer names its worker (``X-Worker-Pid``). gunicorn's ``gthread`` workers
keep a connection open, so a connection stays with one worker: the tests hold
connections to different workers and send failures through each in turn, so
the counts must be shared through MongoDB to hold.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from auth_helpers import FAST_HASH, JWT_KEY, PWD, ROOT_EMAIL, ROOT_PWD

from clink_mongo.embedded import EmbeddedMongo, free_port

pytest.importorskip("gunicorn", reason="the clink_auth test extra installs gunicorn")
pytestmark = pytest.mark.timeout(180)

HERE = Path(__file__).resolve().parent
WORKERS = 3
#: What the server is configured with (the pair limit is the default, 5).
CLIENT_MAX_FAILS = 8
CLIENT_MAX_CHECKS = 12


class Conn:
    """A kept-alive connection to the server: one worker answers all its requests."""

    def __init__(self, port: int) -> None:
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        sent = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        self.http.request(method, path, body=data, headers=sent)
        res = self.http.getresponse()
        raw = res.read()
        got = {k.lower(): v for k, v in res.getheaders()}
        return res.status, got, json.loads(raw) if raw else None

    def login(self, addr: str, name: str, pwd: str) -> tuple[int, dict[str, str], Any]:
        return self.call("POST", "/auth/token", {
            "grant_type": "password", "username": name, "password": pwd,
        }, {"X-Forwarded-For": addr})

    def close(self) -> None:
        self.http.close()


class Server:
    """gunicorn serving ``workers_app`` on a free port; its log in ``log``."""

    def __init__(self, port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.port = port
        self.proc = proc
        self.log = log

    def conns_on_workers(self, count: int = WORKERS, timeout: float = 60) -> list[Conn]:
        """Kept-alive connections answered by ``count`` different workers."""
        conns: dict[str, Conn] = {}
        deadline = time.monotonic() + timeout
        while len(conns) < count:
            if time.monotonic() > deadline:
                for conn in conns.values():
                    conn.close()
                raise AssertionError(
                    f"only workers {sorted(conns)} answered; gunicorn log:\n"
                    + self.log.read_text(errors="replace")[-4000:]
                )
            conn = Conn(self.port)
            try:
                status, head, _ = conn.call("GET", "/acc/me")
            except OSError:
                conn.close()
                time.sleep(0.1)
                continue
            assert status == 401, status
            pid = head["x-worker-pid"]
            if pid in conns:
                conn.close()
            else:
                conns[pid] = conn
        return list(conns.values())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("workers")
    mongo = EmbeddedMongo(tmp / "mongo", start_timeout=30.0)
    mongo.start()
    port = free_port()
    log = tmp / "gunicorn.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CLINK_")},
        "CLINK_MONGO_URL": mongo.url,
        "CLINK_MONGO_DB": "workers",
        "CLINK_TRUSTED_PROXIES": "127.0.0.1",
        "CLINK_AUTH_ROOT_PWD": ROOT_PWD,
        "CLINK_AUTH_ROOT_EMAIL": ROOT_EMAIL,
        "CLINK_AUTH_ROOT_EMAIL_SERVER": "127.0.0.1",
        "CLINK_AUTH_SMTP_SECURITY": "none",
        "CLINK_AUTH_JWT_KEY": JWT_KEY,
        "CLINK_AUTH_LOGIN_CLIENT_MAX_FAILS": str(CLIENT_MAX_FAILS),
        "CLINK_AUTH_LOGIN_CLIENT_MAX_CHECKS": str(CLIENT_MAX_CHECKS),
        **{f"CLINK_AUTH_{k.upper()}": str(v) for k, v in FAST_HASH.items()},
    }
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS),
             "--worker-class", "gthread", "--threads", "2", "--keep-alive", "60",
             "--bind", f"127.0.0.1:{port}", "--pythonpath", str(HERE),
             "--graceful-timeout", "3", "workers_app:application"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        yield Server(port, proc, log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        mongo.stop(timeout=5.0)


def pid(head: dict[str, str]) -> str:
    return head["x-worker-pid"]


def test_failures_on_different_workers_share_one_count(server):
    conns = server.conns_on_workers()
    try:
        pids = set()
        for i in range(5):
            status, head, body = conns[i % len(conns)].login("203.0.113.10", "root", "wrong-pwd")
            assert status == 400 and body["error"] == "invalid_grant"
            pids.add(pid(head))
        assert len(pids) == WORKERS  # the five failures landed on every worker
        for conn in conns:  # each worker refuses the sixth, even the right password
            status, head, body = conn.login("203.0.113.10", "root", ROOT_PWD)
            assert status == 429 and body["error"] == "slow_down"
            assert 0 < int(head["retry-after"]) <= 900
        for conn in conns:  # and none of them locks root for another client
            status, _, body = conn.login("198.51.100.10", "root", ROOT_PWD)
            assert status == 200 and body["token_type"] == "Bearer"
    finally:
        for conn in conns:
            conn.close()


def test_concurrent_guesses_on_every_worker_get_exactly_the_limit(server):
    results: list[tuple[int, str]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(12)

    def guess() -> None:
        conn = Conn(server.port)
        try:
            barrier.wait(30)
            status, head, _ = conn.login("203.0.113.11", "root", "wrong-pwd")
        finally:
            conn.close()
        with lock:
            results.append((status, pid(head)))

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(status for status, _ in results)
    assert statuses == [400] * 5 + [429] * 7, results


def test_rotating_names_across_workers_is_capped_per_client(server):
    conns = server.conns_on_workers()
    try:
        for i in range(CLIENT_MAX_FAILS):
            status, _, _ = conns[i % len(conns)].login("203.0.113.12", f"name-{i}", "wrong-pwd")
            assert status == 400
        for conn in conns:
            status, _, body = conn.login("203.0.113.12", "another", PWD)
            assert status == 429
            assert "failed logins from your address" in body["error_description"]
    finally:
        for conn in conns:
            conn.close()


def test_argon2_checks_across_workers_are_capped_per_client(server):
    conns = server.conns_on_workers()
    try:
        for i in range(CLIENT_MAX_CHECKS):
            status, _, _ = conns[i % len(conns)].login("203.0.113.13", "root", ROOT_PWD)
            assert status == 200
        for conn in conns:
            status, head, body = conn.login("203.0.113.13", "root", ROOT_PWD)
            assert status == 429 and "password checks" in body["error_description"]
            assert head["cache-control"] == "no-store"
        assert conns[0].login("203.0.113.14", "root", ROOT_PWD)[0] == 200
    finally:
        for conn in conns:
            conn.close()
