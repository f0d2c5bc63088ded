"""clink_log's files: rotation, thread safety, timed flushing, write failures, fork."""

from __future__ import annotations

import logging
import os
import threading
import time

import pytest

from clink_core.testing import Client
from clink_log import LogFile
from clink_log.reqid import new_id
from clink_log.writer import BATCH
from clink_log_helpers import Logs, split_text

pytestmark = pytest.mark.timeout(30)


def _wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


# -- rotation ----------------------------------------------------------------------
def test_after_a_rename_the_next_line_goes_to_a_new_file_at_the_same_path(log_app, tmp_path):
    app = log_app()
    client = Client(app)
    logs = Logs(app)
    client.get("/t/ok", headers={"X-Request-Id": "before"})
    client.get("/nowhere", headers={"X-Request-Id": "before-404"})
    logs.sv.flush()
    for name in ("request.log", "error.log"):  # what logrotate does (without copytruncate)
        os.rename(logs.dir / name, logs.dir / f"{name}.1")
    client.get("/t/ok", headers={"X-Request-Id": "after"})
    client.get("/nowhere", headers={"X-Request-Id": "after-404"})
    assert [split_text(line)[1] for line in logs.requests] == ["after", "after-404"]
    assert [split_text(line)[1] for line in logs.errors] == ["after-404"]
    rotated = (logs.dir / "request.log.1").read_text().splitlines()
    assert [split_text(line)[1] for line in rotated] == ["before", "before-404"]
    assert "before-404" in (logs.dir / "error.log.1").read_text()


def test_after_a_rename_an_unbuffered_log_writes_the_very_next_line_to_the_new_file(log_app):
    app = log_app(flush_interval=0)
    client = Client(app)
    path = Logs(app).dir / "request.log"
    client.get("/t/ok", headers={"X-Request-Id": "one"})
    assert "one" in path.read_text()  # written at once, no flush()
    os.rename(path, path.with_name("request.log.1"))
    client.get("/t/ok", headers={"X-Request-Id": "two"})
    assert [split_text(line)[1] for line in path.read_text().splitlines()] == ["two"]


def test_a_deleted_log_file_is_created_again(log_app):
    app = log_app()
    logs = Logs(app)
    Client(app).get("/t/ok")
    logs.sv.flush()
    (logs.dir / "request.log").unlink()
    Client(app).get("/t/ok", headers={"X-Request-Id": "again"})
    assert [split_text(line)[1] for line in logs.requests] == ["again"]


# -- when lines are written ----------------------------------------------------------
def test_queued_lines_are_written_within_the_flush_interval(log_app):
    app = log_app(flush_interval=0.05)
    Client(app).get("/t/ok", headers={"X-Request-Id": "timed"})
    path = Logs(app).dir / "request.log"
    assert _wait_for(lambda: "timed" in path.read_text())  # the flusher thread wrote it


def test_a_full_batch_wakes_the_writer_thread(log_app):
    app = log_app(flush_interval=3600, max_pending=128)
    client = Client(app)
    path = Logs(app).dir / "request.log"
    batch = Logs(app).sv.request_log.batch
    assert batch == min(BATCH, 128 // 2)  # half the bound: woken before anything drops
    for _ in range(batch - 1):
        client.get("/t/ok")
    time.sleep(0.2)
    assert path.read_text() == ""  # no timer within the hour, and no full batch
    client.get("/t/ok")
    # the request thread only woke the writer thread, which formats and writes
    assert _wait_for(lambda: path.read_text().count("\n") == batch)


# -- threads -------------------------------------------------------------------------
def test_concurrent_writers_never_mix_lines(tmp_path):
    log = LogFile(str(tmp_path / "t.log"), flush_interval=0.01)
    threads, per_thread = 8, 2000

    def work(n: int) -> None:
        for i in range(per_thread):
            log.write(f"thread-{n} line-{i} {'x' * (n * 13)}\n")

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    log.close()
    lines = (tmp_path / "t.log").read_text().splitlines()
    assert len(lines) == threads * per_thread
    for n in range(threads):
        mine = [line for line in lines if line.startswith(f"thread-{n} ")]
        assert mine == [f"thread-{n} line-{i} {'x' * (n * 13)}" for i in range(per_thread)]


def test_concurrent_requests_get_one_line_each(log_app):
    app = log_app(format="json")
    results: list[str] = []

    def work() -> None:
        client = Client(app)
        for _ in range(200):
            results.append(client.get("/t/ok").header("X-Request-Id"))

    workers = [threading.Thread(target=work) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    logged = [line["request_id"] for line in Logs(app).json("request.log")]
    assert sorted(logged) == sorted(results) and len(set(logged)) == 800


# -- failures never fail a request ---------------------------------------------------
def test_a_write_failure_is_reported_once_and_requests_still_succeed(log_app, tmp_path, caplog):
    app = log_app(directory=tmp_path / "gone")
    client = Client(app)
    logs = Logs(app)
    for name in ("request.log", "error.log"):
        (logs.dir / name).unlink()
    logs.dir.rmdir()
    with caplog.at_level(logging.WARNING, logger="clink_log"):
        for _ in range(3):
            assert client.get("/t/ok").status == 200
            logs.sv.flush()
        reports = [r for r in caplog.records if r.name == "clink_log"]
        assert len(reports) == 1 and "cannot write" in reports[0].getMessage()
        logs.dir.mkdir()  # back: writing resumes
        client.get("/t/ok", headers={"X-Request-Id": "back"})
        # the records of the failed writes are counted, and the first write says so
        back, dropped = [split_text(line) for line in logs.requests]
        assert back[1] == "back" and dropped[1:] == ["-", "dropped", "3", "records"]
        assert logs.sv.request_log.dropped == logs.sv.dropped == 3
        assert "writing" in caplog.records[-1].getMessage()


def test_lines_after_close_are_dropped(tmp_path, caplog):
    log = LogFile(str(tmp_path / "c.log"), flush_interval=0)
    log.write("kept\n")
    log.close()
    assert log.closed
    with caplog.at_level(logging.ERROR, logger="clink_log"):
        log.write("dropped\n")
        log.write("dropped\n")
    assert (tmp_path / "c.log").read_text() == "kept\n"
    assert len([r for r in caplog.records if r.name == "clink_log"]) == 1


# -- fork ----------------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_worker_gets_new_ids_and_does_not_repeat_queued_lines(log_app):
    app = log_app(flush_interval=3600)
    client = Client(app)
    client.get("/t/ok", headers={"X-Request-Id": "parent-queued"})
    parent_prefix = new_id().split("-")[0]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        try:
            os.close(read_end)
            client.get("/t/ok", headers={"X-Request-Id": "child"})
            Logs(app).sv.flush()
            os.write(write_end, new_id().split("-")[0].encode())
        finally:
            os._exit(0)
    os.close(write_end)
    child_prefix = os.read(read_end, 100).decode()
    os.close(read_end)
    os.waitpid(pid, 0)
    assert child_prefix and child_prefix != parent_prefix
    ids = [split_text(line)[1] for line in Logs(app).requests]
    assert sorted(ids) == ["child", "parent-queued"]  # written before the fork, once


# -- the bound ---------------------------------------------------------------------------
def test_a_full_queue_drops_and_counts_records_and_never_blocks_a_request(log_app):
    """The sink blocks (a stuck disk, a stdout nobody reads): requests still answer at once,
    records past ``max_pending`` are dropped and counted, and the log says how many."""
    app = log_app(flush_interval=3600, max_pending=8)
    client = Client(app)
    sv = Logs(app).sv
    log = sv.request_log
    sink_write = log.sink.write
    entered, release = threading.Event(), threading.Event()

    def stuck_write(text: str) -> None:
        entered.set()
        assert release.wait(20)
        sink_write(text)

    log.sink.write = stuck_write  # type: ignore[method-assign]
    try:
        for i in range(log.batch):  # the batch wakes the writer thread, which gets stuck
            client.get("/t/ok", headers={"X-Request-Id": f"first-{i}"})
        assert entered.wait(5)
        started = time.monotonic()
        for i in range(30):
            assert client.get("/t/ok", headers={"X-Request-Id": f"more-{i}"}).status == 200
        assert time.monotonic() - started < 5  # nothing waited for the stuck writer
        assert len(log.queue) == 8 and log.dropped == 30 - 8 == sv.dropped
    finally:
        release.set()
    lines = Logs(app).requests  # flushes
    ids = [split_text(line)[1] for line in lines]
    assert ids[: log.batch] == [f"first-{i}" for i in range(log.batch)]
    assert ids[log.batch:-1] == [f"more-{i}" for i in range(8)]
    assert split_text(lines[-1])[1:] == ["-", "dropped", "22", "records"]
