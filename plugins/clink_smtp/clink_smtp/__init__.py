"""Clink plugin: ``SmtpSv`` sends UTF-8 mail over verified TLS, configured by ``SmtpConf``.

``SmtpSv.send_later`` queues mail (``clink_smtp.queue``), drained when the app stops.
The console outbox for development is ``clink_smtp.outbox`` (imported on demand).
"""

from . import plugin
from .conf import SmtpConf
from .error import (
    SmtpAddressError,
    SmtpError,
    SmtpHeaderError,
    SmtpLoginError,
    SmtpQueueClosedError,
    SmtpQueueError,
    SmtpQueueFullError,
    SmtpRecipientError,
    SmtpSendError,
    SmtpTlsError,
    SmtpUnreachableError,
)
from .queue import DrainReport, MailQueue
from .service import SmtpSv

__all__ = [
    "DrainReport",
    "MailQueue",
    "SmtpAddressError",
    "SmtpConf",
    "SmtpError",
    "SmtpHeaderError",
    "SmtpLoginError",
    "SmtpQueueClosedError",
    "SmtpQueueError",
    "SmtpQueueFullError",
    "SmtpRecipientError",
    "SmtpSendError",
    "SmtpSv",
    "SmtpTlsError",
    "SmtpUnreachableError",
    "plugin",
]
