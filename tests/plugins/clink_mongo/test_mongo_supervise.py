"""EmbeddedMongo.supervise(): a server that dies is restarted on its port and data."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable

import pytest
from pymongo import MongoClient

from clink_mongo.embedded import EmbeddedMongo, EmbeddedMongoError

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"),
]


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class Said:
    """Collects the lines ``supervise()`` reports."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        with self._lock:
            self.lines.append(line)

    def text(self) -> str:
        with self._lock:
            return "\n".join(self.lines)


def count_books(url: str) -> int:
    client: MongoClient = MongoClient(url, serverSelectionTimeoutMS=5000)
    try:
        return client["sup"]["book"].count_documents({})
    finally:
        client.close()


def test_a_crashed_server_is_restarted_on_its_port_with_its_data(mongo_process: EmbeddedMongo):
    url, port = mongo_process.url, mongo_process.port
    client: MongoClient = MongoClient(url, serverSelectionTimeoutMS=5000)
    try:
        client["sup"]["book"].insert_many([{"n": i} for i in range(10)])
    finally:
        client.close()
    said = Said()
    mongo_process.supervise(said, interval=0.1)
    assert mongo_process.supervised
    mongo_process.supervise(said)  # a second call changes nothing

    old_pid = mongo_process.pid
    assert old_pid is not None
    os.kill(old_pid, signal.SIGKILL)  # from outside, as a crash
    wait_for(lambda: mongo_process.restarts == 1, 30, "the restart")
    assert mongo_process.running and mongo_process.pid != old_pid
    assert (mongo_process.port, mongo_process.url) == (port, url)
    text = said.text()
    assert f"(pid {old_pid}) was killed by SIGKILL; restarting it on 127.0.0.1:{port}" in text
    assert str(mongo_process.data_dir) in text
    assert f"is back at {url} (pid {mongo_process.pid})" in text
    assert count_books(url) == 10  # the acknowledged writes are still there

    mongo_process.kill()  # kill() is a crash too: restarted again
    wait_for(lambda: mongo_process.restarts == 2, 30, "the second restart")
    assert count_books(url) == 10


def test_stop_ends_the_supervision(mongo_process: EmbeddedMongo):
    said = Said()
    mongo_process.supervise(said, interval=0.05)
    mongo_process.stop()
    assert not mongo_process.supervised
    time.sleep(0.5)  # several looks of the supervising thread
    assert not mongo_process.running and mongo_process.restarts == 0 and said.lines == []


def test_stop_supervising_leaves_the_server_alone(mongo_process: EmbeddedMongo):
    said = Said()
    mongo_process.supervise(said, interval=0.05)
    mongo_process.stop_supervising()
    assert mongo_process.running
    mongo_process.kill()
    time.sleep(0.5)
    assert not mongo_process.running and said.lines == []


def test_supervise_needs_a_started_server(tmp_path):
    with pytest.raises(EmbeddedMongoError, match=r"start\(\) the embedded server"):
        EmbeddedMongo(tmp_path / "never").supervise()


def test_a_failing_report_does_not_end_the_supervision(mongo_process: EmbeddedMongo):
    def say(line: str) -> None:
        raise BrokenPipeError("stdout is gone")

    mongo_process.supervise(say, interval=0.05)
    mongo_process.kill()
    wait_for(lambda: mongo_process.restarts == 1, 30, "the restart")
    assert mongo_process.running
