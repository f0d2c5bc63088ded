"""Content negotiation (RFC 9110 §12.5.1): which media types an ``Accept`` header allows.

A route answers ``application/json`` unless ``@produces(...)`` says otherwise;
before its handler runs, a request whose ``Accept`` allows none of the
route's types is answered 406. A missing ``Accept`` allows everything; among
the ranges that match a type the most specific one decides (``application/json;q=0,
*/*`` refuses JSON); ``q=0`` means "not acceptable".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from ..com.label import read_stamp, write_stamp
from ..mime.type import MIME_JSON

PRODUCES_KEY = "produces"
#: what a route without ``@produces`` answers.
DEFAULT_TYPES = (MIME_JSON,)
_RANGE = re.compile(
    r"\s*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)/([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*((?:;[^;,]*)*)"
)
_Q = re.compile(r"\s*[qQ]\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*")
_MAX_CACHED = 512
F = TypeVar("F", bound=Callable[..., Any])

#: one media range: (type, subtype, quality, specificity 1-3).
MediaRange = tuple[str, str, float, int]
#: ``Accept`` values that allow every type (learnt as they are met; "*/*" from curl).
ANYTHING: set[str] = {"*/*", ""}
_PARSED: dict[str, tuple[MediaRange, ...]] = {}


class ProducesError(ValueError):
    """``@produces`` given something that is not a media type."""


def produces(*media_types: str) -> Callable[[F], F]:
    """Declare the media types a route answers with (default ``application/json``).

    ``@produces("text/csv")``, ``@produces("application/json", "text/csv")``;
    ``@produces("*/*")`` for a route that negotiates itself (the kernel never
    answers it 406). Stack it with the ``mapper`` decorators, in any order.
    """
    types = []
    for media_type in media_types:
        if not isinstance(media_type, str) or _RANGE.fullmatch(media_type) is None:
            raise ProducesError(
                f"@produces takes media types such as 'text/csv', got {media_type!r}"
            )
        types.append(media_type.partition(";")[0].strip().lower())
    if not types:
        raise ProducesError("@produces needs at least one media type ('*/*' for any)")

    def decorate(func: F) -> F:
        write_stamp(func, PRODUCES_KEY, tuple(types))
        return func

    return decorate


def produced_types(handle: Any) -> tuple[str, ...] | None:
    """The types a route's handler answers with; ``None`` when it answers any."""
    types = read_stamp(getattr(handle, "__func__", handle), PRODUCES_KEY)
    if types is None:
        return DEFAULT_TYPES
    return None if "*/*" in types else tuple(types)


def parse_accept(value: str) -> tuple[MediaRange, ...]:
    """The media ranges of an ``Accept`` value; malformed members are skipped."""
    cached = _PARSED.get(value)
    if cached is not None:
        return cached
    ranges = []
    for member in value.split(","):
        found = _RANGE.fullmatch(member)
        if found is None:
            continue
        main, sub, params = found.group(1).lower(), found.group(2).lower(), found.group(3)
        if main == "*" and sub != "*":
            continue
        quality = 1.0
        for param in params.split(";")[1:]:
            q = _Q.fullmatch(param)
            if q is not None:
                quality = float(q.group(1))
                break
            if param.strip()[:1] in ("q", "Q"):
                quality = -1.0  # a malformed weight: the member is skipped
        if quality < 0:
            continue
        specificity = 1 if main == "*" else 2 if sub == "*" else 3
        ranges.append((main, sub, quality, specificity))
    parsed = tuple(ranges)
    if len(_PARSED) >= _MAX_CACHED:
        _PARSED.clear()
    _PARSED[value] = parsed
    return parsed


def quality(ranges: tuple[MediaRange, ...], media_type: str) -> float:
    """The weight ``ranges`` give ``media_type``: that of the most specific matching range."""
    main, _, sub = media_type.partition("/")
    best = 0
    weight = 0.0
    for r_main, r_sub, q, specificity in ranges:
        if specificity < best:
            continue
        if (specificity == 1 or (r_main == main and (specificity == 2 or r_sub == sub))):
            weight = q if specificity > best else max(weight, q)
            best = specificity
    return weight


def allows_anything(ranges: tuple[MediaRange, ...]) -> bool:
    """Whether every media type is acceptable: a ``*/*`` with a weight and no ``q=0``."""
    return not ranges or (
        any(r[3] == 1 and r[2] > 0 for r in ranges) and all(r[2] > 0 for r in ranges)
    )


def acceptable(accept: str | None, types: tuple[str, ...]) -> bool:
    """Whether ``accept`` allows one of ``types``; learns values that allow anything."""
    if accept is None or accept in ANYTHING:
        return True
    ranges = parse_accept(accept)
    if allows_anything(ranges):
        if len(ANYTHING) < _MAX_CACHED:
            ANYTHING.add(accept)
        return True
    return any(quality(ranges, t) > 0 for t in types)
