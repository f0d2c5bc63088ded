"""Data types: request, response, configuration, version."""

from .conf import AppConf
from .error import ConfError
from .request import Request
from .response import Response
from .version import Version

__all__ = ["AppConf", "ConfError", "Request", "Response", "Version"]
