"""Faults under load on the demo (issue 16, point 3): the database dies, the mail server
is down.

The demo app (``examples/book_api``: log, cors, auth, mongo, smtp) is served over real
sockets (``LiveServer``) on a SecantusDB subprocess (``mongo_process``). Threads add
books (``POST /book/item``, each with its own ISBN) and log in (``POST /auth/token``)
while the database is killed (SIGKILL), left down for ``OUTAGE`` seconds and restarted
on the same data. Every request that starts while it is down must get 503 with
``Retry-After`` within the configured server-selection timeout; the same app must serve
again by itself; and every book acknowledged with 201 — before, during or after the
outage — must be in the database afterwards.

With the mail server down, registrations get the documented 503 with ``Retry-After``
and leave nothing behind: no account, no pending registration, the name free again.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import itertools
import json
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from e2e_needs import need_module
from reliability_demo import DB_NAME, ROOT_EMAIL, ROOT_PWD, book, create_demo, demo_env, isbn
from reliability_results import record

need_module("clink_auth")
need_module("secantus", "needs clink-mongo[embedded] (SecantusDB)")

from clink_core.testing import LiveServer  # noqa: E402
from clink_mongo import MongoSv  # noqa: E402
from clink_smtp.outbox import Outbox  # noqa: E402

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes"),
]

#: seconds of load before the kill, of outage, and after the restart.
BEFORE, OUTAGE, AFTER = 2.0, 5.0, 3.0
#: every request that starts this long after the restart must be served (seconds).
RECOVERY = 2.0
#: threads adding books, and threads logging in.
WRITERS, LOGINS = 4, 1
#: a 503 must come within MongoConf's server-selection timeout (the default, 2 s).
SELECTION_TIMEOUT = 2.0


@dataclass
class Sent:
    kind: str
    start: float
    end: float
    status: int
    retry_after: str | None
    isbn: str | None = None


def call(port: int, method: str, path: str, body: bytes, headers: dict[str, str]
         ) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        res = conn.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
    finally:
        conn.close()


def login(port: int) -> tuple[int, dict[str, str], bytes]:
    form = f"grant_type=password&username=root&password={ROOT_PWD}".encode()
    return call(port, "POST", "/auth/token", form,
                {"Content-Type": "application/x-www-form-urlencoded"})


class Load:
    """Writers and logins against ``port`` until ``stop()``; every answer kept."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.token = token
        self.sent: list[Sent] = []
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._write, daemon=True)
                         for _ in range(WRITERS)]
        self._threads += [threading.Thread(target=self._login, daemon=True)
                          for _ in range(LOGINS)]

    def start(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(60)

    def _keep(self, sent: Sent) -> None:
        with self._lock:
            self.sent.append(sent)

    def _write(self) -> None:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
        while not self._stop.is_set():
            with self._lock:
                n = next(self._numbers)
            start = time.monotonic()
            status, got, _ = call(self.port, "POST", "/book/item", book(n), headers)
            self._keep(Sent("book", start, time.monotonic(), status, got.get("retry-after"),
                            isbn(n)))

    def _login(self) -> None:
        while not self._stop.is_set():
            start = time.monotonic()
            status, got, _ = login(self.port)
            self._keep(Sent("login", start, time.monotonic(), status, got.get("retry-after")))
            time.sleep(0.02)


def test_the_database_dies_under_load(monkeypatch, tmp_path: Path, mongo_process):
    demo_env(monkeypatch, tmp_path)
    with Outbox("127.0.0.1", port=None, out=io.StringIO()) as box:
        app = create_demo(mongo_process.url, box.smtp_conf(ROOT_EMAIL))
        sv = app.injector.ref(MongoSv)
        # what the README states: pymongo's defaults, unchanged by clink-mongo
        assert sv.client.options.retry_writes is True
        assert sv.db.write_concern.document == {}  # the server's default: w=1, acknowledged
        with LiveServer(app) as server:
            status, _, body = login(server.port)
            assert status == 200, body
            load = Load(server.port, json.loads(body)["access_token"]).start()
            try:
                time.sleep(BEFORE)
                killed = time.monotonic()
                mongo_process.kill()
                time.sleep(OUTAGE)
                # Down until restart() begins: the app may reach the new server before
                # restart() has seen it answer, so "during" ends where the restart starts.
                restarting = time.monotonic()
                mongo_process.restart()  # same port, same data; returns once it answers
                back = time.monotonic()
                time.sleep(AFTER)
            finally:
                load.stop()
    sent = load.sent
    statuses = {s.status for s in sent}
    assert statuses <= {200, 201, 503}, sorted(statuses)

    during = [s for s in sent if killed < s.start and s.end < restarting]
    assert during and all(s.status == 503 for s in during), [
        (s.kind, s.status) for s in during if s.status != 503][:10]
    assert all(s.retry_after == "5" for s in sent if s.status == 503)
    worst = max(s.end - s.start for s in sent if s.status == 503)
    assert worst < SELECTION_TIMEOUT, f"a 503 took {worst:.2f} s"

    before = [s for s in sent if s.end < killed]
    assert before and all(s.status in (200, 201) for s in before)
    after = [s for s in sent if s.start > back]
    recovered = min(s.end for s in after if s.status in (200, 201)) - back
    late = [s for s in after if s.start > back + RECOVERY]
    assert late and all(s.status in (200, 201) for s in late), "not served after the restart"

    from pymongo import MongoClient

    with MongoClient(mongo_process.url, serverSelectionTimeoutMS=5000) as client:
        stored = {doc["isbn"] for doc in client[DB_NAME]["book"].find({}, {"isbn": 1})}
    acknowledged = {s.isbn for s in sent if s.kind == "book" and s.status == 201}
    lost = acknowledged - stored
    assert not lost, f"{len(lost)} books acknowledged with 201 are not stored: {sorted(lost)[:5]}"
    refused_but_stored = {s.isbn for s in sent if s.status == 503} & stored
    record(
        "database-killed-under-load", requests=len(sent), faults=1,
        requests_during_outage=len(during), answered_503=sum(s.status == 503 for s in sent),
        worst_503_ms=round(worst * 1000, 1), acknowledged_books=len(acknowledged),
        lost_writes=len(lost), refused_but_stored=len(refused_but_stored),
        served_again_after_ms=round(recovered * 1000),
    )


def test_registrations_while_the_mail_server_is_down(monkeypatch, tmp_path: Path,
                                                       mongo_process):
    demo_env(monkeypatch, tmp_path)
    from pymongo import MongoClient

    box = Outbox("127.0.0.1", port=None, out=io.StringIO())
    box.start()
    try:
        app = create_demo(mongo_process.url, box.smtp_conf(ROOT_EMAIL))
        with LiveServer(app) as server, MongoClient(mongo_process.url) as client:
            db = client[DB_NAME]

            def register(name: str) -> tuple[int, dict[str, str], bytes]:
                body = json.dumps({"name": name, "email": f"{name}@example.com",
                                   "pwd": f"{name}-password"}).encode()
                return call(server.port, "POST", "/acc/reg/code", body,
                            {"Content-Type": "application/json"})

            status, _, body = register("before")
            assert status == 204, body
            assert len(box.messages) == 1

            box.stop()  # the mail server goes away
            names = [f"user{i}" for i in range(24)]
            answers: dict[str, tuple[int, dict[str, str], bytes, float]] = {}

            def attempt(name: str) -> None:
                start = time.monotonic()
                status, headers, body = register(name)
                answers[name] = (status, headers, body, time.monotonic() - start)

            threads = [threading.Thread(target=attempt, args=(n,)) for n in names]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            for name, (status, headers, body, _took) in answers.items():
                assert status == 503, (name, status, body)
                assert headers.get("retry-after") == "60"
                assert json.loads(body)["message"] == (
                    "the registration mail could not be sent; try again later")
            worst = max(took for *_, took in answers.values())
            # nothing half-made: no account, no pending registration, no held name
            for name in names:
                assert db["acc"].find_one({"name": name}) is None
                assert db["acctmp"].find_one({"name": name}) is None
                assert db["acctmp"].find_one({"email": f"{name}@example.com"}) is None

            box.start()  # back, same port: the same names register now
            for name in names[:4]:
                status, _, body = register(name)
                assert status == 204, (name, body)
            assert len(box.messages) == 5
            assert db["acctmp"].count_documents({"name": {"$in": names[:4]}}) == 4
    finally:
        with contextlib.suppress(Exception):
            box.stop()
    record("mail-server-down-during-registrations", requests=len(answers) + 5, faults=1,
           answered_503=len(answers), half_made_accounts=0, worst_503_ms=round(worst * 1000))

