"""Data types: request, response, per-request context, configuration, version."""

from .client import PROXY_HEADERS
from .conf import AppConf
from .context import Context, ContextNameError
from .error import ConfError
from .query import has_bad_percent, parse_query
from .request import Request
from .response import Response
from .version import Version

__all__ = [
    "PROXY_HEADERS",
    "AppConf",
    "ConfError",
    "Context",
    "ContextNameError",
    "Request",
    "Response",
    "Version",
    "has_bad_percent",
    "parse_query",
]
