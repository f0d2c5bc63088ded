"""Clink plugin: ``SmtpSv`` sends UTF-8 mail over verified TLS, configured by ``SmtpConf``.

``SmtpSv.send_later`` queues mail (``clink_smtp.queue``), drained when the app stops;
the plugin adds a readiness check (``smtp``) and the ``clink_smtp_send_listeners``
hook (``clink_smtp.hookspecs``).
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
from .hookspecs import SendFailure, SmtpListeners, SmtpSendEvent
from .queue import DrainReport, MailQueue
from .service import SmtpSv

__all__ = [
    "DrainReport",
    "MailQueue",
    "SendFailure",
    "SmtpAddressError",
    "SmtpConf",
    "SmtpError",
    "SmtpHeaderError",
    "SmtpListeners",
    "SmtpLoginError",
    "SmtpQueueClosedError",
    "SmtpQueueError",
    "SmtpQueueFullError",
    "SmtpRecipientError",
    "SmtpSendError",
    "SmtpSendEvent",
    "SmtpSv",
    "SmtpTlsError",
    "SmtpUnreachableError",
    "plugin",
]
