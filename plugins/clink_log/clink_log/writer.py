"""Log writers: records queued by requests, formatted and written by one background thread.

A ``LogWriter`` queues items (records its ``render`` function turns into
lines, or finished lines) in a ``collections.deque`` — appending is atomic, so
request threads take no lock and format nothing — and the writer thread
(``clink-log-writer``, one per process for every log) renders them in batches
and hands the text to the log's sink (``sink.FileSink``, ``sink.StreamSink``)
in one write, under the log's lock, when

- ``BATCH`` items are waiting (the request thread adding the one that reaches
  it wakes the writer thread),
- ``flush_interval`` seconds passed since the last write (the thread checks
  every open log),
- ``flush()`` or ``close()`` is called, the process exits, or it forks;
- with ``flush_interval`` 0, every item is written at once by the thread that
  adds it.

Every write holds whole lines only, so with ``O_APPEND`` the lines of threads
and of processes sharing a file never interleave.

The queue is bounded: an item that finds ``max_pending`` items waiting (the
writer cannot keep up, or the sink blocks) is dropped, and counted
(``dropped``); the next write ends with one line saying how many records were
dropped since the last one (``render_dropped``). A failed write (disk full,
directory gone, stream closed) never fails a request either: it is reported
once on the ``clink_log`` logger, the records of that batch are dropped and
counted the same way, and writing resumes when it works again.

Fork safety: queued lines are written before ``fork()``; a child starts with
an empty queue, new locks and its own writer thread (gunicorn ``--preload``).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from itertools import repeat, starmap
from typing import Any

from .conf import MAX_PENDING
from .sink import FileSink, StreamSink

#: waiting items at which the request thread adding one wakes the writer thread.
# PERF: a large batch means few wake-ups, each a hand-over of the GIL between the
# request thread and the writer thread (on a busy machine, a wait for a core too).
BATCH = 16384

logger = logging.getLogger("clink_log")

Sink = FileSink | StreamSink


def join_lines(items: list[Any]) -> str:
    """The default ``render``: items are finished lines."""
    return "".join(items)


def dropped_line(n: int) -> str:
    """The default ``render_dropped``: the line that says ``n`` records were dropped."""
    return f"dropped {n} records\n"


class LogWriter:
    """One log. ``write(item)`` queues an item; ``render(items)`` turns a batch of
    them into text (lines ending in ``\\n``) when they are written to ``sink``.

    ``dropped`` counts the items dropped so far (queue full, or a failed write).
    """

    def __init__(
        self,
        sink: Sink,
        flush_interval: float = 1.0,
        render: Callable[[list[Any]], str] = join_lines,
        max_pending: int = MAX_PENDING,
        render_dropped: Callable[[int], str] = dropped_line,
    ) -> None:
        self.sink = sink
        self.flush_interval = flush_interval
        self.render = render
        self.render_dropped = render_dropped
        self.max_pending = max_pending
        #: the items waiting: the same deque for the log's whole life, so a
        #: handler may append to it directly while ``len(queue) < limit``, and
        #: call ``full(item)`` instead when it is not (``write()`` inlined).
        self.queue: deque[Any] = deque()
        #: waiting items the writer thread writes as soon as they are there: ``BATCH``,
        #: or half the bound when that is smaller, so the writer is woken before drops.
        self.batch = max(1, min(BATCH, max_pending // 2))
        #: an item that finds this many waiting goes through ``full()`` (which
        #: writes at once, wakes the writer thread or drops the item).
        self.limit = 0 if flush_interval == 0 else self.batch - 1
        #: items dropped since the log was opened.
        self.dropped = 0
        self._unreported = 0  # dropped since the last line that said so
        self._lock = threading.Lock()
        self._drop_lock = threading.Lock()
        self._failing = False
        self._flushed_at = time.monotonic()
        _track(self)

    @property
    def name(self) -> str:
        return self.sink.name

    # -- adding (request threads) ---------------------------------------------
    def write(self, item: Any) -> None:
        """Queue one item; it is written within ``flush_interval`` seconds."""
        queue = self.queue
        if len(queue) < self.limit:
            queue.append(item)
        else:
            self.full(item)

    def full(self, item: Any) -> None:
        """Add ``item`` to a queue holding ``limit`` items or more: write at once
        (``flush_interval`` 0), wake the writer thread (a batch is ready), or drop the
        item when ``max_pending`` are waiting."""
        queue = self.queue
        if self.flush_interval == 0:
            queue.append(item)
            self.flush()
        elif len(queue) < self.max_pending:
            queue.append(item)
            _wake_writer()
        else:
            with self._drop_lock:
                self._unreported += 1
                self.dropped += 1
            _wake_writer()

    # -- writing (the writer thread, flush(), exit, fork) -----------------------
    def flush(self) -> None:
        """Write every queued line now (one write); never raises."""
        with self._lock:
            self._flushed_at = time.monotonic()
            queue = self.queue
            n = len(queue)
            with self._drop_lock:
                unreported, self._unreported = self._unreported, 0
            if not n and not unreported:
                return
            # popleft n times (a C loop): items appended meanwhile stay for the next flush.
            items = list(starmap(queue.popleft, repeat((), n)))
            try:
                text = self.render(items)
                if unreported:
                    text += self.render_dropped(unreported)
                self.sink.write(text)
            except Exception as e:  # OSError, or a record render() could not format
                with self._drop_lock:
                    self._unreported += unreported + n  # said in the next line written
                    self.dropped += n
                if not self._failing:
                    self._failing = True
                    logger.error(
                        "clink-log: cannot write %s (%s: %s); lines are dropped",
                        self.name, type(e).__name__, e,
                    )
            else:
                if self._failing:
                    self._failing = False
                    logger.warning("clink-log: writing %s again", self.name)

    def due(self, now: float) -> bool:
        """Whether the writer thread should write this log now."""
        if len(self.queue) >= self.batch or self._unreported:
            return True
        interval = self.flush_interval
        return interval > 0 and now - self._flushed_at >= interval * 0.99 and bool(self.queue)

    def close(self) -> None:
        """Write what is queued and close the sink (later lines are dropped, and the
        first drop is reported)."""
        self._close()
        _untrack(self)

    def _close(self) -> None:
        self.flush()
        with self._lock:
            self.sink.close()

    def __del__(self) -> None:
        # The WeakSet forgets this log by itself; taking its lock here could deadlock.
        with contextlib.suppress(Exception):  # e.g. at interpreter exit
            self._close()

    @property
    def closed(self) -> bool:
        return self.sink.closed

    def _after_fork_in_child(self) -> None:
        self._lock = threading.Lock()
        self._drop_lock = threading.Lock()
        self.queue.clear()  # the parent writes these
        self._unreported = 0


class LogFile(LogWriter):
    """A log written to the file ``path`` (opened here, or ``OSError``)."""

    def __init__(
        self,
        path: str,
        flush_interval: float = 1.0,
        render: Callable[[list[Any]], str] = join_lines,
        max_pending: int = MAX_PENDING,
        render_dropped: Callable[[int], str] = dropped_line,
    ) -> None:
        self.path = path
        super().__init__(FileSink(path), flush_interval, render, max_pending, render_dropped)


class LogStream(LogWriter):
    """A log written to ``sys.stdout`` or ``sys.stderr`` (``stream``)."""

    def __init__(
        self,
        stream: str,
        flush_interval: float = 1.0,
        render: Callable[[list[Any]], str] = join_lines,
        max_pending: int = MAX_PENDING,
        render_dropped: Callable[[int], str] = dropped_line,
    ) -> None:
        self.stream = stream
        super().__init__(StreamSink(stream), flush_interval, render, max_pending, render_dropped)


# -- every open log: written by one thread, at exit and before fork -----------------
_logs: weakref.WeakSet[LogWriter] = weakref.WeakSet()
_logs_lock = threading.RLock()
_thread: threading.Thread | None = None
_wake = threading.Event()


def _wake_writer() -> None:
    if not _wake.is_set():
        _wake.set()


def _track(log: LogWriter) -> None:
    with _logs_lock:
        _logs.add(log)
    if log.flush_interval > 0:
        _start_thread()
        _wake.set()  # a shorter interval takes effect now


def _untrack(log: LogWriter) -> None:
    with _logs_lock:
        _logs.discard(log)


def _live_logs() -> list[LogWriter]:
    with _logs_lock:
        return list(_logs)


def flush_all() -> None:
    """Write the queued lines of every open log."""
    for log in _live_logs():
        log.flush()


def _tick() -> float:
    intervals = [log.flush_interval for log in _live_logs() if log.flush_interval > 0]
    return min(intervals, default=1.0)


def _write_loop() -> None:
    while True:
        _wake.wait(_tick())
        _wake.clear()
        try:
            now = time.monotonic()
            for log in _live_logs():
                if log.due(now):
                    log.flush()
        except Exception:  # pragma: no cover - flush() catches its own; stay alive
            logger.exception("clink-log: the writer thread failed")


def _start_thread() -> None:
    global _thread
    with _logs_lock:
        if _thread is not None and _thread.is_alive():
            return
        _thread = threading.Thread(target=_write_loop, name="clink-log-writer", daemon=True)
        _thread.start()


def _after_fork_in_child() -> None:
    global _thread, _logs_lock, _wake
    _logs_lock = threading.RLock()
    _wake = threading.Event()
    _thread = None  # the parent's thread does not exist here
    logs = list(_logs)
    for log in logs:
        log._after_fork_in_child()
    if any(log.flush_interval > 0 for log in logs):
        _start_thread()


atexit.register(flush_all)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=flush_all, after_in_child=_after_fork_in_child)
