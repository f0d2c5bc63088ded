"""Reading and writing JSON with orjson, within a nesting limit.

orjson measured faster than the stdlib ``json`` end to end (``bench/``); its
output is compact (``{"a":1}``), the same data as ``json.dumps``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from ..mime.type import MIME_JSON
from .error import JsonBodyError, JsonSerializeError

#: deepest nesting of arrays/objects accepted in a request body.
MAX_DEPTH = 64
_OPTIONS = orjson.OPT_NON_STR_KEYS


def is_json(media_type: str | None) -> bool:
    """``application/json`` and ``+json`` types such as ``application/merge-patch+json``."""
    return media_type == MIME_JSON or (media_type is not None and media_type.endswith("+json"))


def _depth(value: Any) -> int:
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in node)
    return deepest


def loads(body: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse a request body; bad JSON, bad UTF-8 or deep nesting raise ``JsonBodyError``."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        if isinstance(body, bytes):
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as ue:
                raise JsonBodyError(f"request body is not valid UTF-8 (byte {ue.start})") from None
        if "recursion" in str(e):
            raise JsonBodyError(f"JSON nesting is deeper than {max_depth} levels") from None
        raise JsonBodyError(
            f"malformed JSON at line {e.lineno} column {e.colno} (char {e.pos}): {e.msg}"
        ) from None
    # PERF: only bodies with enough brackets can be too deep; count them in C first.
    if len(body) > max_depth:
        brackets = (
            body.count(b"[") + body.count(b"{")
            if isinstance(body, bytes)
            else body.count("[") + body.count("{")
        )
        if brackets > max_depth and _depth(value) > max_depth:
            raise JsonBodyError(f"JSON nesting is deeper than {max_depth} levels")
    return value


def encode_default(value: Any) -> Any:
    """What orjson calls for a value it cannot encode: a model (``msgspec.Struct``)
    becomes builtins; anything else stays a ``TypeError``."""
    to_builtins = getattr(type(value), "__struct_config__", None) is not None
    if to_builtins:
        import msgspec

        return msgspec.to_builtins(value)
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def dumps(body: Any, default: Callable[[Any], Any] | None = None) -> bytes:
    """Serialise a body; what JSON cannot hold raises ``JsonSerializeError``.

    ``default`` turns what JSON cannot hold into what it can (``str`` for error
    bodies); models (``msgspec.Struct``, dataclasses) are encoded in any case.
    """
    try:
        return orjson.dumps(body, default=default or encode_default, option=_OPTIONS)
    except TypeError as e:  # orjson.JSONEncodeError is a TypeError
        if "64-bit" not in str(e):
            raise JsonSerializeError(body, e) from e
    # An integer past 64 bits (a path's {id:int} of 30 digits) is valid JSON that orjson
    # does not write: the stdlib does, on this rare path only.
    import json

    try:
        text = json.dumps(body, default=default or encode_default, ensure_ascii=False,
                          separators=(",", ":"))
    except (TypeError, ValueError) as e:
        raise JsonSerializeError(body, e) from e
    return text.encode()
