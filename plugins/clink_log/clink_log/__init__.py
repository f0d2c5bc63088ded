"""Clink plugin: request and error logs (text or JSON lines) with request ids."""

from . import plugin
from .conf import LogConf
from .error import LogDirError
from .handler import HANDLERS, ErrorLogHandler, LogSv, ReqLogHandler, ResLogHandler
from .line import REDACTED, SECRET_NAMES, redact_query
from .prepare import ERROR_LOG, REQUEST_LOG
from .reqid import HEADER, new_id, request_id
from .writer import LogFile, flush_all

__all__ = [
    "ERROR_LOG",
    "HANDLERS",
    "HEADER",
    "REDACTED",
    "REQUEST_LOG",
    "SECRET_NAMES",
    "ErrorLogHandler",
    "LogConf",
    "LogDirError",
    "LogFile",
    "LogSv",
    "ReqLogHandler",
    "ResLogHandler",
    "flush_all",
    "new_id",
    "plugin",
    "redact_query",
    "request_id",
]
