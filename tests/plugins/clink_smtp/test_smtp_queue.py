"""clink_smtp's mail queue: SmtpSv.send_later/submit against real aiosmtpd servers, and the
bounded drain when the app stops (``app.close()``: clink_shutdown)."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
import time

import pytest
from smtp_helpers import HOST, USER, Recorder

import clink_smtp
from clink_core import AppConf, Controller, mapper, stamp
from clink_core.testing import Client
from clink_smtp import (
    MailQueue,
    SmtpConf,
    SmtpHeaderError,
    SmtpQueueClosedError,
    SmtpQueueFullError,
    SmtpSv,
    SmtpUnreachableError,
)
from clink_smtp.outbox import free_port

pytestmark = pytest.mark.timeout(30)

APP = AppConf("Queue Test")


def make_sv(port: int, **kwargs) -> SmtpSv:
    return SmtpSv(APP, SmtpConf(HOST, port, USER, security="none", timeout=5, **kwargs))


class SlowRecorder(Recorder):
    """Takes ``delay`` seconds to accept each message."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_server(smtp_server):
    """``slow_server(delay) -> (recorder, port)``: each DATA answered after ``delay`` s."""
    from aiosmtpd.controller import Controller as SmtpController

    controllers = []

    def start(delay: float):
        rec = SlowRecorder(delay)
        port = free_port(HOST)
        controller = SmtpController(rec, hostname=HOST, port=port, ready_timeout=10)
        controller.start()
        controllers.append(controller)
        return rec, port

    yield start
    for controller in controllers:
        controller.stop()


def test_send_later_sends_in_the_background(smtp_server):
    rec, port = smtp_server()
    sv = make_sv(port)
    futures = [sv.send_later(f"u{i}@example.org", "Hi", "body") for i in range(5)]
    ids = [f.result(10) for f in futures]
    assert len(set(ids)) == 5 and all(i.startswith("<") for i in ids)
    assert sorted(e.rcpt_tos[0] for e in rec.envelopes) == [f"u{i}@example.org" for i in range(5)]
    assert sv.drain(5).complete


def test_unsafe_input_is_refused_at_once_not_in_the_background(smtp_server):
    _, port = smtp_server()
    sv = make_sv(port)
    with pytest.raises(SmtpHeaderError):
        sv.send_later("a@example.org", "hi\r\nBcc: x@example.org", "b")
    assert sv.queue.pending == 0


def test_a_failed_send_is_logged_and_on_the_future(caplog):
    sv = make_sv(free_port(HOST))  # nobody listens there
    with caplog.at_level(logging.ERROR, "clink.smtp"):
        future = sv.send_later("a@example.org", "s", "b")
        assert isinstance(future.exception(10), SmtpUnreachableError)
        sv.drain(5)
    assert any("queued mail job" in r.getMessage() and "SmtpUnreachableError" in r.getMessage()
               for r in caplog.records)


def test_a_full_queue_refuses_more():
    queue = MailQueue(max_queued=2)
    gate = threading.Event()
    try:
        running = [queue.submit(gate.wait, 10) for _ in range(2)]  # both threads busy
        while not all(f.running() for f in running):
            time.sleep(0.01)
        waiting = [queue.submit(gate.wait, 10) for _ in range(2)]
        with pytest.raises(SmtpQueueFullError, match="try again later"):
            queue.submit(gate.wait, 10)
    finally:
        gate.set()
    assert queue.drain(5).complete
    assert all(f.result(1) is True for f in running + waiting)


def test_drain_waits_for_the_queue_then_takes_no_more(slow_server):
    rec, port = slow_server(0.3)
    sv = make_sv(port, drain_timeout=10)
    for i in range(4):
        sv.send_later(f"u{i}@example.org", "s", "b")
    report = sv.drain()
    assert report.complete
    assert len(rec.envelopes) == 4  # all sent before drain returned
    with pytest.raises(SmtpQueueClosedError, match=r"SmtpSv\.send"):
        sv.send_later("late@example.org", "s", "b")
    assert sv.drain() is report  # once


def test_what_the_drain_timeout_leaves_is_reported_with_its_count(slow_server, caplog):
    rec, port = slow_server(3)
    sv = make_sv(port)
    futures = [sv.send_later(f"u{i}@example.org", "s", "b") for i in range(5)]
    with caplog.at_level(logging.ERROR, "clink.smtp"):
        report = sv.drain(0.5)
    # two threads were sending, three mails never started
    assert (report.unsent, report.unsent_recipients) == (3, 3)
    assert (report.unfinished, report.unfinished_recipients) == (2, 2)
    assert sum(f.cancelled() for f in futures) == 3
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "3 queued mail job(s) for 3 recipient(s) were NOT sent" in text
    assert "2 mail job(s) for 2 recipient(s) were still being sent" in text
    assert "example.org" not in text  # counts, never addresses
    for f in futures:
        if not f.cancelled():
            f.result(10)  # the two running ones still finish
    assert len(rec.envelopes) == 2


def test_submit_reports_its_recipients(caplog):
    queue = MailQueue()
    gate = threading.Event()
    try:
        queue.submit(gate.wait, 10)
        queue.submit(gate.wait, 10)
        queue.submit(lambda: None, recipients=7)
        with caplog.at_level(logging.ERROR, "clink.smtp"):
            report = queue.drain(0.2)
    finally:
        gate.set()
    assert (report.unsent, report.unsent_recipients) == (1, 7)


@stamp(SmtpSv)
@mapper.path("/mail")
class LaterCtl(Controller):
    def __init__(self, smtp_sv: SmtpSv) -> None:
        self.smtp_sv = smtp_sv

    @mapper.post("/later")
    def later(self, req, res):
        self.smtp_sv.send_later("someone@example.org", "Welcome", "Hello")
        res.status = 202


def test_closing_the_app_sends_what_is_queued(make_app, slow_server, monkeypatch):
    monkeypatch.delenv("CLINK_SMTP_HOST", raising=False)
    rec, port = slow_server(0.5)
    app = make_app(LaterCtl, plugins=(clink_smtp.plugin,))
    app.add_prim(SmtpConf(HOST, port, USER, security="none", timeout=5, drain_timeout=10))
    client = Client(app)
    assert client.post("/mail/later", json={}).status == 202
    assert client.post("/mail/later", json={}).status == 202
    assert len(rec.envelopes) == 0  # still queued when the response came
    app.close()  # clink_shutdown drains
    assert len(rec.envelopes) == 2


def test_a_job_runs_in_its_submitters_context():
    var: contextvars.ContextVar[str | None] = contextvars.ContextVar("rid", default=None)
    queue = MailQueue()
    token = var.set("request-1")
    future = queue.submit(var.get)
    var.reset(token)  # the request ends before the job runs: the job keeps its copy
    assert future.result(5) == "request-1"
    assert queue.submit(var.get).result(5) is None
    queue.drain(5)


def test_wait_idle_waits_and_leaves_the_queue_open(slow_server):
    rec, port = slow_server(0.3)
    sv = make_sv(port)
    sv.send_later("a@example.org", "s", "b")
    assert not sv.wait_idle(0.05)  # still sending
    assert sv.wait_idle(10)
    assert len(rec.envelopes) == 1
    sv.send_later("b@example.org", "s", "b").result(10)  # still open
    assert sv.drain(5).complete
