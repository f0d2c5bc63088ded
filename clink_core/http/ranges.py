"""``Range: bytes=...`` of a GET (RFC 9110 §14): one range is served as 206."""

from __future__ import annotations

import re

_SPEC = re.compile(r"\s*(\d*)\s*-\s*(\d*)\s*")


#: more digits than any file's size has: such a number counts as ``_HUGE`` (int() refuses
#: over 4300 digits, and a client chooses them).
_MAX_DIGITS = 18
_HUGE: int = 10**_MAX_DIGITS


def _number(digits: str) -> int:
    significant = digits.lstrip("0")
    return _HUGE if len(significant) > _MAX_DIGITS else int(significant or "0")


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
        start = _number(first)
        stop = _number(last) + 1 if last else size
        if last and stop <= start:
            return None  # last before first: invalid, ignored
        if start >= size:
            raise RangeNotSatisfiableError(f"range starts at byte {start} of {size}")
        return start, min(stop, size)
    if not last:
        return None
    suffix = _number(last)
    if suffix == 0 or size == 0:
        raise RangeNotSatisfiableError(f"an empty suffix range of {size} bytes")
    return max(size - suffix, 0), size
