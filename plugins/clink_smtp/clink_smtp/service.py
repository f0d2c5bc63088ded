"""SmtpSv: send plain-text mail as a proper UTF-8 MIME message, over verified TLS."""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import ExitStack
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from clink_core import AppConf, Service, stamp
from clink_core.type import ConfError

from .check import address_problem, header_problem
from .conf import SmtpConf
from .error import (
    SmtpAddressError,
    SmtpError,
    SmtpHeaderError,
    SmtpLoginError,
    SmtpRecipientError,
    SmtpSendError,
    SmtpTlsError,
    SmtpUnreachableError,
)
from .hookspecs import SendFailure, SmtpListeners, SmtpSendEvent
from .queue import DrainReport, MailQueue


def _reply(e: smtplib.SMTPResponseException) -> str:
    err = e.smtp_error
    text = err.decode("utf-8", "replace") if isinstance(err, bytes) else str(err)
    return f"{e.smtp_code} {text}".strip()


@stamp(AppConf, SmtpConf, SmtpListeners)
class SmtpSv(Service):
    """Send plain-text mail through the server ``SmtpConf`` names.

    Each ``send`` opens its own connection (so the service is safe to share
    between threads), upgrades it to TLS as configured, logs in when a password
    is set, sends one message and closes. The From header shows the app's name
    with the sender's address.

    ``send_later`` and ``submit`` send in the background, on the service's
    ``MailQueue`` (``clink_smtp.queue``); the plugin drains it when the app
    stops, waiting at most ``SmtpConf.drain_timeout`` seconds and logging what
    could not be sent.

    ``listeners`` enclose each send (``clink_smtp.hookspecs``: clink-otel's spans);
    ``last_failure`` is the ``SendFailure`` of the last send when it failed on
    the server's side (``None`` after a success): the readiness check reports it.
    """

    def __init__(
        self, app_conf: AppConf, smtp_conf: SmtpConf, listeners: SmtpListeners | None = None
    ) -> None:
        if header_problem(app_conf.name):
            raise ConfError(
                f"AppConf name {app_conf.name!r} cannot be a mail sender's display name: "
                f"it {header_problem(app_conf.name)}"
            )
        self.app_conf = app_conf
        self.conf = smtp_conf
        self._sender = Address(display_name=app_conf.name, addr_spec=smtp_conf.sender)
        self._msgid_domain = smtp_conf.sender.rpartition("@")[2]
        self.queue = MailQueue(smtp_conf.drain_timeout)
        self.last_failure: SendFailure | None = None
        # PERF: an empty tuple when nobody listens: a send then costs one truth test more.
        self._listeners = tuple(listeners.all()) if listeners is not None else ()
        self._ssl: ssl.SSLContext | None = None
        if smtp_conf.security != "none":
            try:
                self._ssl = ssl.create_default_context(cafile=smtp_conf.ca_file)
            except (ssl.SSLError, OSError) as e:
                raise ConfError(
                    f"SmtpConf ca_file {smtp_conf.ca_file!r} is not a readable PEM file "
                    f"of CA certificates: {e}"
                ) from None

    def build_message(self, dest_email: str, subject: str, text_body: str) -> EmailMessage:
        """Return the message ``send`` would send, after refusing unsafe headers.

        Raises ``SmtpHeaderError`` for a line break or control character in the
        address or subject, ``SmtpAddressError`` for a malformed address and
        ``TypeError`` for a value that is not a ``str``.
        """
        for label, value in (("dest_email", dest_email), ("subject", subject),
                             ("text_body", text_body)):
            if not isinstance(value, str):
                raise TypeError(f"SmtpSv.send() takes {label} as str, got {type(value).__name__}")
        problem = header_problem(subject)
        if problem:
            raise SmtpHeaderError(f"mail subject {problem}: refused (header injection)")
        problem = address_problem(dest_email)
        if problem:
            cls = SmtpHeaderError if header_problem(dest_email) else SmtpAddressError
            raise cls(f"recipient address {dest_email!r} {problem}: refused")
        msg = EmailMessage()
        msg["From"] = self._sender
        msg["To"] = dest_email
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain=self._msgid_domain)
        msg.set_content(text_body, charset="utf-8")
        return msg

    def send(self, dest_email: str, subject: str, text_body: str) -> str:
        """Send ``text_body`` to ``dest_email``; return the message's Message-ID.

        Raises a ``SmtpError`` subclass: ``SmtpUnreachableError``,
        ``SmtpTlsError``, ``SmtpLoginError``, ``SmtpRecipientError`` or
        ``SmtpSendError``; unsafe input is refused before connecting (see
        ``build_message``).
        """
        return self._send_message(self.build_message(dest_email, subject, text_body), dest_email)

    def send_later(self, dest_email: str, subject: str, text_body: str) -> Future[str]:
        """Queue the mail; a mail thread sends it. The future holds the Message-ID or the
        ``SmtpError``, which is also logged.

        Unsafe input is refused here, at once (as by ``send``); a full queue raises
        ``SmtpQueueFullError`` and a stopping app ``SmtpQueueClosedError``.
        """
        msg = self.build_message(dest_email, subject, text_body)
        return self.queue.submit(self._send_message, msg, dest_email)

    def submit(self, job: Callable[..., Any], *args: Any, recipients: int = 1) -> Future[Any]:
        """Run ``job(*args)``, which sends mail (``self.send``), on the mail queue: for
        work that must happen before the mail is sent (a look-up, a code) and must not
        delay the response. ``recipients``: how many it mails, reported if it is lost.
        Errors as ``send_later``."""
        return self.queue.submit(job, *args, recipients=recipients)

    def wait_idle(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for the queued mail to be sent (or to fail);
        the queue stays open. Returns whether it is empty."""
        return self.queue.wait_idle(timeout)

    def drain(self, timeout: float | None = None) -> DrainReport:
        """Wait at most ``timeout`` (default ``SmtpConf.drain_timeout``) seconds for the
        queued mail, then log what was not sent; the queue takes no more (the app stops)."""
        return self.queue.drain(timeout)

    def probe(self, timeout: float | None = None) -> None:
        """Connect, greet, start TLS and log in as ``send`` does, then quit without
        sending: raises the ``SmtpError`` a send would meet. ``timeout`` (seconds)
        replaces ``SmtpConf.timeout``. A success forgets ``last_failure``."""
        self._exchange(None, "", self.conf.timeout if timeout is None else timeout)
        self.last_failure = None

    def _send_message(self, msg: EmailMessage, dest_email: str) -> str:
        """Send ``msg`` inside the send listeners; keep ``last_failure``."""
        try:
            if self._listeners:
                event = SmtpSendEvent(
                    self.conf.host, self.conf.port, self.conf.security, 1,
                    str(msg["Message-ID"]),
                )
                with ExitStack() as stack:
                    for listener in self._listeners:
                        stack.enter_context(listener(event))
                    self._exchange(msg, dest_email, self.conf.timeout)
            else:
                self._exchange(msg, dest_email, self.conf.timeout)
        except (SmtpRecipientError, SmtpAddressError, SmtpHeaderError):
            raise  # about this address, not about the server
        except SmtpError as e:
            self.last_failure = SendFailure(time.time(), e)
            raise
        self.last_failure = None
        return str(msg["Message-ID"])

    def _exchange(self, msg: EmailMessage | None, dest_email: str, timeout: float) -> None:
        """One connection: greet, TLS, login, then send ``msg`` (none: just quit)."""
        conf = self.conf
        where = f"{conf.host}:{conf.port}"
        stage = "connecting"
        smtp: smtplib.SMTP | None = None
        try:
            if conf.security == "tls":
                smtp = smtplib.SMTP_SSL(conf.host, conf.port, timeout=timeout, context=self._ssl)
            else:
                smtp = smtplib.SMTP(conf.host, conf.port, timeout=timeout)
            stage = "greeting"
            smtp.ehlo()
            if conf.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise SmtpTlsError(
                        f"SMTP server {where} does not offer STARTTLS; refusing to send "
                        "in clear text (use security 'tls' if it expects TLS from the start)",
                        conf.host, conf.port,
                    )
                stage = "starting TLS"
                smtp.starttls(context=self._ssl)
                stage = "greeting"
                smtp.ehlo()
            if conf.password is not None:
                stage = "logging in"
                self._login(smtp, where)
            if msg is not None:
                stage = "sending"
                smtp.send_message(msg, from_addr=conf.sender, to_addrs=[dest_email])
        except SmtpError:
            raise
        except ssl.SSLCertVerificationError as e:
            raise SmtpTlsError(
                f"TLS certificate of SMTP server {where} is not trusted: "
                f"{e.verify_message or e.reason}", conf.host, conf.port,
            ) from e
        except ssl.SSLError as e:
            raise SmtpTlsError(
                f"TLS with SMTP server {where} failed: {e.reason or e}", conf.host, conf.port
            ) from e
        except smtplib.SMTPRecipientsRefused as e:
            code, reply = e.recipients.get(dest_email, (0, b""))
            text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
            raise SmtpRecipientError(
                f"SMTP server {where} refused the recipient {dest_email!r}: {code} {text}",
                dest_email, code, text, conf.host, conf.port,
            ) from e
        except smtplib.SMTPSenderRefused as e:
            raise SmtpSendError(
                f"SMTP server {where} refused the sender {conf.sender!r}: {_reply(e)}",
                conf.host, conf.port,
            ) from e
        except smtplib.SMTPConnectError as e:  # a greeting other than 220
            raise SmtpUnreachableError(
                f"SMTP server {where} refused service: {_reply(e)}", conf.host, conf.port
            ) from e
        except smtplib.SMTPResponseException as e:
            cls = SmtpTlsError if stage == "starting TLS" else SmtpSendError
            raise cls(
                f"SMTP server {where} answered {_reply(e)} while {stage}", conf.host, conf.port
            ) from e
        except smtplib.SMTPServerDisconnected as e:
            raise SmtpUnreachableError(
                f"SMTP server {where} closed the connection while {stage}: {e}",
                conf.host, conf.port,
            ) from e
        except smtplib.SMTPException as e:  # e.g. SMTPUTF8 needed but not offered
            raise SmtpSendError(
                f"SMTP server {where} cannot take this message: {e}", conf.host, conf.port
            ) from e
        except OSError as e:  # refused, unknown host, timeout, reset
            detail = str(e) or type(e).__name__
            text = (
                f"cannot reach SMTP server {where}: {detail}" if stage == "connecting"
                else f"connection to SMTP server {where} lost while {stage}: {detail}"
            )
            raise SmtpUnreachableError(text, conf.host, conf.port) from e
        finally:
            if smtp is not None:
                _close(smtp)

    def _login(self, smtp: smtplib.SMTP, where: str) -> None:
        conf = self.conf
        login = conf.login or conf.sender
        if not smtp.has_extn("auth"):
            raise SmtpLoginError(
                f"SMTP server {where} offers no login (AUTH) but a password is configured",
                conf.host, conf.port,
            )
        try:
            smtp.login(login, conf.password or "")
        except smtplib.SMTPAuthenticationError as e:
            raise SmtpLoginError(
                f"SMTP server {where} refused the login of {login!r}: {_reply(e)}",
                conf.host, conf.port,
            ) from e
        except smtplib.SMTPException as e:
            if isinstance(e, smtplib.SMTPServerDisconnected):
                raise
            raise SmtpLoginError(
                f"SMTP server {where} refused the login of {login!r}: {e}", conf.host, conf.port
            ) from e


def _close(smtp: smtplib.SMTP) -> None:
    """Say QUIT and close; a failure here changes nothing about the mail."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()
