"""Conditional requests (RFC 9110 §13): entity tags, dates, 304 and 412.

The kernel evaluates a GET or HEAD itself when the handler set ``res.etag`` or
``res.last_modified`` (``evaluate``, called by the sending level). A PUT,
PATCH or DELETE must be checked *before* it changes anything, with the
validators of the current state: ``req.precondition(etag=..., last_modified=...)``.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

from ..error.http import Http412Error

_ETAGC = re.compile(r'[\x21\x23-\x7e\x80-\xff]*')
_ETAG_LIST = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')
_SAFE = ("GET", "HEAD")


class ETagError(ValueError):
    """A value that cannot be an entity tag."""


def format_etag(value: str) -> str:
    """The ``ETag`` field value of ``value``: ``abc`` -> ``"abc"`` (strong); ``"abc"`` and
    ``W/"abc"`` (weak) are kept as given."""
    if not isinstance(value, str):
        raise ETagError(f"res.etag must be a str, got {type(value).__name__}")
    opaque = value[2:] if value.startswith("W/") else value
    if len(opaque) >= 2 and opaque[0] == '"' and opaque[-1] == '"':
        inner = opaque[1:-1]
    else:
        inner, value = value, f'"{value}"'
    if not _ETAGC.fullmatch(inner):
        raise ETagError(
            f"entity tag {value!r} holds a double quote, a space or a control character"
        )
    return value


def timestamp_of(value: datetime | float | int) -> int:
    """Whole seconds since the epoch (HTTP dates have no fractions) of a datetime
    (naive means UTC) or a Unix time."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    raise TypeError(f"a last-modified time is a datetime or a Unix time, got {value!r}")


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def http_date(timestamp: float) -> str:
    """``Sun, 06 Nov 1994 08:49:37 GMT`` (IMF-fixdate, whatever the locale)."""
    # PERF: formatted here: email.utils.formatdate costs ~10 ms of import (the email package).
    t = time.gmtime(timestamp)
    return (
        f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year:04d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"
    )


def parse_http_date(raw: str) -> int | None:
    """The timestamp of an HTTP date (IMF-fixdate, RFC 850 or asctime); ``None`` if invalid."""
    # PERF: werkzeug is imported on the first conditional request, not with clink_core:
    # importing any of it loads the whole package (its server and test client), ~50 ms.
    from werkzeug.http import parse_date

    parsed = parse_date(raw)
    return None if parsed is None else int(parsed.timestamp())


def _date(env: dict[str, Any], key: str) -> int | None:
    raw = env.get(key)
    if not raw:
        return None
    return parse_http_date(raw)


def _tags(header: str) -> list[tuple[bool, str]] | None:
    """``[(weak, opaque), ...]`` of an entity-tag list; ``None`` for ``*``."""
    if header.strip() == "*":
        return None
    tags = []
    pos = 0
    while pos < len(header):
        found = _ETAG_LIST.match(header, pos)
        if found is None:
            break  # a malformed rest matches nothing
        tags.append((found.group(1) is not None, found.group(2)))
        pos = found.end()
    return tags


def _opaque(etag: str) -> tuple[bool, str]:
    weak = etag.startswith("W/")
    return weak, (etag[2:] if weak else etag)[1:-1]


def _if_match(header: str, etag: str | None, exists: bool) -> bool:
    """If-Match passes: ``*`` and the resource exists, or a strong match (§13.1.1)."""
    tags = _tags(header)
    if tags is None:
        return exists
    if etag is None:
        return False
    weak, opaque = _opaque(etag)
    return not weak and any(not w and t == opaque for w, t in tags)


def _if_none_match(header: str, etag: str | None, exists: bool) -> bool:
    """If-None-Match passes: no tag matches, weakly (§13.1.2)."""
    tags = _tags(header)
    if tags is None:
        return not exists
    if etag is None:
        return True
    opaque = _opaque(etag)[1]
    return all(t != opaque for _, t in tags)


def evaluate(
    env: dict[str, Any],
    method: str | None,
    etag: str | None,
    modified: int | None,
    exists: bool = True,
) -> int:
    """The status the preconditions of a request call for (RFC 9110 §13.2.2): 412, 304,
    or 0 to go on. ``etag`` is a formatted entity tag, ``modified`` a timestamp."""
    if_match = env.get("HTTP_IF_MATCH")
    if if_match is not None:
        if not _if_match(if_match, etag, exists):
            return 412
    elif modified is not None:
        since = _date(env, "HTTP_IF_UNMODIFIED_SINCE")
        if since is not None and modified > since:
            return 412
    if_none_match = env.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        if not _if_none_match(if_none_match, etag, exists):
            return 304 if method in _SAFE else 412
    elif modified is not None and method in _SAFE:
        since = _date(env, "HTTP_IF_MODIFIED_SINCE")
        if since is not None and modified <= since:
            return 304
    return 0


def if_range_holds(env: dict[str, Any], etag: str | None, modified: int | None) -> bool:
    """Whether a ``Range`` applies: no ``If-Range``, or one naming the current
    representation (a strong entity tag, or its exact ``Last-Modified``; §13.1.5)."""
    raw = env.get("HTTP_IF_RANGE")
    if not raw:
        return True
    raw = raw.strip()
    if raw.startswith(('"', "W/")):
        if etag is None:
            return False
        weak, opaque = _opaque(etag)
        return not weak and raw == f'"{opaque}"'
    return modified is not None and parse_http_date(raw) == modified


def precondition(
    req: Any,
    etag: str | None = None,
    last_modified: datetime | float | None = None,
    *,
    exists: bool | None = None,
) -> None:
    """Check the request's preconditions against the resource's current validators,
    before a PUT, PATCH or DELETE changes it: ``Http412Error`` when ``If-Match``,
    ``If-Unmodified-Since`` or ``If-None-Match`` fail.

    ``exists`` (default: a validator is given) tells ``If-Match: *`` and
    ``If-None-Match: *`` whether the resource exists. On GET and HEAD a failed
    ``If-Match`` is a 412 too; their 304s come from ``res.etag`` / ``res.last_modified``.
    """
    env = req.env or {}
    tag = None if etag is None else format_etag(etag)
    modified = None if last_modified is None else timestamp_of(last_modified)
    if exists is None:
        exists = tag is not None or modified is not None
    status = evaluate(env, req.method, tag, modified, exists)
    if status == 412:
        raise Http412Error(
            "precondition failed: the resource changed since the client read it "
            "(If-Match / If-Unmodified-Since / If-None-Match); fetch it again and retry"
        )
