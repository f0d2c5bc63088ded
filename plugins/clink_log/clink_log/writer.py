"""Log files: whole lines appended with one ``write()``, reopened after rotation.

A ``LogFile`` queues items (finished lines, or records its ``render`` function
turns into lines) in a ``collections.deque`` — appending is atomic, so request
threads take no lock — and writes them with a single ``os.write`` on an
``O_APPEND`` descriptor, under the file's lock, when

- ``MAX_PENDING`` items are waiting (the request thread adding the last one
  writes them),
- ``flush_interval`` seconds passed since the last write (the background
  flusher thread checks every open file),
- ``flush()`` or ``close()`` is called, the process exits, or it forks,
- or at once for every item when ``flush_interval`` is 0.

Every write holds whole lines only, so with ``O_APPEND`` the lines of threads
and of processes sharing the file never interleave. Rendering records in
batches, off the request's path, is what keeps a logged request cheap.

Rotation: before each write the path is ``stat``-ed and compared with the open
descriptor (``logging.handlers.WatchedFileHandler``'s rule); if the file was
renamed or removed, a new one is created at the path, and the lines waiting
go there. A failed write (disk full, directory gone) never fails a request:
it is reported once on the ``clink_log`` logger, the lines are dropped, and
writing resumes when it works again.

Fork safety: queued lines are written before ``fork()``; a child starts with
an empty queue, new locks and its own flusher thread (gunicorn ``--preload``).
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
from typing import Any

#: lines that may wait before the request thread adding one more writes them.
MAX_PENDING = 512
#: how files are opened: appended to, created when missing, not inherited by exec.
OPEN_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
FILE_MODE = 0o640

logger = logging.getLogger("clink_log")


def join_lines(items: list[Any]) -> str:
    """The default ``render``: items are finished lines."""
    return "".join(items)


class LogFile:
    """One log file. ``write(item)`` queues an item; ``render(items)`` turns a batch
    of them into text (lines ending in ``\\n``) when they are written.

    Opening raises ``OSError`` when the file cannot be opened for appending.
    """

    def __init__(
        self,
        path: str,
        flush_interval: float = 1.0,
        render: Callable[[list[Any]], str] = join_lines,
    ) -> None:
        self.path = path
        self.flush_interval = flush_interval
        self.render = render
        #: the items waiting: the same deque for the file's whole life, so a
        #: handler may append to it directly and call ``flush()`` at ``limit``
        #: items (``write()`` inlined).
        self.queue: deque[Any] = deque()
        self._lock = threading.Lock()
        self._fd = -1
        self._id: tuple[int, int] = (0, 0)
        self._failing = False
        self._flushed_at = time.monotonic()
        self._open()
        #: queued items that make the adding thread flush (1: every item at once).
        self.limit = 1 if flush_interval == 0 else MAX_PENDING
        _track(self)

    # -- writing --------------------------------------------------------------
    def write(self, item: Any) -> None:
        """Queue one item; it is written within ``flush_interval`` seconds."""
        queue = self.queue
        queue.append(item)
        if len(queue) >= self.limit:
            self.flush()

    def flush(self) -> None:
        """Write every queued line now (one ``write()``); never raises."""
        with self._lock:
            self._flushed_at = time.monotonic()
            queue = self.queue
            n = len(queue)
            if not n:
                return
            # popleft n times: items appended meanwhile stay for the next flush.
            items = [queue.popleft() for _ in range(n)]
            try:
                self._write(self.render(items).encode("utf-8", "backslashreplace"))
            except Exception as e:  # OSError, or a record render() could not format
                if not self._failing:
                    self._failing = True
                    logger.error(
                        "clink-log: cannot write %s (%s: %s); lines are dropped",
                        self.path, type(e).__name__, e,
                    )
            else:
                if self._failing:
                    self._failing = False
                    logger.warning("clink-log: writing %s again", self.path)

    def close(self) -> None:
        """Write what is queued and close the file (later lines are dropped, and the
        first drop is reported)."""
        self._close()
        _untrack(self)

    def _close(self) -> None:
        self.flush()
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def __del__(self) -> None:
        # The WeakSet forgets this file by itself; taking its lock here could deadlock.
        with contextlib.suppress(Exception):  # e.g. at interpreter exit
            self._close()

    @property
    def closed(self) -> bool:
        return self._fd < 0

    # -- the file -------------------------------------------------------------
    def _open(self) -> None:
        fd = os.open(self.path, OPEN_FLAGS, FILE_MODE)
        st = os.fstat(fd)
        old, self._fd, self._id = self._fd, fd, (st.st_dev, st.st_ino)
        if old >= 0:
            os.close(old)

    def _write(self, data: bytes) -> None:
        if self._fd < 0:
            raise OSError(f"{self.path} is closed")
        try:
            st = os.stat(self.path)
            moved = (st.st_dev, st.st_ino) != self._id
        except FileNotFoundError:
            moved = True
        if moved:
            self._open()
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]

    def _after_fork_in_child(self) -> None:
        self._lock = threading.Lock()
        self.queue.clear()  # the parent writes these


# -- every open file: flushed by one thread, at exit and before fork ------------
_files: weakref.WeakSet[LogFile] = weakref.WeakSet()
_files_lock = threading.RLock()
_flusher: threading.Thread | None = None
_wake = threading.Event()


def _track(log_file: LogFile) -> None:
    with _files_lock:
        _files.add(log_file)
    if log_file.flush_interval > 0:
        _start_flusher()
        _wake.set()  # a shorter interval takes effect now


def _untrack(log_file: LogFile) -> None:
    with _files_lock:
        _files.discard(log_file)


def _live_files() -> list[LogFile]:
    with _files_lock:
        return list(_files)


def flush_all() -> None:
    """Write the queued lines of every open log file."""
    for log_file in _live_files():
        log_file.flush()


def _tick() -> float:
    intervals = [f.flush_interval for f in _live_files() if f.flush_interval > 0]
    return min(intervals, default=1.0)


def _flush_loop() -> None:
    while True:
        _wake.wait(_tick())
        _wake.clear()
        try:
            now = time.monotonic()
            for log_file in _live_files():
                interval = log_file.flush_interval
                if interval > 0 and now - log_file._flushed_at >= interval * 0.99:
                    log_file.flush()
        except Exception:  # pragma: no cover - flush() catches its own; stay alive
            logger.exception("clink-log: the flusher thread failed")


def _start_flusher() -> None:
    global _flusher
    with _files_lock:
        if _flusher is not None and _flusher.is_alive():
            return
        _flusher = threading.Thread(target=_flush_loop, name="clink-log-flusher", daemon=True)
        _flusher.start()


def _after_fork_in_child() -> None:
    global _flusher, _files_lock, _wake
    _files_lock = threading.RLock()
    _wake = threading.Event()
    _flusher = None  # the parent's thread does not exist here
    files = list(_files)
    for log_file in files:
        log_file._after_fork_in_child()
    if any(f.flush_interval > 0 for f in files):
        _start_flusher()


atexit.register(flush_all)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=flush_all, after_in_child=_after_fork_in_child)
