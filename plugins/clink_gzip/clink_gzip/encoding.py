"""``Accept-Encoding`` (RFC 9110 §12.5.3): whether a client takes gzip."""

from __future__ import annotations

import re

_MEMBER = re.compile(r"\s*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*((?:;[^,]*)?)")
_Q = re.compile(r";\s*[qQ]\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*(?:;|$)")
_MAX_CACHED = 256
#: Accept-Encoding value -> whether it allows gzip (clients send few distinct values).
_SEEN: dict[str, bool] = {}


def _parse(value: str) -> bool:
    gzip_q: float | None = None
    star_q: float | None = None
    for member in value.split(","):
        found = _MEMBER.fullmatch(member)
        if found is None:
            continue
        coding = found.group(1).lower()
        params = found.group(2)
        quality = 1.0
        if params:
            q = _Q.search(params)
            quality = float(q.group(1)) if q is not None else 1.0
        if coding in ("gzip", "x-gzip"):
            gzip_q = quality if gzip_q is None else max(gzip_q, quality)
        elif coding == "*":
            star_q = quality
    if gzip_q is not None:
        return gzip_q > 0
    return star_q is not None and star_q > 0


def accepts_gzip(value: str | None) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip: listed with a weight above 0 (or
    ``*`` above 0 and gzip not listed). ``gzip;q=0`` refuses it; no header: not sent."""
    if not value:
        return False
    known = _SEEN.get(value)
    if known is None:
        known = _parse(value)
        if len(_SEEN) >= _MAX_CACHED:
            _SEEN.clear()
        _SEEN[value] = known
    return known
