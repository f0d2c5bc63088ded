"""Decoding url-encoded text: query strings and url-encoded bodies."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl

from ..error.http import Http400Error, HttpError

_HEX = frozenset("0123456789abcdefABCDEF")


def has_bad_percent(text: str) -> bool:
    """Whether ``text`` holds a ``%`` not followed by two hex digits."""
    i = text.find("%")
    n = len(text)
    while i != -1:
        if i + 2 >= n or text[i + 1] not in _HEX or text[i + 2] not in _HEX:
            return True
        i = text.find("%", i + 3)
    return False


def parse_query(
    query: str, what: str = "query string", error: Callable[[str], HttpError] = Http400Error
) -> dict[str, list[str]]:
    """Decode url-encoded ``query`` into ``name -> [values]``.

    Bad percent-encoding or UTF-8 raise ``error`` (a 400), whose message names
    ``what`` (``"query string"``, ``"url-encoded body"``).
    """
    if "%" in query and has_bad_percent(query):
        raise error(f"{what} has an invalid percent-encoding")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise error(f"{what} is not valid UTF-8") from None
    result: dict[str, list[str]] = {}
    for name, value in pairs:
        values = result.get(name)
        if values is None:
            result[name] = [value]
        else:
            values.append(value)
    return result
