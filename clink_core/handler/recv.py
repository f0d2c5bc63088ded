"""Level 0 default: fill the request from the WSGI environ."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes

from ..com.label import stamp
from ..error.http import Http400Error, Http413Error
from ..iface.pipe import ILv0Handler
from ..mime import media_type
from ..type.conf import AppConf
from ..type.query import has_bad_percent, parse_query
from ..type.request import Request
from ..type.response import Response


def checked_path(env: dict[str, Any], path: str) -> str:
    """Decode PATH_INFO as UTF-8; 400 for bad UTF-8 or percent-encoding.

    Servers decode the path before the app sees it, some replacing bad bytes
    (werkzeug puts U+FFFD), so the raw request URI is checked when present.
    """
    raw = env.get("REQUEST_URI") or env.get("RAW_URI")
    if raw:
        raw_path = raw.partition("?")[0]
        if has_bad_percent(raw_path):
            raise Http400Error("request path has an invalid percent-encoding")
        try:
            unquote_to_bytes(raw_path.encode("latin-1")).decode("utf-8")
        except UnicodeError:
            raise Http400Error("request path is not valid UTF-8") from None
    try:
        return path.encode("latin-1").decode("utf-8")
    except UnicodeError:
        raise Http400Error("request path is not valid UTF-8") from None


#: more significant digits than any body can have: such a length is refused by size,
#: never parsed (``int()`` refuses over 4300 digits with a ``ValueError``).
_MAX_DIGITS = 18
#: what a Content-Length of more than ``_MAX_DIGITS`` significant digits counts as.
TOO_LARGE: int = 10**_MAX_DIGITS


def _digits_value(text: str) -> int:
    """The value of a string of ASCII digits, at most ``TOO_LARGE``."""
    significant = text.lstrip("0")
    if len(significant) > _MAX_DIGITS:
        return TOO_LARGE
    return int(significant or "0")


def content_length(value: str) -> int:
    """The body length a Content-Length value announces; 400 when it is not one number.

    A list (``"5, 5"``: the header sent twice, joined by the server) is taken
    only when every value is the same (RFC 9112 §6.3). A number too long to be
    any body's length counts as ``TOO_LARGE`` (a 413 follows), whatever its digits.
    """
    if value.isascii() and value.isdigit():
        return _digits_value(value)
    parts = {part.strip() for part in value.split(",")}
    if len(parts) == 1:
        only = parts.pop()
        if only.isascii() and only.isdigit():
            return _digits_value(only)
    if len(parts) > 1:
        raise Http400Error("Content-Length is sent more than once with different values")
    raise Http400Error("Content-Length must be a non-negative integer")


@stamp(AppConf)
class RecvHandler(ILv0Handler):
    """Sets method, path and media type; rejects a bad path, query or Content-Length.

    The body is not read here: a body over ``AppConf.max_body`` is refused (413)
    from its Content-Length alone.
    """

    trylast = True

    def __init__(self, app_conf: AppConf) -> None:
        self._max_body = app_conf.max_body

    def handle(self, req: Request, res: Response, env: dict[str, Any]) -> None:
        req.env = env
        req.method = env["REQUEST_METHOD"]
        # Set before any check can raise, so the error path always finds a path.
        path = req.path = env.get("PATH_INFO") or "/"
        req.content_type = None
        # PERF: a plain ASCII path without '%' needs no check.
        if "%" in path or not path.isascii():
            req.path = checked_path(env, path)
        ctype = env.get("CONTENT_TYPE")
        if ctype:
            # PERF: a plain lower-case type needs no parsing.
            req.content_type = (
                media_type(ctype) if ";" in ctype or not ctype.islower() else ctype
            )
        length = env.get("CONTENT_LENGTH")
        if length:
            # PERF: one plain number is the common case; a list, junk or a number too
            # long for int() (over 4300 digits: a ValueError) takes the slow path.
            size = (
                int(length) if length.isdigit() and length.isascii() and len(length) <= _MAX_DIGITS
                else content_length(length)
            )
            if size > self._max_body:
                shown = size if size < TOO_LARGE else f"more than {TOO_LARGE - 1}"
                raise Http413Error(
                    f"request body of {shown} bytes exceeds the limit of {self._max_body}"
                )
            req.content_length = size
        query = env.get("QUERY_STRING")
        if query and ("%" in query or not query.isascii()):
            req.args_all = parse_query(query)
