"""Cookies: ``Set-Cookie`` values for ``res.set_cookie`` and the ``Cookie`` header of a request.

Values are checked, not quoted: a cookie value may hold only RFC 6265
cookie-octets (no space, ``"``, ``,``, ``;``, ``\\`` or control characters), so
what the browser stores is exactly what the app set. Encode anything else
(base64url, percent-encoding) before setting it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from .conditional import http_date

_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_OCTETS = r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*"  # RFC 6265 cookie-octet
_VALUE = re.compile(f'{_OCTETS}|"{_OCTETS}"')
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"\.?{_LABEL}(?:\.{_LABEL})*")
_PATH = re.compile(r"[\x20-\x3a\x3c-\x7e]*")
SAMESITE = {"lax": "Lax", "strict": "Strict", "none": "None"}
#: ``Expires`` of a deleted cookie.
EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"


class CookieError(ValueError):
    """A cookie name, value or attribute that cannot be sent as it is."""


def _http_date(when: datetime | float | int) -> str:
    if isinstance(when, datetime):
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return http_date(when.timestamp())
    if isinstance(when, (int, float)) and not isinstance(when, bool):
        return http_date(float(when))
    raise CookieError(f"cookie expires must be a datetime or a Unix time, got {when!r}")


def set_cookie_value(
    name: str,
    value: str,
    *,
    max_age: int | timedelta | None = None,
    expires: datetime | float | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = True,
    httponly: bool = True,
    samesite: str | None = "Lax",
) -> str:
    """The ``Set-Cookie`` field value of a cookie; ``CookieError`` names what cannot be sent."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise CookieError(
            f"cookie name {name!r} is not a token: use letters, digits and !#$%&'*+-.^_`|~"
        )
    if not isinstance(value, str) or not _VALUE.fullmatch(value):
        raise CookieError(
            f"cookie {name!r}: the value holds characters a cookie cannot carry (space, "
            '", comma, semicolon, backslash, control or non-ASCII characters); encode it '
            "first (base64url or percent-encoding)"
        )
    parts = [f"{name}={value}"]
    if max_age is not None:
        if isinstance(max_age, timedelta):
            max_age = int(max_age.total_seconds())
        if not isinstance(max_age, int) or isinstance(max_age, bool):
            raise CookieError(f"cookie {name!r}: max_age must be seconds (int), got {max_age!r}")
        parts.append(f"Max-Age={max(max_age, 0)}")
    if expires is not None:
        parts.append(f"Expires={_http_date(expires)}")
    if domain is not None:
        if not isinstance(domain, str) or not _DOMAIN.fullmatch(domain):
            raise CookieError(f"cookie {name!r}: domain {domain!r} is not a host name")
        parts.append(f"Domain={domain}")
    if path is not None:
        if not isinstance(path, str) or not _PATH.fullmatch(path):
            raise CookieError(
                f"cookie {name!r}: path {path!r} holds a semicolon or control character"
            )
        parts.append(f"Path={path}")
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if samesite is not None:
        canonical = SAMESITE.get(str(samesite).lower())
        if canonical is None:
            raise CookieError(
                f"cookie {name!r}: samesite must be 'Lax', 'Strict', 'None' or None, "
                f"got {samesite!r}"
            )
        if canonical == "None" and not secure:
            raise CookieError(
                f"cookie {name!r}: SameSite=None needs secure=True (browsers drop it otherwise)"
            )
        parts.append(f"SameSite={canonical}")
    if name.startswith("__Secure-") and not secure:
        raise CookieError(f"cookie {name!r}: a __Secure- cookie needs secure=True")
    if name.startswith("__Host-") and (not secure or domain is not None or path != "/"):
        raise CookieError(
            f"cookie {name!r}: a __Host- cookie needs secure=True, path='/' and no domain"
        )
    return "; ".join(parts)


def parse_cookies(header: str | None) -> dict[str, str]:
    """The cookies of a ``Cookie`` header: ``name -> value``; a name sent twice keeps its
    first value (the browser sends the most specific path first). UTF-8 is decoded."""
    if not header:
        return {}
    # PERF: werkzeug (the whole package, ~50 ms) is imported by the first request with
    # cookies that reads them, not with clink_core.
    from werkzeug.sansio.http import parse_cookie

    try:
        text = header.encode("latin-1").decode("utf-8")
    except UnicodeError:
        text = header  # not UTF-8: the Latin-1 characters as the server gave them
    cookies: dict[str, Any] = {}
    for key, value in parse_cookie(text).items(multi=True):
        cookies.setdefault(key, value)
    return cookies
