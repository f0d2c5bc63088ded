"""Reading and writing JSON with orjson, within a nesting limit.

orjson measured faster than the stdlib ``json`` end to end (``bench/``); its
output is compact (``{"a":1}``), the same data as ``json.dumps``.
"""

from __future__ import annotations

from typing import Any

import orjson

from .error import JsonBodyError, JsonSerializeError

#: deepest nesting of arrays/objects accepted in a request body.
MAX_DEPTH = 64


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


def loads(req: Any, body: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """Parse a request body; bad JSON, bad UTF-8 or deep nesting raise ``JsonBodyError``."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as ue:
            raise JsonBodyError(
                req, f"request body is not valid UTF-8 (byte {ue.start})"
            ) from None
        if "recursion" in str(e):
            raise JsonBodyError(req, f"JSON nesting is deeper than {max_depth} levels") from None
        raise JsonBodyError(
            req, f"malformed JSON at line {e.lineno} column {e.colno} (char {e.pos}): {e.msg}"
        ) from None
    # PERF: only bodies with enough brackets can be too deep; count them in C first.
    if (
        len(body) > max_depth
        and (body.count(b"[") + body.count(b"{")) > max_depth
        and _depth(value) > max_depth
    ):
        raise JsonBodyError(req, f"JSON nesting is deeper than {max_depth} levels")
    return value


def dumps(body: Any) -> bytes:
    """Serialise a response body; what JSON cannot hold raises ``JsonSerializeError``."""
    try:
        return orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError) as e:
        raise JsonSerializeError(body, e) from e
