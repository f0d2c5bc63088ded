"""Clink plugin: JSON and url-encoded request bodies, JSON responses."""

from . import plugin
from .codec import MAX_DEPTH, dumps, loads
from .error import JsonBodyError, JsonSerializeError
from .handler import ReqJsonHandler, ReqUrlEncodeHandler, ResJsonHandler, is_json

__all__ = [
    "MAX_DEPTH",
    "JsonBodyError",
    "JsonSerializeError",
    "ReqJsonHandler",
    "ReqUrlEncodeHandler",
    "ResJsonHandler",
    "dumps",
    "is_json",
    "loads",
    "plugin",
]
