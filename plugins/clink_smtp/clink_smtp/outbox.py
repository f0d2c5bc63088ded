"""The console outbox: a small SMTP server for development that prints each mail it receives.

Run it with ``python -m clink_smtp.outbox --port 2525`` and point the app at it
(``CLINK_SMTP_HOST=127.0.0.1 CLINK_SMTP_PORT=2525 CLINK_SMTP_SECURITY=none``),
or use it from Python::

    with Outbox(port=2525) as box:
        conf = box.smtp_conf("app@example.com")   # an SmtpConf for this outbox
        ...
        box.messages                                 # what it received

It offers no TLS and no login and keeps no mail: never expose it beyond
127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import socket
import sys
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from types import FrameType, TracebackType
from typing import Any, TextIO

from aiosmtpd.controller import Controller

from .conf import SmtpConf

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 2525


def free_port(host: str = DEFAULT_HOST) -> int:
    """Return a TCP port on ``host`` that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _check_free(host: str, port: int) -> None:
    """Raise ``OSError`` at once if ``host:port`` is taken.

    aiosmtpd's Controller only notices a failed bind after its ready timeout.
    SO_REUSEADDR as asyncio's server sets it: a port in TIME_WAIT counts as free.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))


@dataclass
class ReceivedMail:
    """One mail the outbox received: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage = field(repr=False)

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def from_header(self) -> str:
        return str(self.message.get("From", ""))

    @property
    def body(self) -> str:
        """The text/plain body, decoded (an empty string when there is none)."""
        part = self.message.get_body(preferencelist=("plain",))
        if part is None:
            return ""
        content = part.get_content()
        if not isinstance(content, str):
            return ""
        return content.replace("\r\n", "\n")  # SMTP carries text with CRLF line ends


class _PrintHandler:
    """aiosmtpd handler: parse, keep and print each mail."""

    def __init__(self, box: Outbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = message_from_bytes(raw, policy=email_policy.default)
        mail = ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message)
        self.box._received(mail)
        return "250 Message accepted for delivery"


class Outbox:
    """An SMTP server on ``host``:``port`` that prints each mail to ``out`` (stdout).

    ``port=None`` picks a free port. Received mails are also kept in
    ``messages``. Use it as a context manager, or ``start()`` and ``stop()``.
    """

    def __init__(
        self, host: str = DEFAULT_HOST, port: int | None = DEFAULT_PORT, out: TextIO | None = None
    ) -> None:
        self.host = host
        self.port = free_port(host) if port is None else port
        self.out = out
        self.messages: list[ReceivedMail] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def address(self) -> tuple[str, int]:
        """``(host, port)`` the outbox listens on."""
        return (self.host, self.port)

    def smtp_conf(self, sender: str, timeout: float = 10) -> SmtpConf:
        """An ``SmtpConf`` that sends to this outbox (no TLS, no login)."""
        return SmtpConf(self.host, self.port, sender, security="none", timeout=timeout)

    def start(self) -> None:
        """Listen; returns once the server answers. A busy port raises ``OSError``."""
        if self._controller is not None:
            raise RuntimeError("the outbox is already running")
        _check_free(self.host, self.port)
        controller = Controller(
            _PrintHandler(self), hostname=self.host, port=self.port,
            server_hostname="clink-outbox", enable_SMTPUTF8=True, ready_timeout=10,
        )
        try:
            controller.start()
        except BaseException:
            with contextlib.suppress(Exception):
                controller.stop(no_assert=True)
            raise
        self._controller = controller

    def stop(self) -> None:
        """Stop listening (does nothing when not running)."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> Outbox:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _received(self, mail: ReceivedMail) -> None:
        with self._lock:
            self.messages.append(mail)
            out = self.out if self.out is not None else sys.stdout
            out.write(format_mail(mail, len(self.messages)))
            out.flush()


def format_mail(mail: ReceivedMail, number: int) -> str:
    """The text the outbox prints for one mail."""
    body = mail.body
    if body and not body.endswith("\n"):
        body += "\n"
    return (
        f"----- mail {number} -----\n"
        f"From: {mail.from_header or mail.mail_from}\n"
        f"To: {', '.join(mail.rcpt_tos)}\n"
        f"Subject: {mail.subject}\n"
        f"\n"
        f"{body}"
        f"----- end of mail {number} -----\n"
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m clink_smtp.outbox [--host H] [--port P]``: serve until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="python -m clink_smtp.outbox",
        description="An SMTP server for development that prints each mail it receives.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    args = parser.parse_args(argv)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    # A mail in a script the terminal cannot show must still be accepted.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    box = Outbox(args.host, args.port)
    try:
        box.start()
    except OSError as e:
        print(f"outbox: cannot listen on {args.host}:{args.port}: {e}", file=sys.stderr)
        return 1
    print(
        f"outbox: listening on {box.host}:{box.port}; mail is printed here "
        f"(CLINK_SMTP_HOST={box.host} CLINK_SMTP_PORT={box.port} CLINK_SMTP_SECURITY=none)",
        file=sys.stderr, flush=True,
    )
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        box.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
