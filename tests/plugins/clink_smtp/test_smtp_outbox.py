"""clink_smtp.outbox: the console outbox, in-process and as ``python -m clink_smtp.outbox``."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clink_core import AppConf
from clink_smtp import SmtpSv, SmtpTlsError
from clink_smtp.outbox import Outbox, free_port

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[3]
HOST = "127.0.0.1"


def test_outbox_prints_and_keeps_each_mail():
    out = io.StringIO()
    with Outbox(port=free_port(), out=out) as box:
        assert box.address == (HOST, box.port)
        sv = SmtpSv(AppConf("Awesome Application"), box.smtp_conf("you@email.com"))
        sv.send("someone@email.com", "Let be friends", "Hello there")
        sv.send("other@email.com", "Chào \N{EM DASH} again", "Xin chào\nsecond line\n")
    assert out.getvalue() == (
        "----- mail 1 -----\n"
        "From: Awesome Application <you@email.com>\n"
        "To: someone@email.com\n"
        "Subject: Let be friends\n"
        "\n"
        "Hello there\n"
        "----- end of mail 1 -----\n"
        "----- mail 2 -----\n"
        "From: Awesome Application <you@email.com>\n"
        "To: other@email.com\n"
        "Subject: Chào \N{EM DASH} again\n"
        "\n"
        "Xin chào\n"
        "second line\n"
        "----- end of mail 2 -----\n"
    )
    assert [m.rcpt_tos for m in box.messages] == [["someone@email.com"], ["other@email.com"]]
    first = box.messages[0]
    assert (first.mail_from, first.subject, first.body) == (
        "you@email.com", "Let be friends", "Hello there\n"
    )


def test_outbox_prints_to_stdout_by_default(capsys):
    with Outbox(port=None) as box:
        SmtpSv(AppConf("app"), box.smtp_conf("a@example.com")).send("b@example.com", "S", "B")
    printed = capsys.readouterr().out
    assert "To: b@example.com\nSubject: S\n\nB\n" in printed


def test_outbox_stops_listening():
    box = Outbox(port=None)
    with box:
        pass
    with pytest.raises(OSError), socket.create_connection(box.address, timeout=2):
        pass
    box.stop()  # stopping twice is harmless


def test_outbox_on_a_busy_port_raises():
    with Outbox(port=None) as box, pytest.raises(OSError):
        Outbox(HOST, box.port).start()


def test_outbox_offers_no_tls():
    with Outbox(port=None) as box:
        conf = box.smtp_conf("a@example.com")
        conf.security = "starttls"
        with pytest.raises(SmtpTlsError, match="does not offer STARTTLS"):
            SmtpSv(AppConf("app"), conf).send("b@example.com", "s", "b")
    assert box.messages == []


def _wait_listening(port: int, proc: subprocess.Popen[str], deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"outbox exited early: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail("outbox did not start listening in time")


def test_outbox_as_a_command():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "clink_smtp.outbox", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    try:
        _wait_listening(port, proc, time.monotonic() + 20)
        sv = SmtpSv(AppConf("Awesome Application"),
                    Outbox(HOST, port).smtp_conf("you@email.com"))
        sv.send("someone@email.com", "Let be friends", "Hello there")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert f"listening on {HOST}:{port}" in err
    assert out == (
        "----- mail 1 -----\n"
        "From: Awesome Application <you@email.com>\n"
        "To: someone@email.com\n"
        "Subject: Let be friends\n"
        "\n"
        "Hello there\n"
        "----- end of mail 1 -----\n"
    )


def test_outbox_command_on_a_busy_port_fails_clearly():
    with Outbox(port=None) as box:
        result = subprocess.run(
            [sys.executable, "-m", "clink_smtp.outbox", "--port", str(box.port)],
            capture_output=True, text=True, timeout=30, check=False,
        )
    assert result.returncode == 1
    assert f"cannot listen on {HOST}:{box.port}" in result.stderr


def test_smtp_sv_example_sends_to_the_outbox():
    with Outbox(port=free_port(), out=io.StringIO()) as box:
        result = subprocess.run(
            [sys.executable, str(Path("examples") / "smtp_sv.py")],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
            env={**os.environ, "CLINK_SMTP_HOST": box.host, "CLINK_SMTP_PORT": str(box.port)},
        )
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")  # the manual's example prints nothing
    assert len(box.messages) == 1
    mail = box.messages[0]
    assert mail.rcpt_tos == ["someone@email.com"]
    assert mail.from_header == "Awesome Application <you@email.com>"
    assert (mail.subject, mail.body) == ("Let be friends", "Hello there\n")
