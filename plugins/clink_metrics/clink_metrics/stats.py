"""A worker's request counts, kept in plain Python objects under one lock.

Why not prometheus-client's metric objects on the request path: a labelled
``Counter.inc()`` plus ``Histogram.observe()`` costs about 2.6 µs here, and
10 µs in multiprocess mode (each value is written to an mmap'd file under a
lock); the whole budget of the plugin is 1.5 µs. So a request only adds to a
list (a *cell*) in this process; the counts reach Prometheus when they are
read: ``collector.StatsCollector`` at scrape time (one process), or
``shared.SharedWriter`` every ``flush_interval`` (multiprocess mode).

A cell counts the requests of one (method, ``Route``, status) in the latency
buckets and holds their total duration: ``[n_0, ..., n_k, n_inf, seconds]``.
Labels are made from that key only when exported: the route's *template*
(``route.path``, ``/book/{id:int}``; ``"(unmatched)"`` when no route matched:
404, 405 and requests refused before routing), the method (``_OTHER`` for
methods outside ``METHODS``, so made-up methods cannot grow the table) and
the status class (``2xx``). The raw path never becomes a label.

Thread safety: see ``_gil_handlers`` (no lock on the request path with the
GIL) and ``_locked_handlers`` (free-threaded builds).

Requests in flight: level 1 counts a request in, level 5 counts it out. Each
request carries a mark in ``req.clink_metrics`` (``ARRIVED``; ``NOT_ARRIVED``
when level 1 did not run for it, set by level 7; after level 5, what it
recorded), so a request refused at level 0 is counted once and never "out"
without "in", and a request whose response failed to send, which passes level
5 twice, is moved to the status actually sent instead of counted twice.
"""

from __future__ import annotations

import os
import sys
import threading
from bisect import bisect_left
from collections.abc import Callable
from time import perf_counter
from typing import Any, NamedTuple

#: the label of requests no route matched (404, 405, refused before routing).
UNMATCHED = "(unmatched)"
#: methods kept as labels; any other is ``_OTHER`` (as in OpenTelemetry's conventions).
METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"}
)
OTHER_METHOD = "_OTHER"
#: the request attribute holding the mark.
MARK = "clink_metrics"


#: the level-1, level-5 and level-7 functions: ``(arrive, respond, fail)``.
Handlers = tuple[
    Callable[[Any, Any], None], Callable[[Any, Any], None], Callable[[Any, Any, Any], None]
]

class _Mark:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ARRIVED = _Mark("ARRIVED")
NOT_ARRIVED = _Mark("NOT_ARRIVED")


def status_class(status: Any) -> str:
    """``"2xx"`` for 200..299 and so on; ``"other"`` for anything else."""
    if status.__class__ is int and 100 <= status <= 599:
        return f"{status // 100}xx"
    return "other"


def route_label(route: Any) -> str:
    """The route's template, or ``UNMATCHED``."""
    return UNMATCHED if route is None else str(route.path)


class Snapshot(NamedTuple):
    """The counts at one moment, by labels.

    ``requests``: (method, route template, status class) -> cell (bucket counts,
    not cumulative, then the total seconds); ``errors``: exception class name ->
    count; ``in_flight``: requests between level 1 and level 5 now.
    """

    requests: dict[tuple[str, str, str], list[float]]
    errors: dict[str, int]
    in_flight: int


class RequestStats:
    """The counts of this process; ``handlers()`` gives the pipeline functions."""

    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.bounds = buckets
        self.lock = threading.Lock()
        #: (method, Route or None, status) -> cell.
        self.cells: dict[tuple[Any, Any, Any], list[Any]] = {}
        #: exception class -> count.
        self.errors: dict[type, int] = {}
        self._flight = [0]
        if hasattr(os, "register_at_fork"):
            # The lock is held across fork() so the child never inherits it held
            # by a thread that does not exist there; the child starts from zero
            # (its counts go to its own file; the parent's stay with the parent).
            os.register_at_fork(
                before=self.lock.acquire, after_in_parent=self.lock.release,
                after_in_child=self._after_fork,
            )

    def _after_fork(self) -> None:
        self.lock.release()
        self.cells.clear()
        self.errors.clear()
        self._flight[0] = 0

    def _new_cell(self, req: Any, res: Any) -> list[Any]:
        """The cell of a request whose key is not in the table yet (or not hashable)."""
        method = getattr(req, "method", None)
        if method not in METHODS:
            method = OTHER_METHOD
        status = res.status
        if status.__class__ is not int or not 100 <= status <= 599:
            status = 0
        key = (method, getattr(req, "route", None), status)
        with self.lock:
            cell = self.cells.get(key)
            if cell is None:
                cell = self.cells[key] = [0] * (len(self.bounds) + 1) + [0.0]
        return cell

    def handlers(self) -> Handlers:
        """The level-1, level-5 and level-7 functions: ``(arrive, respond, fail)``."""
        return _gil_handlers(self) if GIL else _locked_handlers(self)

    def snapshot(self) -> Snapshot:
        """The counts now, by labels (cells of the same labels added up)."""
        with self.lock:
            cells = [(key, list(cell)) for key, cell in self.cells.items()]
            errors = list(self.errors.items())
            in_flight = self._flight[0]
        requests: dict[tuple[str, str, str], list[float]] = {}
        for (method, route, status), cell in cells:
            labels = (method, route_label(route), status_class(status))
            total = requests.get(labels)
            if total is None:
                requests[labels] = cell
            else:
                for i, n in enumerate(cell):
                    total[i] += n
        by_name: dict[str, int] = {}
        for cls, n in errors:
            name = cls.__qualname__
            by_name[name] = by_name.get(name, 0) + n
        return Snapshot(requests, by_name, in_flight)


def _gil_enabled() -> bool:
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return True if is_enabled is None else bool(is_enabled())


#: whether this interpreter runs one thread at a time (every CPython but a free-threaded build).
GIL = _gil_enabled()


def _gil_handlers(stats: RequestStats) -> Handlers:
    """The handlers for an interpreter with a GIL: no lock on the request path.

    PERF: a ``with lock:`` costs more than all the counting here (about 0.25 µs
    per request and level). With the GIL, CPython switches threads only at a
    call, a backward jump or a function's start (the "eval breaker"), never
    inside ``cell[i] += 1`` on a list of ints or floats (item read, add, item
    store: no call, no allocation the garbage collector tracks), so every
    update is whole and no count is lost. Inserting a new cell, the rare path,
    takes the lock; ``snapshot`` copies under it.
    """
    cells = stats.cells
    errors = stats.errors
    flight = stats._flight
    bounds = stats.bounds
    new_cell = stats._new_cell
    clock = perf_counter
    bisect = bisect_left
    arrived = ARRIVED
    not_arrived = NOT_ARRIVED
    lock = stats.lock

    def arrive(req: Any, res: Any) -> None:
        req.clink_metrics = arrived
        flight[0] += 1

    def respond(req: Any, res: Any) -> None:
        duration = clock() - req.start
        try:
            mark = req.clink_metrics
        except AttributeError:  # neither our level 1 nor our level 7 saw it
            mark = not_arrived
        try:
            cell = cells[req.method, req.route, res.status]
        except (KeyError, AttributeError, TypeError):
            cell = new_cell(req, res)
        i = bisect(bounds, duration)
        if mark is arrived:
            flight[0] -= 1
        elif mark is not not_arrived:  # a second pass (sending failed): move the record
            old_cell, old_i, old_duration = mark
            old_cell[old_i] -= 1
            old_cell[-1] -= old_duration
        cell[i] += 1
        cell[-1] += duration
        req.clink_metrics = (cell, i, duration)

    def fail(req: Any, res: Any, e: Any) -> None:
        if MARK not in req.__dict__:  # level 1 did not run for this request
            req.clink_metrics = not_arrived
        cls = e.__class__
        with lock:  # the error path: the lock costs nothing that matters here
            errors[cls] = errors.get(cls, 0) + 1

    return arrive, respond, fail


def _locked_handlers(stats: RequestStats) -> Handlers:
    """The handlers for a free-threaded interpreter: every update under the lock."""
    lock = stats.lock
    cells = stats.cells
    flight = stats._flight
    bounds = stats.bounds
    new_cell = stats._new_cell
    clock = perf_counter
    arrived = ARRIVED
    not_arrived = NOT_ARRIVED
    _, _, fail = _gil_handlers(stats)  # level 7 locks already

    def arrive(req: Any, res: Any) -> None:
        req.clink_metrics = arrived
        with lock:
            flight[0] += 1

    def respond(req: Any, res: Any) -> None:
        duration = clock() - req.start
        try:
            mark = req.clink_metrics
        except AttributeError:
            mark = not_arrived
        try:
            cell = cells[req.method, req.route, res.status]
        except (KeyError, AttributeError, TypeError):
            cell = new_cell(req, res)
        i = bisect_left(bounds, duration)
        with lock:
            if mark is arrived:
                flight[0] -= 1
            elif mark is not not_arrived:
                old_cell, old_i, old_duration = mark
                old_cell[old_i] -= 1
                old_cell[-1] -= old_duration
            cell[i] += 1
            cell[-1] += duration
        req.clink_metrics = (cell, i, duration)

    return arrive, respond, fail
