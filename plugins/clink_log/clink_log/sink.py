"""Where a log's text goes: a file reopened after rotation, or a standard stream.

A sink's ``write(text)`` is called by one ``LogWriter`` at a time (under its
lock) with whole lines only, and raises ``OSError`` when the text could not
be written.
"""

from __future__ import annotations

import os
import sys
import threading

#: how files are opened: appended to, created when missing, not inherited by exec.
OPEN_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
FILE_MODE = 0o640


class FileSink:
    """A file appended to with ``os.write`` on an ``O_APPEND`` descriptor.

    Before each write the path is ``stat``-ed and compared with the open
    descriptor (``logging.handlers.WatchedFileHandler``'s rule); if the file was
    renamed or removed, a new one is created at the path. The constructor opens
    the file, or raises ``OSError``.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.name = path
        self._fd = -1
        self._id: tuple[int, int] = (0, 0)
        self._open()

    def write(self, text: str) -> None:
        if self._fd < 0:
            raise OSError(f"{self.path} is closed")
        try:
            st = os.stat(self.path)
            moved = (st.st_dev, st.st_ino) != self._id
        except FileNotFoundError:
            moved = True
        if moved:
            self._open()
        view = memoryview(text.encode("utf-8", "backslashreplace"))
        while view:
            written = os.write(self._fd, view)
            view = view[written:]

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    @property
    def closed(self) -> bool:
        return self._fd < 0

    def _open(self) -> None:
        fd = os.open(self.path, OPEN_FLAGS, FILE_MODE)
        st = os.fstat(fd)
        old, self._fd, self._id = self._fd, fd, (st.st_dev, st.st_ino)
        if old >= 0:
            os.close(old)


#: one lock per standard stream: the request log and the error log share it.
_stream_locks = {"stdout": threading.Lock(), "stderr": threading.Lock()}


class StreamSink:
    """``sys.stdout`` or ``sys.stderr``, looked up at each write (so a stream that is
    replaced later, by a test runner or a server, is the one written to), flushed
    after each write. ``close()`` leaves the stream open."""

    def __init__(self, stream: str) -> None:
        if stream not in _stream_locks:
            raise ValueError(f"stream must be 'stdout' or 'stderr', got {stream!r}")
        self.name = f"<{stream}>"
        self.stream = stream
        self._closed = False

    def write(self, text: str) -> None:
        if self._closed:
            raise OSError(f"the clink-log writer of {self.name} is closed")
        out = getattr(sys, self.stream)
        if out is None:
            raise OSError(f"sys.{self.stream} is None (the process has no {self.stream})")
        with _stream_locks[self.stream]:
            out.write(text)
            out.flush()

    def close(self) -> None:
        self._closed = True

    @property
    def closed(self) -> bool:
        return self._closed


def _after_fork_in_child() -> None:
    for name in _stream_locks:
        _stream_locks[name] = threading.Lock()  # a lock held at fork stays held


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
