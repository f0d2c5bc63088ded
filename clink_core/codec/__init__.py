"""Data conversion: JSON (orjson) for request and response bodies and error bodies.

JSON lives here, in the kernel, in one place: the level-3 and level-5
converters (``clink_core.handler.convert``), the error bodies and the test
client all use these functions.
"""

from .error import FormBodyError, JsonBodyError, JsonSerializeError
from .json import MAX_DEPTH, dumps, is_json, loads

__all__ = [
    "MAX_DEPTH",
    "FormBodyError",
    "JsonBodyError",
    "JsonSerializeError",
    "dumps",
    "is_json",
    "loads",
]
