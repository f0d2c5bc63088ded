"""The production-like cluster of test_scale.py: two gunicorn instances ("hosts" on two
ports, 3 workers each) serving docs/examples/deploy_wsgi.py's app, one shared MongoDB
(a SecantusDB subprocess, or ``CLINK_TEST_MONGO_URL``) and one aiosmtpd mail server.

Each instance is started as production starts it, by docs/examples/deploy_serve.sh
(gunicorn with docs/examples/deploy_gunicorn_conf.py), and has what a host of its own
would have: its own log directory
(clink-log's ``request.log`` / ``error.log``), its own ``PROMETHEUS_MULTIPROC_DIR``
and master metrics port (clink-metrics), its own gunicorn log. Everything they
share goes through MongoDB, as in production.

``Conn`` is a kept-alive connection: gunicorn's gthread workers keep a connection
with the worker that accepted it, so ``Instance.conns_on_workers()`` returns one per
worker, and a test chooses which worker answers. Every answer a ``Conn`` gets is
recorded (``SEEN``: instance, worker pid, ``X-Request-Id``) for the request-id check.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from demo_harness import FAST_ARGON2, free_port

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
EXAMPLES = ROOT / "docs" / "examples"
#: the production command line (it execs gunicorn with deploy_gunicorn_conf.py).
SERVE = EXAMPLES / "deploy_serve.sh"
HOST = "127.0.0.1"
WORKERS = 3
THREADS = 8
#: gunicorn's graceful timeout here (the deploy conf says 30; shorter keeps a stuck stop
#: short; its worker timeout, 20 s, is kept), and the mail drain below both, as
#: docs/deploying.md asks.
GRACEFUL_TIMEOUT = 10
DRAIN_TIMEOUT = 5
#: the SMTP client's timeout per exchange. With the drain it stays below the graceful
#: timeout, as docs/deploying.md asks: a registration's mail held by a stalled server
#: then gives up before gunicorn kills the worker, so the drain still runs and reports
#: what it could not send (test_scale's check f).
SMTP_TIMEOUT = 3
ROOT_PWD = "root-pass-w0rd"
ROOT_EMAIL = "root@example.com"
JWT_KEY = "scale-test-signing-key-" + "x" * 48
CODE = re.compile(r"\b[A-Z]{4}-[A-Z]{4}-[A-Z]{4}-[A-Z]{4}\b")

#: (instance name, worker pid, request id) of every answer a Conn got.
SEEN: list[tuple[str, str, str]] = []
_SEEN_LOCK = threading.Lock()


class ClusterError(RuntimeError):
    """The cluster could not be started; the message holds the server's log."""


# -- mail ---------------------------------------------------------------------------------
class MailRecorder:
    """aiosmtpd handler keeping each message; ``delay`` seconds (settable) before each is
    accepted, so mail can still be in flight or queued when a worker stops."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.lock = threading.Lock()
        #: (recipient, subject, body) of each accepted message.
        self.mails: list[tuple[str, str, str]] = []
        #: messages whose DATA arrived (accepted or still waiting out ``delay``).
        self.arrived = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.arrived += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        msg = email.message_from_bytes(envelope.content)
        body = msg.get_payload(decode=True).decode("utf-8", "replace")
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.mails.append((rcpt.lower(), str(msg["Subject"]), body))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[tuple[str, str]]:
        """(subject, body) of every message accepted for ``address``."""
        with self.lock:
            return [(s, b) for rcpt, s, b in self.mails if rcpt == address.lower()]

    def code_for(self, address: str, timeout: float = 15) -> str:
        """The code of the newest message to ``address`` that has one."""
        deadline = time.monotonic() + timeout
        while True:
            for _, body in reversed(self.to(address)):
                found = CODE.search(body)
                if found:
                    return found.group(0)
            if time.monotonic() > deadline:
                raise AssertionError(f"no mail with a code reached {address}")
            time.sleep(0.05)


@contextlib.contextmanager
def mail_server() -> Iterator[tuple[MailRecorder, int]]:
    from aiosmtpd.controller import Controller

    rec = MailRecorder()
    port = free_port()
    controller = Controller(rec, hostname=HOST, port=port, ready_timeout=10)
    controller.start()
    try:
        yield rec, port
    finally:
        controller.stop()


# -- HTTP ---------------------------------------------------------------------------------
class Conn:
    """A kept-alive connection to one instance: one worker answers all its requests."""

    def __init__(self, instance: Instance, timeout: float = 60) -> None:
        self.instance = instance
        self.http = http.client.HTTPConnection(HOST, instance.port, timeout=timeout)
        self.pid = ""

    def call(
        self, method: str, path: str, body: Any = None, *, form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None, token: str | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        """One request; the status, the headers (lower-case names), the JSON or raw body."""
        sent = dict(headers or {})
        data = None
        if form is not None:
            data = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        if token:
            sent["Authorization"] = f"Bearer {token}"
        self.http.request(method, path, body=data, headers=sent)
        res = self.http.getresponse()
        raw = res.read()
        got = {k.lower(): v for k, v in res.getheaders()}
        self.pid = got.get("x-worker-pid", "")
        with _SEEN_LOCK:
            SEEN.append((self.instance.name, self.pid, got.get("x-request-id", "")))
        if raw and got.get("content-type", "").startswith("application/json"):
            return res.status, got, json.loads(raw)
        return res.status, got, raw

    def login(self, name: str, pwd: str, client: str) -> tuple[int, dict[str, str], Any]:
        """``POST /auth/token`` (password grant) as seen from client address ``client``
        (``X-Forwarded-For``: the instances trust 127.0.0.1 as their proxy)."""
        return self.call("POST", "/auth/token", form={
            "grant_type": "password", "username": name, "password": pwd,
        }, headers={"X-Forwarded-For": client})

    def refresh(self, rtoken: str) -> tuple[int, dict[str, str], Any]:
        return self.call("POST", "/auth/token", form={
            "grant_type": "refresh_token", "refresh_token": rtoken,
        })

    def close(self) -> None:
        self.http.close()


# -- servers ------------------------------------------------------------------------------
@dataclass
class Instance:
    """One gunicorn "host": 3 workers on its own port, logs and metrics directory."""

    name: str
    dir: Path
    port: int = field(default_factory=free_port)
    metrics_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def log_dir(self) -> Path:
        return self.dir / "logs"

    @property
    def prom_dir(self) -> Path:
        return self.dir / "prom"

    @property
    def server_log(self) -> Path:
        return self.dir / "gunicorn.log"

    def start(self, env: dict[str, str]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        full = {
            **env,
            "CLINK_LOG_DIR": str(self.log_dir),
            "PROMETHEUS_MULTIPROC_DIR": str(self.prom_dir),
            "CLINK_METRICS_PORT": str(self.metrics_port),
            # what deploy_serve.sh and deploy_gunicorn_conf.py read
            "PYTHON": sys.executable,
            "APP": "scale_app:application",
            "PYTHONPATH": os.pathsep.join([str(EXAMPLES), str(HERE)]),
            "BIND": f"{HOST}:{self.port}",
            "WEB_CONCURRENCY": str(WORKERS),
            "GUNICORN_THREADS": str(THREADS),
            # the tests pin a worker by holding its connection between requests
            "GUNICORN_CMD_ARGS": f"--graceful-timeout {GRACEFUL_TIMEOUT} --keep-alive 60",
        }
        with open(self.server_log, "ab") as out:
            self.proc = subprocess.Popen(
                ["sh", str(SERVE), "gunicorn"], cwd=self.dir, env=full, stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: stop() ends every worker
            )

    def wait_ready(self, timeout: float = 90) -> None:
        """Until ``GET /readyz`` answers 200 (the database and the mail server are there)."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise ClusterError(f"{self.name} exited with {self.proc.returncode}:\n"
                                   + self.log_text())
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
                conn.close()
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ClusterError(f"{self.name} not ready within {timeout}s:\n"
                                   + self.log_text())
            time.sleep(0.2)

    def log_text(self) -> str:
        return self.server_log.read_text(errors="replace") if self.server_log.exists() else ""

    def worker_pids(self) -> set[int]:
        """The master's live child processes (its workers), from /proc."""
        assert self.proc is not None
        found = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.proc.pid and fields[0] != "Z":
                    found.add(int(stat.parent.name))
        return found

    def conns_on_workers(self, per_worker: int = 1, timeout: float = 60) -> dict[str, list[Conn]]:
        """``per_worker`` kept-alive connections to each live worker, by pid."""
        wanted = {str(pid) for pid in self.worker_pids()}
        conns: dict[str, list[Conn]] = {}
        deadline = time.monotonic() + timeout
        spare: list[Conn] = []
        try:
            while any(len(conns.get(pid, [])) < per_worker for pid in wanted):
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"{self.name}: connections reached workers "
                        f"{ {p: len(c) for p, c in conns.items()} } of {sorted(wanted)}")
                conn = Conn(self)
                try:
                    status, _, _ = conn.call("GET", "/healthz")
                except OSError:
                    conn.close()
                    time.sleep(0.1)
                    continue
                assert status == 200, status
                if len(conns.get(conn.pid, [])) < per_worker:
                    conns.setdefault(conn.pid, []).append(conn)
                else:
                    spare.append(conn)  # held open so the next one goes elsewhere
                if len(spare) > 4 * WORKERS:
                    for c in spare:
                        c.close()
                    spare.clear()
        except BaseException:
            for c in [c for cs in conns.values() for c in cs]:
                c.close()
            raise
        finally:
            for c in spare:
                c.close()
        return conns

    def scrape_master(self) -> str:
        """The master's metrics page (every worker's sums)."""
        conn = http.client.HTTPConnection(HOST, self.metrics_port, timeout=10)
        try:
            conn.request("GET", "/")
            return conn.getresponse().read().decode()
        finally:
            conn.close()

    def request_lines(self) -> list[dict[str, Any]]:
        """clink-log's request lines of every worker of this instance (JSON lines)."""
        path = self.log_dir / "request.log"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM to the master (as a container stop does), then SIGKILL what is left."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)


@dataclass
class Cluster:
    """Two instances, the database they share and the mail server."""

    a: Instance
    b: Instance
    mail: MailRecorder
    mongo_url: str
    db_name: str

    @property
    def instances(self) -> tuple[Instance, Instance]:
        return (self.a, self.b)

    def db(self) -> Any:
        from pymongo import MongoClient

        client: Any = MongoClient(self.mongo_url, serverSelectionTimeoutMS=5000)
        return client, client[self.db_name]

    def all_conns(self) -> list[Conn]:
        """One kept-alive connection to each of the six workers, instance a's first."""
        found = []
        for inst in self.instances:
            found += [cs[0] for _, cs in sorted(inst.conns_on_workers().items())]
        return found


def instance_env(mongo_url: str, db_name: str, smtp_port: int) -> dict[str, str]:
    """What both instances get: the same database, secrets and mail server."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("CLINK_", "PROMETHEUS", "GUNICORN", "WEB_CONCURRENCY"))}
    return {
        **clean,
        "PYTHONUNBUFFERED": "1",
        "CLINK_MONGO_URL": mongo_url,
        "CLINK_MONGO_DB": db_name,
        "CLINK_AUTH_ROOT_PWD": ROOT_PWD,
        "CLINK_AUTH_ROOT_EMAIL": ROOT_EMAIL,
        "CLINK_AUTH_ROOT_EMAIL_SERVER": HOST,
        "CLINK_AUTH_JWT_KEY": JWT_KEY,
        **FAST_ARGON2,
        "CLINK_SMTP_HOST": HOST,
        "CLINK_SMTP_PORT": str(smtp_port),
        "CLINK_SMTP_SENDER": "noreply@example.com",
        "CLINK_SMTP_SECURITY": "none",
        "CLINK_SMTP_TIMEOUT": str(SMTP_TIMEOUT),
        "CLINK_SMTP_DRAIN_TIMEOUT": str(DRAIN_TIMEOUT),
        # the load balancer in front: 127.0.0.1; the client address is X-Forwarded-For
        "CLINK_TRUSTED_PROXIES": HOST,
        "CLINK_LOG_FORMAT": "json",
        "CLINK_LOG_FLUSH": "0.2",
        "CLINK_METRICS_FLUSH": "0.2",
    }


@contextlib.contextmanager
def cluster(tmp: Path) -> Iterator[Cluster]:
    """Start the database (unless ``CLINK_TEST_MONGO_URL``), the mail server and both
    instances; stop them all afterwards, whatever happened."""
    from clink_mongo.embedded import EmbeddedMongo
    from clink_mongo.testing import TEST_URL_ENV

    with contextlib.ExitStack() as stack:
        url = os.environ.get(TEST_URL_ENV)
        if not url:
            mongo = EmbeddedMongo(tmp / "mongo", start_timeout=30.0)
            url = mongo.start()
            stack.callback(mongo.stop, 5.0)
        db_name = f"scale_{uuid.uuid4().hex[:10]}"
        rec, smtp_port = stack.enter_context(mail_server())
        env = instance_env(url, db_name, smtp_port)
        a, b = Instance("a", tmp / "host-a"), Instance("b", tmp / "host-b")
        for inst in (a, b):
            inst.start(env)
            stack.callback(inst.stop)
        for inst in (a, b):
            inst.wait_ready()
        made = Cluster(a, b, rec, url, db_name)
        yield made
        if not os.environ.get(TEST_URL_ENV):
            return
        client, _ = made.db()  # a shared server: leave it as it was
        with contextlib.suppress(Exception):
            client.drop_database(db_name)
        client.close()


def copy_worker_files(prom_dir: Path, pid: str, into: Path) -> Path:
    """One worker's counter and histogram files alone in ``into``, to read its own
    counts with prometheus-client's multiprocess collector."""
    into.mkdir(parents=True, exist_ok=True)
    for path in prom_dir.glob(f"*_{pid}.db"):
        shutil.copy(path, into / path.name)
    return into
