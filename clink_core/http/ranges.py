"""``Range: bytes=...`` of a GET (RFC 9110 §14): one range is served as 206."""

from __future__ import annotations

import re

_SPEC = re.compile(r"\s*(\d*)\s*-\s*(\d*)\s*")


class RangeNotSatisfiableError(ValueError):
    """A byte range that starts past the end of the representation (answered 416)."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(start, stop)`` (``stop`` exclusive) of a single satisfiable byte range.

    ``None`` when the whole representation is sent instead: no header, another
    unit, invalid syntax, or several ranges (a server may ignore ``Range``).
    ``RangeNotSatisfiableError`` when the one range starts at or past ``size``.
    """
    if not header:
        return None
    unit, _, specs = header.partition("=")
    if unit.strip().lower() != "bytes" or not specs or "," in specs:
        return None
    found = _SPEC.fullmatch(specs)
    if found is None:
        return None
    first, last = found.groups()
    if first:
        start = int(first)
        stop = int(last) + 1 if last else size
        if last and stop <= start:
            return None  # last before first: invalid, ignored
        if start >= size:
            raise RangeNotSatisfiableError(f"range starts at byte {start} of {size}")
        return start, min(stop, size)
    if not last:
        return None
    suffix = int(last)
    if suffix == 0 or size == 0:
        raise RangeNotSatisfiableError(f"an empty suffix range of {size} bytes")
    return max(size - suffix, 0), size
