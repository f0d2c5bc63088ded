"""Clink plugin: request and error logs (files or a stream; text or JSON lines) with
request ids, also on the records of Python's ``logging``."""

from . import plugin
from .conf import LogConf
from .error import LogDirError
from .handler import (
    HANDLERS,
    ErrIdHandler,
    ErrorLogHandler,
    LogSv,
    ReqLogHandler,
    ResLogHandler,
)
from .line import REDACTED, SECRET_NAMES, redact_query
from .prepare import ERROR_LOG, REQUEST_LOG
from .reqid import HEADER, REQUEST_ID, id_from_env, new_id, request_id
from .stdlog import RequestIdFilter
from .writer import LogFile, LogStream, LogWriter, flush_all

__all__ = [
    "ERROR_LOG",
    "HANDLERS",
    "HEADER",
    "REDACTED",
    "REQUEST_ID",
    "REQUEST_LOG",
    "SECRET_NAMES",
    "ErrIdHandler",
    "ErrorLogHandler",
    "LogConf",
    "LogDirError",
    "LogFile",
    "LogStream",
    "LogSv",
    "LogWriter",
    "ReqLogHandler",
    "RequestIdFilter",
    "ResLogHandler",
    "flush_all",
    "id_from_env",
    "new_id",
    "plugin",
    "redact_query",
    "request_id",
]
