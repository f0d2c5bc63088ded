"""Request ids: taken from a valid ``X-Request-Id``, otherwise generated; the current one.

A valid incoming id is 1 to 128 characters of ``A-Z a-z 0-9 . _ -`` (enough
for UUIDs, ULIDs and the ids of common proxies; nothing that could break a log
line or a header). A generated id is ``<16 hex digits>-<counter in hex>``: a
random prefix drawn once per process (again in each forked worker) and a
process-wide counter from 0x1000, e.g. ``9f86d081884c7d65-101a``. That is unique across
processes and restarts for practical purposes, and costs a list ``pop()``
(ids are made 4096 at a time) instead of a ``uuid4()`` (about 3.7 µs here).

The id of the request being handled is also in the context variable
``REQUEST_ID``, for code that has no ``req`` at hand (``request_id()``, the
``logging`` filter ``stdlog.RequestIdFilter``). Each thread (and each asyncio
task) has its own value: clink-log sets it at level 1 of every request (level 7
for a request level 0 refused) and leaves it there, so it never carries over to
the next request of a thread, which sets its own before any of its code runs;
between two requests, the thread or task that ran the first still sees its id
(its streamed body, the server's access log line). A thread or task that never
ran a request sees ``None``.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

#: the response (and request) header carrying the id.
HEADER = "X-Request-Id"
#: the same header as a WSGI environ key.
ENV_KEY = "HTTP_X_REQUEST_ID"
MAX_LEN = 128

#: ``is_valid(value)`` -> a match object or ``None``.
is_valid = re.compile(rf"[A-Za-z0-9._-]{{1,{MAX_LEN}}}").fullmatch

#: the id of the request this thread or task is handling (or handled last); ``None`` in
#: one that never handled a request.
#: clink-log sets it; read it with ``request_id()`` or ``REQUEST_ID.get()``.
REQUEST_ID: ContextVar[str | None] = ContextVar("clink_log.request_id", default=None)

#: ids are made this many at a time: the low three hex digits of the counter.
_BLOCK = 4096
#: "000" ... "fff", in the order the pool hands ids out (it pops from the end).
_LOWS = tuple(f"{i:03x}" for i in range(_BLOCK - 1, -1, -1))
_prefix = ""
_blocks: itertools.count[int] = itertools.count(1)
#: ids made ahead, the next one last; the same list object for the whole process, so
#: a handler may pop from it directly (``new_id()`` refills it when empty).
id_pool: list[str] = []
_pool = id_pool


def _reseed() -> None:
    global _prefix, _blocks
    _prefix = os.urandom(8).hex() + "-"
    _blocks = itertools.count(1)  # the counter starts at 0x1000: every id has 4+ digits
    _pool.clear()


_reseed()
if hasattr(os, "register_at_fork"):
    # A worker forked from a loaded app must not repeat its parent's ids.
    os.register_at_fork(after_in_child=_reseed)


def new_id() -> str:
    """A fresh request id."""
    try:
        return _pool.pop()
    except IndexError:
        # PERF: a block of 4096 ids costs one join and one split (C loops), about
        # 60 ns an id instead of ~300 for an f-string each. list.pop and extend are
        # atomic under the GIL; two threads refilling at once only make more ids.
        base = f" {_prefix}{next(_blocks):x}"
        _pool.extend(base.join(("", *_LOWS)).split())
        return _pool.pop()


def id_from_env(env: Mapping[str, Any] | None) -> str:
    """The id of the request the WSGI ``env`` describes: its valid ``X-Request-Id``,
    or a new one. (clink-log 0.1 named this ``request_id(env)``.)"""
    value = env.get(ENV_KEY) if env is not None else None
    if value.__class__ is str and is_valid(value):
        return value
    return new_id()


def request_id() -> str | None:
    """The id of the request this thread or task is handling, ``None`` in one that never
    handled a request.

    Set at level 1 (before routing) and left until the next request of the thread or
    task sets its own, so controllers, services, a streamed body and the ``logging``
    records they make see it; between requests it is the last request's id.
    """
    return REQUEST_ID.get()
