"""Request ids: taken from a valid ``X-Request-Id``, otherwise generated.

A valid incoming id is 1 to 128 characters of ``A-Z a-z 0-9 . _ -`` (enough
for UUIDs, ULIDs and the ids of common proxies; nothing that could break a log
line or a header). A generated id is ``<16 hex digits>-<counter in hex>``: a
random prefix drawn once per process (again in each forked worker) and a
process-wide counter, e.g. ``9f86d081884c7d65-1a``. That is unique across
processes and restarts for practical purposes, and costs a counter step
instead of a ``uuid4()`` (about 3.7 µs here).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Mapping
from typing import Any

#: the response (and request) header carrying the id.
HEADER = "X-Request-Id"
#: the same header as a WSGI environ key.
ENV_KEY = "HTTP_X_REQUEST_ID"
MAX_LEN = 128

#: ``is_valid(value)`` -> a match object or ``None``.
is_valid = re.compile(rf"[A-Za-z0-9._-]{{1,{MAX_LEN}}}").fullmatch

_BLOCK = 1024
_prefix = ""
_blocks: itertools.count[int] = itertools.count(0)
#: ids made ahead, last one first; the same list object for the whole process.
_pool: list[str] = []


def _reseed() -> None:
    global _prefix, _blocks
    _prefix = os.urandom(8).hex() + "-"
    _blocks = itertools.count(0)
    _pool.clear()


_reseed()
if hasattr(os, "register_at_fork"):
    # A worker forked from a loaded app must not repeat its parent's ids.
    os.register_at_fork(after_in_child=_reseed)


def new_id() -> str:
    """A fresh request id."""
    # PERF: ids are formatted 1024 at a time and popped (list.pop is atomic under
    # the GIL; two threads refilling at once only make more unique ids).
    try:
        return _pool.pop()
    except IndexError:
        start = next(_blocks) * _BLOCK + 1
        prefix = _prefix
        _pool.extend([f"{prefix}{n:x}" for n in range(start + _BLOCK - 1, start - 1, -1)])
        return _pool.pop()


def request_id(env: Mapping[str, Any] | None) -> str:
    """The id of the request ``env`` describes: its valid ``X-Request-Id``, or a new one."""
    value = env.get(ENV_KEY) if env is not None else None
    if value is not None and is_valid(value):
        return value  # type: ignore[no-any-return]
    return new_id()
