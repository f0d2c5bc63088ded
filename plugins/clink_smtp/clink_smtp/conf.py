"""SmtpConf: where and how SmtpSv sends mail."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from clink_core import Primitive
from clink_core.type import ConfError

from .check import address_problem, header_problem

SECURITIES = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


def _fail(label: str, rule: str, value: Any) -> ConfError:
    return ConfError(f"{label} must be {rule}, got {value!r}")


class SmtpConf(Primitive):
    """The SMTP server, the sender's address and how to log in.

    ``security``: ``"starttls"`` (plain connection upgraded to TLS, usually port
    587), ``"tls"`` (TLS from the first byte, usually 465) or ``"none"`` (no
    encryption: local relays and the development outbox only; a password is
    refused then). Certificates are always verified against the system's CAs,
    or against ``ca_file`` when given. ``user`` is the login name, the sender's
    address when not given; there is a login only when ``password`` is set.
    ``timeout`` (seconds) bounds the connection and each exchange with the server.
    ``drain_timeout`` (seconds, 0 or more) bounds how long stopping the app waits
    for mail still queued (``SmtpSv.send_later``); what is left is logged as not
    sent. Keep it below the server's own stop timeout (gunicorn's
    ``graceful_timeout``, 30 s by default).
    """

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        password: str | None = None,
        security: str = "starttls",
        timeout: float = 10,
        ca_file: str | os.PathLike[str] | None = None,
        user: str | None = None,
        drain_timeout: float = 10,
    ) -> None:
        if not isinstance(host, str) or not host.strip() or any(c.isspace() for c in host):
            raise _fail("SmtpConf host", "a host name or IP address", host)
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
            raise _fail("SmtpConf port", "an integer from 1 to 65535", port)
        if not isinstance(sender, str) or address_problem(sender):
            raise _fail("SmtpConf sender", "an e-mail address like app@example.com", sender)
        if password is not None and (not isinstance(password, str) or not password):
            # The value is not echoed: it is a password.
            raise ConfError("SmtpConf password must be a non-empty string, or None for no login")
        if security not in SECURITIES:
            raise _fail("SmtpConf security", "'starttls', 'tls' or 'none'", security)
        if (
            not isinstance(timeout, (int, float)) or isinstance(timeout, bool)
            or not 0 < timeout < float("inf")
        ):
            raise _fail("SmtpConf timeout", "a positive number of seconds", timeout)
        if (
            not isinstance(drain_timeout, (int, float)) or isinstance(drain_timeout, bool)
            or not 0 <= drain_timeout < float("inf")
        ):
            raise _fail("SmtpConf drain_timeout", "a number of seconds, 0 or more", drain_timeout)
        if ca_file is not None:
            if not isinstance(ca_file, (str, os.PathLike)):
                raise _fail("SmtpConf ca_file", "a path to a PEM file", ca_file)
            ca_file = os.fspath(ca_file)
            if not os.path.isfile(ca_file):
                raise ConfError(f"SmtpConf ca_file {ca_file!r} is not a file")
        if user is not None and (
            not isinstance(user, str) or not user or header_problem(user)
            or any(c.isspace() for c in user)
        ):
            raise _fail("SmtpConf user", "a login name without spaces or line breaks", user)
        if user is not None and password is None:
            raise ConfError("SmtpConf user is set but password is not: a login needs both")
        if password is not None and security == "none":
            raise ConfError(
                "SmtpConf has a password but security is 'none': a password is only sent "
                "over TLS; use security 'starttls' or 'tls'"
            )
        self.host = host
        self.port = port
        self.sender = sender
        self.password = password
        self.security = security
        self.timeout = timeout
        self.ca_file: str | None = ca_file
        self.user = user
        self.drain_timeout = drain_timeout

    @property
    def login(self) -> str | None:
        """The login name sent to the server, or None when there is no login."""
        if self.password is None:
            return None
        return self.user or self.sender

    def __repr__(self) -> str:
        password = None if self.password is None else "***"
        return (
            f"SmtpConf(host={self.host!r}, port={self.port!r}, sender={self.sender!r}, "
            f"password={password!s}, security={self.security!r}, timeout={self.timeout!r}, "
            f"ca_file={self.ca_file!r}, user={self.user!r}, "
            f"drain_timeout={self.drain_timeout!r})"
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpConf:
        """Build from ``CLINK_SMTP_*`` variables; ``HOST`` and ``SENDER`` are required.

        ``CLINK_SMTP_PORT`` defaults to 587, 465 or 25 by ``CLINK_SMTP_SECURITY``
        (default ``starttls``); ``CLINK_SMTP_TIMEOUT`` and ``CLINK_SMTP_DRAIN_TIMEOUT``
        to 10 seconds. Empty
        variables count as unset. A bad value raises ``ConfError`` naming it.
        """
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(f"CLINK_SMTP_{name}")
            return value if value else None

        host = get("HOST")
        if host is None:
            raise ConfError("CLINK_SMTP_HOST is not set: it names the SMTP server")
        sender = get("SENDER")
        if sender is None:
            raise ConfError("CLINK_SMTP_SENDER is not set: it is the address mail comes from")
        security = (get("SECURITY") or "starttls").strip().lower()
        if security not in SECURITIES:
            raise _fail("CLINK_SMTP_SECURITY", "'starttls', 'tls' or 'none'", get("SECURITY"))
        raw_port = get("PORT")
        try:
            port = DEFAULT_PORTS[security] if raw_port is None else int(raw_port)
        except ValueError:
            raise _fail("CLINK_SMTP_PORT", "an integer from 1 to 65535", raw_port) from None
        if not 0 < port < 65536:
            raise _fail("CLINK_SMTP_PORT", "an integer from 1 to 65535", raw_port)
        raw_timeout = get("TIMEOUT")
        try:
            timeout = 10.0 if raw_timeout is None else float(raw_timeout)
        except ValueError:
            raise _fail("CLINK_SMTP_TIMEOUT", "a positive number of seconds", raw_timeout) from None
        if not 0 < timeout < float("inf"):
            raise _fail("CLINK_SMTP_TIMEOUT", "a positive number of seconds", raw_timeout)
        raw_drain = get("DRAIN_TIMEOUT")
        try:
            drain_timeout = 10.0 if raw_drain is None else float(raw_drain)
        except ValueError:
            raise _fail(
                "CLINK_SMTP_DRAIN_TIMEOUT", "a number of seconds, 0 or more", raw_drain
            ) from None
        if not 0 <= drain_timeout < float("inf"):
            raise _fail("CLINK_SMTP_DRAIN_TIMEOUT", "a number of seconds, 0 or more", raw_drain)
        try:
            return cls(
                host.strip(), port, sender.strip(), get("PASSWORD"), security, timeout,
                get("CA_FILE"), get("USER"), drain_timeout,
            )
        except ConfError as e:
            raise ConfError(f"{e} (from the CLINK_SMTP_* environment variables)") from None
