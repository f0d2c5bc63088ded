"""Errors that become HTTP responses (``http``) and WSGI-layer errors (``wsgi``)."""

from . import http, wsgi
from .http import HttpError, HttpStatusError, code_to_str
from .wsgi import WsgiResBodyError

__all__ = ["HttpError", "HttpStatusError", "WsgiResBodyError", "code_to_str", "http", "wsgi"]
