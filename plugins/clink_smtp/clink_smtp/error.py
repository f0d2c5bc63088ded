"""Errors of SmtpSv: each says what failed, with which server, and never shows a password."""

from __future__ import annotations


class SmtpError(Exception):
    """Base of every error ``SmtpSv.send`` raises; ``host``/``port`` name the server if known."""

    def __init__(self, message: str, host: str | None = None, port: int | None = None) -> None:
        self.host = host
        self.port = port
        super().__init__(message)


class SmtpUnreachableError(SmtpError):
    """The server cannot be reached (refused, unknown host, timeout) or the connection dropped."""


class SmtpTlsError(SmtpError):
    """TLS failed: untrusted or mismatched certificate, failed handshake, or no STARTTLS."""


class SmtpLoginError(SmtpError):
    """The server refused the login (wrong user or password) or offers no login."""


class SmtpRecipientError(SmtpError):
    """The server refused the recipient address; ``recipient``, ``code`` and ``reply`` say why."""

    def __init__(
        self, message: str, recipient: str, code: int, reply: str,
        host: str | None = None, port: int | None = None,
    ) -> None:
        self.recipient = recipient
        self.code = code
        self.reply = reply
        super().__init__(message, host, port)


class SmtpSendError(SmtpError):
    """The server refused the sender or the message itself, or answered unexpectedly."""


class SmtpAddressError(SmtpError, ValueError):
    """An address is not a plain ``local@domain`` e-mail address (refused before connecting)."""


class SmtpHeaderError(SmtpError, ValueError):
    """A subject or address holds a line break or control character (header injection).

    Refused before any connection is made.
    """


class SmtpQueueError(SmtpError):
    """The mail queue cannot take the mail (``SmtpSv.send_later``/``submit``)."""


class SmtpQueueFullError(SmtpQueueError):
    """As many mails as the queue holds are waiting: the mail server is slow or down."""


class SmtpQueueClosedError(SmtpQueueError):
    """The app is stopping: its mail queue was drained and takes no more mail."""
