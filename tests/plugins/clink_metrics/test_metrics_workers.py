"""Multiprocess mode: gunicorn with three workers, ``PROMETHEUS_MULTIPROC_DIR`` set, over
real sockets. A scrape answered by any worker, and the master's own port, sums the
requests of every worker; a worker that stops keeps its counts in the sum.

Each answer names its worker (``X-Worker-Pid``). gunicorn's ``gthread`` workers keep a
connection open, so a kept-alive connection stays with one worker: the test holds one
connection per worker and sends a different number of requests through each.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from metrics_helpers import requests, samples, value

from clink_mongo.embedded import free_port

pytest.importorskip("gunicorn", reason="the clink_metrics test extra installs gunicorn")
pytestmark = pytest.mark.timeout(180)

HERE = Path(__file__).resolve().parent
WORKERS = 3
ROUTE = "/book/{id:int}"


class Conn:
    """A kept-alive connection: one worker answers all its requests."""

    def __init__(self, port: int) -> None:
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, path: str) -> tuple[int, str, str]:
        self.http.request("GET", path)
        res = self.http.getresponse()
        body = res.read().decode()
        return res.status, res.getheader("X-Worker-Pid") or "", body

    def close(self) -> None:
        self.http.close()


class Server:
    def __init__(self, port: int, master_port: int, proc: subprocess.Popen[bytes],
                 log: Path, mp_dir: Path) -> None:
        self.port = port
        self.master_port = master_port
        self.proc = proc
        self.log = log
        self.mp_dir = mp_dir
        #: requests sent to the book route so far, by every test.
        self.sent = 0

    def conns_on_workers(self, timeout: float = 60) -> dict[str, Conn]:
        """A kept-alive connection to each worker, by pid."""
        conns: dict[str, Conn] = {}
        deadline = time.monotonic() + timeout
        while len(conns) < WORKERS:
            if time.monotonic() > deadline:
                for conn in conns.values():
                    conn.close()
                raise AssertionError(
                    f"only workers {sorted(conns)} answered; gunicorn log:\n"
                    + self.log.read_text(errors="replace")[-4000:]
                )
            conn = Conn(self.port)
            try:
                status, pid, _ = conn.get("/book/0")
            except OSError:
                conn.close()
                time.sleep(0.1)
                continue
            assert status == 200
            self.sent += 1
            if pid in conns:
                conn.close()
            else:
                conns[pid] = conn
        return conns

    def scrape_master(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.master_port}/", timeout=10) as r:
            return samples(r.read().decode())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("metrics-workers")
    mp_dir = tmp / "prom"
    mp_dir.mkdir()
    (mp_dir / "counter_999999.db").write_bytes(b"left by an earlier run")  # on_starting clears it
    port, master_port = free_port(), free_port()
    log = tmp / "gunicorn.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CLINK_", "PROMETHEUS"))},
        "PROMETHEUS_MULTIPROC_DIR": str(mp_dir),
        # long enough that the stopped worker's last requests reach the files only at its exit
        "CLINK_METRICS_FLUSH": "3",
        "CLINK_METRICS_PORT": str(master_port),
    }
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(HERE / "gunicorn_metrics.conf.py"),
             "--workers", str(WORKERS), "--worker-class", "gthread", "--threads", "2",
             "--keep-alive", "60", "--bind", f"127.0.0.1:{port}", "--pythonpath", str(HERE),
             "--graceful-timeout", "5", "metrics_workers_app:application"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        yield Server(port, master_port, proc, log, mp_dir)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def wait_for(scrape, check, timeout: float = 15):
    """Scrape until ``check(page)`` holds (the other workers write theirs every 3 s)."""
    deadline = time.monotonic() + timeout
    while True:
        page = scrape()
        if check(page) or time.monotonic() > deadline:
            return page
        time.sleep(0.1)


def test_a_scrape_sums_every_worker(server):
    conns = server.conns_on_workers()
    try:
        assert not (server.mp_dir / "counter_999999.db").exists()
        for n, (pid, conn) in enumerate(sorted(conns.items()), start=1):
            for i in range(10 * n):  # 10, 20 and 30 requests
                status, answered_by, _ = conn.get(f"/book/{i}")
                assert status == 200 and answered_by == pid
                server.sent += 1
        total = server.sent

        def scrape_via(conn):
            def scrape():
                status, _, body = conn.get("/metrics")
                assert status == 200
                return samples(body)
            return scrape

        # every worker's page shows all three workers' requests
        for conn in conns.values():
            page = wait_for(scrape_via(conn), lambda p: requests(p, ROUTE, "2xx") >= total)
            assert requests(page, ROUTE, "2xx") == total
            assert value(page, "clink_http_request_duration_seconds_count", method="GET",
                         route=ROUTE, status="2xx") == total
        # and so does the master's port, with the in-flight gauge back to zero
        page = wait_for(server.scrape_master,
                        lambda p: value(p, "clink_http_requests_in_flight") == 0)
        assert requests(page, ROUTE, "2xx") == total
        assert value(page, "clink_http_requests_in_flight") == 0
        assert requests(page, "/metrics", "2xx") >= WORKERS  # the scrapes above, counted too
        # one file per worker and kind of value
        pids = {p.stem.rsplit("_", 1)[1] for p in server.mp_dir.glob("counter_*.db")}
        assert pids == set(conns)
    finally:
        for conn in conns.values():
            conn.close()


def test_a_stopped_worker_s_counts_stay_in_the_sum(server):
    conns = server.conns_on_workers()
    try:
        victim, conn = sorted(conns.items())[0]
        for i in range(7):
            assert conn.get(f"/book/{i}")[1] == victim
            server.sent += 1
        conn.close()
        os.kill(int(victim), signal.SIGTERM)  # gunicorn starts another worker
        expected = server.sent
        page = wait_for(server.scrape_master,
                        lambda p: requests(p, ROUTE, "2xx") >= expected)
        assert requests(page, ROUTE, "2xx") == expected
        # the dead worker left the live gauge (child_exit), its totals stay
        deadline = time.monotonic() + 15
        while (server.mp_dir / f"gauge_livesum_{victim}.db").exists():
            assert time.monotonic() < deadline, "child_exit did not remove the gauge file"
            time.sleep(0.1)
        assert (server.mp_dir / f"counter_{victim}.db").exists()
        assert value(server.scrape_master(), "clink_http_requests_in_flight") == 0
    finally:
        for c in conns.values():
            c.close()
