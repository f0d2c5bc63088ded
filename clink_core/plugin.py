"""The plugin API: everything a plugin needs beyond ``clink_core`` itself, in one place.

    from clink_core import AppConf, Service, hookimpl, stamp
    from clink_core.plugin import ILv5Handler, Http503Error, set_error

Our plugins import only from ``clink_core`` and ``clink_core.plugin``; a
third-party plugin can do everything they do with the same names. Names here
are public and kept stable.
"""

from .codec import FormBodyError, JsonBodyError, JsonSerializeError, dumps, is_json, loads
from .com import ComError, ComExistError, PrimError, read_stamp, write_stamp
from .dflow import CompiledSchema, DflowError, ExistError, ExpiredError, FormatError, NonExistError
from .error import http as _http
from .error.http import *  # noqa: F403 - every HttpNNNError, as listed in http.__all__
from .handler import error_body, set_error
from .health import HealthCheck
from .iface import (
    ILv0Handler,
    ILv1Handler,
    ILv2Handler,
    ILv3Handler,
    ILv4Handler,
    ILv5Handler,
    ILv6Handler,
    ILv7Handler,
    ILv8Handler,
    ILv9Handler,
    IPipeHandler,
)
from .mime import media_type
from .mime.type import *  # noqa: F403 - every MIME_* name
from .mime.type import __all__ as _mime_names
from .pipeline import LEVELS, Level, PipelineError
from .routing import Route
from .routing.mapper import route_doc
from .type import ConfError, Context, parse_query

__all__ = [
    "LEVELS",
    "ComError",
    "ComExistError",
    "CompiledSchema",
    "ConfError",
    "Context",
    "DflowError",
    "ExistError",
    "ExpiredError",
    "FormBodyError",
    "FormatError",
    "HealthCheck",
    "ILv0Handler",
    "ILv1Handler",
    "ILv2Handler",
    "ILv3Handler",
    "ILv4Handler",
    "ILv5Handler",
    "ILv6Handler",
    "ILv7Handler",
    "ILv8Handler",
    "ILv9Handler",
    "IPipeHandler",
    "JsonBodyError",
    "JsonSerializeError",
    "Level",
    "NonExistError",
    "PipelineError",
    "PrimError",
    "Route",
    "dumps",
    "error_body",
    "is_json",
    "loads",
    "media_type",
    "parse_query",
    "read_stamp",
    "route_doc",
    "set_error",
    "write_stamp",
    *_http.__all__,
    *_mime_names,
]
