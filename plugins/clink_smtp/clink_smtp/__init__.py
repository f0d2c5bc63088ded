"""Clink plugin: ``SmtpSv`` sends UTF-8 mail over verified TLS, configured by ``SmtpConf``.

The console outbox for development is ``clink_smtp.outbox`` (imported on demand).
"""

from . import plugin
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
from .service import SmtpSv

__all__ = [
    "SmtpAddressError",
    "SmtpConf",
    "SmtpError",
    "SmtpHeaderError",
    "SmtpLoginError",
    "SmtpRecipientError",
    "SmtpSendError",
    "SmtpSv",
    "SmtpTlsError",
    "SmtpUnreachableError",
    "plugin",
]
