"""Mail queued when a gunicorn worker is stopped gracefully (SIGTERM) is still sent, or
reported with its count when the drain timeout runs out: never lost silently.

A real gunicorn (one sync worker) serves ``smtp_queue_app``; a real aiosmtpd server
takes each message after a delay, so mail is still queued when SIGTERM arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller as SmtpController
from smtp_helpers import HOST, Recorder

from clink_smtp.outbox import free_port

pytest.importorskip("gunicorn", reason="the clink_smtp test extra installs gunicorn")
pytestmark = pytest.mark.timeout(60)

HERE = Path(__file__).parent


class SlowRecorder(Recorder):
    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


@contextlib.contextmanager
def mail_server(delay: float):
    rec = SlowRecorder(delay)
    port = free_port(HOST)
    controller = SmtpController(rec, hostname=HOST, port=port, ready_timeout=10)
    controller.start()
    try:
        yield rec, port
    finally:
        controller.stop()


@contextlib.contextmanager
def gunicorn(smtp_port: int, drain_timeout: float, log: Path):
    port = free_port(HOST)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CLINK_")},
        "CLINK_SMTP_HOST": HOST, "CLINK_SMTP_PORT": str(smtp_port),
        "CLINK_SMTP_SENDER": "app@example.com", "CLINK_SMTP_SECURITY": "none",
        "CLINK_SMTP_TIMEOUT": "20", "CLINK_SMTP_DRAIN_TIMEOUT": str(drain_timeout),
    }
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"{HOST}:{port}",
             "--pythonpath", str(HERE), "--graceful-timeout", "30",
             "smtp_queue_app:application"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://{HOST}:{port}/nothing", timeout=2):
                    pass
            except urllib.error.HTTPError:
                break  # a 404: the worker serves
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("gunicorn did not start:\n" + log.read_text()) from None
                time.sleep(0.1)
        yield proc, port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def queue_mail(port: int, n: int) -> None:
    req = urllib.request.Request(
        f"http://{HOST}:{port}/mail/queue?n={n}", data=b"{}", method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 202 and json.loads(r.read()) == {"queued": n}


def stop(proc: subprocess.Popen, timeout: float = 40) -> float:
    """SIGTERM to gunicorn's master (as a container stop does); seconds until it exited."""
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout)
    return time.monotonic() - started


def test_mail_queued_at_sigterm_is_sent_before_the_worker_exits(tmp_path):
    log = tmp_path / "gunicorn.log"
    with mail_server(delay=0.5) as (rec, smtp_port), gunicorn(smtp_port, 20, log) as (proc, port):
        queue_mail(port, 4)
        assert len(rec.envelopes) < 4  # still queued when SIGTERM comes
        stop(proc)
        assert sorted(e.rcpt_tos[0] for e in rec.envelopes) == [
            f"user{i}@example.org" for i in range(4)
        ], log.read_text()
    assert "NOT sent" not in log.read_text()


def test_mail_the_drain_timeout_leaves_is_reported_with_its_count(tmp_path):
    log = tmp_path / "gunicorn.log"
    with mail_server(delay=30) as (rec, smtp_port), gunicorn(smtp_port, 1, log) as (proc, port):
        queue_mail(port, 5)
        took = stop(proc)
        assert rec.envelopes == []
    text = log.read_text()
    assert "3 queued mail job(s) for 3 recipient(s) were NOT sent" in text, text
    assert "2 mail job(s) for 2 recipient(s) were still being sent" in text, text
    assert "user0@example.org" not in text
    assert took < 20  # bounded by the drain timeout, not by the mail server's 30 s
