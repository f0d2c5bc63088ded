"""Checking response header names and values before they are sent.

A name is an RFC 9110 token; a value is text without CR, LF or other control
characters (HTAB allowed), each character one byte (Latin-1, as WSGI sends
it). Anything else could split the header block (header injection) or be
mangled by the server, so it is refused with ``HeaderValueError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]|[^\x00-\xff]")
#: names already found valid (a set look-up instead of a regex per response).
GOOD_NAMES: set[str] = {
    "Allow", "Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language",
    "Content-Location", "Content-Range", "Accept-Ranges", "ETag", "Expires", "Last-Modified",
    "Link", "Location", "Retry-After", "Set-Cookie", "Vary", "WWW-Authenticate",
    "X-Request-Id", "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
    "Access-Control-Expose-Headers", "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers", "Access-Control-Max-Age", "Pragma",
}
MAX_GOOD_NAMES = 1024


class HeaderValueError(ValueError):
    """A response header name that is not a token, or a value that is not a str or holds
    CR/LF, another control character or a character beyond Latin-1 (header injection)."""


def check_name(name: Any) -> None:
    """Refuse a header name that is not an RFC 9110 token."""
    if name.__class__ is str and name in GOOD_NAMES:
        return
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise HeaderValueError(
            f"response header name {name!r} is not a token: use letters, digits and "
            "!#$%&'*+-.^_`|~ only"
        )
    if len(GOOD_NAMES) < MAX_GOOD_NAMES:
        GOOD_NAMES.add(name)


def check_value(name: str, value: Any) -> None:
    """Refuse a header value that is not a str, or holds CR/LF or other control characters."""
    if not isinstance(value, str):
        raise HeaderValueError(
            f"response header {name!r} must be a str, got {type(value).__name__} {value!r}"
        )
    bad = _BAD_VALUE.search(value)
    if bad is not None:
        char = bad.group()
        what = "CR/LF" if char in "\r\n" else (
            "a control character" if ord(char) < 256 else "a character beyond Latin-1"
        )
        hint = (
            "; percent-encode it (RFC 8187 for parameters such as filename*=)"
            if ord(char) > 255 else ""
        )
        raise HeaderValueError(
            f"response header {name!r} holds {what} ({char!r} at {bad.start()}): "
            f"refused, never sent{hint}"
        )


def check_header(name: Any, value: Any) -> None:
    """Check one header field: a token name and a clean value."""
    check_name(name)
    check_value(name, value)


def check_names(header: Mapping[str, Any]) -> None:
    """Check the names of a dict of headers (``res.header``)."""
    for name in header:
        check_name(name)


def check_values(header: Mapping[str, Any]) -> None:
    """Check the values of a dict of headers (``res.header``)."""
    for name, value in header.items():
        check_value(name, value)


def check_pairs(pairs: Iterable[tuple[str, Any]]) -> None:
    """Check header fields given as ``(name, value)`` pairs."""
    for name, value in pairs:
        check_header(name, value)
