"""The demo launcher restarts its embedded database when it dies (issue 18, point 2).

The demo runs as a real process (``DemoProcess``); its SecantusDB child is
killed with SIGKILL. While it is down the API answers 503 at once; the
launcher prints that the database died and that it is back, on the same port
and data; the API serves again by itself, with the book written before.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from demo_harness import DemoProcess
from e2e_needs import need_module

need_module("clink_auth")
need_module("secantus", "needs clink-mongo[embedded] (SecantusDB)")
pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds processes in /proc"),
]

DUNE = {"title": "Dune", "author": "Frank Herbert", "isbn": "9780441172719", "year": 1965}
#: A 503 while the database is down must come well within this (seconds).
DOWN_BOUND = 1.0


def database_pid(demo: DemoProcess) -> int:
    """The pid of the launcher's child that serves ``demo.mongo_port``."""
    assert demo.proc is not None and demo.mongo_port is not None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        if ppid == demo.proc.pid and str(demo.mongo_port).encode() in args:
            return int(entry.name)
    raise AssertionError(f"no child of the launcher serves port {demo.mongo_port}")


def test_the_launcher_restarts_a_dead_database(tmp_path: Path):
    with DemoProcess(tmp_path / "data") as demo:
        assert demo.root_pwd is not None
        token = demo.token("root", demo.root_pwd)
        status, _, book = demo.call("POST", "/book/item", DUNE, token=token)
        assert status == 201, book  # acknowledged before the crash

        pid = database_pid(demo)
        mark = len(demo.lines)
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()

        # Until the launcher has the database back, every answer is a quick 503.
        answers: list[tuple[float, int, str | None]] = []
        while not any("server is back at" in line for line in demo.lines[mark:]):
            assert time.monotonic() - killed_at < 60, demo.output
            start = time.monotonic()
            status, headers, _body = demo.call("GET", "/book/list")
            answers.append((time.monotonic() - start, status, headers.get("retry-after")))
        down = [a for a in answers if a[1] == 503]
        assert down, f"no 503 while the database was down: {answers}"
        assert {a[1] for a in answers} <= {200, 503}, answers
        assert all(retry == "5" for _took, _status, retry in down)
        worst = max(took for took, _status, _retry in down)
        print(f"\n{len(down)} answers 503 while the database was down, worst {worst * 1000:.1f} ms")
        assert worst < DOWN_BOUND

        port = demo.mongo_port
        said = demo.wait_for(
            rf"^book-api: the embedded MongoDB server \(pid {pid}\) was killed by SIGKILL; "
            rf"restarting it on 127\.0\.0\.1:{port} with the data in (.+)$", 1, mark)
        assert said[1] == str(demo.data_dir / "mongo")
        back = demo.wait_for(
            r"^book-api: the embedded MongoDB server is back at "
            r"mongodb://127\.0\.0\.1:(\d+)/ \(pid (\d+)\)$", 1, mark)
        assert int(back[1]) == port and int(back[2]) != pid
        assert database_pid(demo) == int(back[2])

        # The app reconnects by itself and the book written before is there.
        deadline = time.monotonic() + 2
        while (status := demo.call("GET", "/book/list")[0]) != 200:
            assert time.monotonic() < deadline, f"still {status} 2 s after the restart"
            time.sleep(0.02)
        status, _, page = demo.call("GET", "/book/list")
        assert page["total"] == 1 and page["items"][0]["isbn"] == DUNE["isbn"], page
        status, _, got = demo.call("GET", f"/book/item?id={book['id']}")
        assert (status, got["title"]) == (200, "Dune")

        assert demo.stop(signal.SIGINT) == 0
        out = demo.output
        assert "book-api: stopped" in out
        assert out.count("restarting it on") == 1  # stopping is not a crash
