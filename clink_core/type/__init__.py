"""Data types: request, response, configuration, version."""

from .conf import AppConf
from .error import ConfError
from .request import Request, parse_query
from .response import Response
from .version import Version

__all__ = ["AppConf", "ConfError", "Request", "Response", "Version", "parse_query"]
