"""The mails the account controller sends: templates shipped in the package, sent by SmtpSv.

Each template is a ``$name`` text (``TemplateSv``) whose first line is
``Subject: ...``, then a blank line, then the body. ``AuthConf(mail_dir=...)``
replaces any of them by a file of the same name.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any

from clink_smtp import SmtpError, SmtpQueueError, SmtpSv
from clink_template import TemplateError, TemplateSv

from .conf import AuthConf

logger = logging.getLogger("clink.auth")

#: The mails: registration code, address already in use, account activated, password
#: changed, reset code, reset done.
MAIL_NAMES = ("reg_code", "reg_taken", "reg_done", "pwd_changed", "rpwd_code", "pwd_reset")


class MailTemplateError(ValueError):
    """A mail template lacks its ``Subject:`` first line."""


def format_date(value: datetime | float) -> str:
    """``2026-11-23 21:40 UTC``: how dates appear in mails."""
    if not isinstance(value, datetime):
        value = datetime.fromtimestamp(value, tz=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


class AuthMail:
    """Renders and sends the account mails; runs some in the background.

    ``send`` raises ``SmtpError``; ``notify`` logs a failure instead (the action
    it tells about is done either way); ``background`` queues a job on the mail
    queue so a response does not wait for the mail server.
    """

    def __init__(self, auth_conf: AuthConf, smtp_sv: SmtpSv, tpl_sv: TemplateSv) -> None:
        self.smtp_sv = smtp_sv
        self.tpl_sv = tpl_sv
        self.minutes = max(1, auth_conf.code_time // 60)
        self.templates = {name: self._load(name, auth_conf.mail_dir) for name in MAIL_NAMES}

    @staticmethod
    def _load(name: str, mail_dir: str | None) -> str:
        if mail_dir is not None:
            path = os.path.join(mail_dir, f"{name}.txt")
            if os.path.isfile(path):
                with open(path, encoding="utf-8-sig") as f:
                    text = f.read()
            else:
                text = files("clink_auth").joinpath("templates", f"{name}.txt").read_text("utf-8")
        else:
            text = files("clink_auth").joinpath("templates", f"{name}.txt").read_text("utf-8")
        if not text.startswith("Subject:") or "\n\n" not in text:
            raise MailTemplateError(
                f"mail template {name}.txt must start with a 'Subject: ...' line and a blank line"
            )
        return text

    def render(self, name: str, /, **values: Any) -> tuple[str, str]:
        """The subject and body of mail ``name`` (``TemplateValueError`` for a missing value)."""
        values.setdefault("minutes", self.minutes)
        text = self.tpl_sv.build_str(self.templates[name], values)
        head, _, body = text.partition("\n\n")
        return head[len("Subject:"):].strip(), body

    def send(self, name: str, dest: str, /, **values: Any) -> None:
        """Render mail ``name`` and send it to ``dest`` now; ``SmtpError`` if that fails."""
        subject, body = self.render(name, **values)
        self.smtp_sv.send(dest, subject, body)

    def notify(self, name: str, dest: str, /, **values: Any) -> bool:
        """``send``, logging a failure instead of raising it; returns whether it was sent."""
        try:
            self.send(name, dest, **values)
        except (SmtpError, TemplateError):
            logger.exception("could not send the %s mail", name)
            return False
        return True

    def background(self, job: Callable[..., Any], *args: Any) -> Future[Any] | None:
        """Run ``job(*args)`` (which mails one person) on ``SmtpSv``'s mail queue, so the
        response does not wait for the mail server; its failure is logged there.

        The queue is bounded and drained when the app stops (``clink_shutdown``: a
        graceful stop sends it or reports it). A full or stopping queue drops the
        job, logged: ``None``.
        """
        try:
            return self.smtp_sv.submit(job, *args, recipients=1)
        except SmtpQueueError as e:
            logger.warning("background mail job %s dropped: %s",
                           getattr(job, "__name__", job), e)
            return None

    def drain(self, timeout: float = 30) -> bool:
        """Wait for every queued mail job to finish; False if some still run after ``timeout``."""
        return self.smtp_sv.wait_idle(timeout)
