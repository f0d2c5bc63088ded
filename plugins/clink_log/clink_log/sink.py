"""Where a log's text goes: a file reopened after rotation, or a standard stream.

A sink's ``write(text)`` is called by one ``LogWriter`` at a time (under its
lock) with whole lines only, and raises ``OSError`` when the text could not
be written.
"""

from __future__ import annotations

import os
import select
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


#: the most bytes one ``write()`` to a pipe puts in it whole (POSIX: at least 512;
#: Linux 4096): lines written in pieces of at most this never mix with another
#: process's lines on the same pipe (gunicorn workers sharing a container's stdout).
PIPE_BUF = getattr(select, "PIPE_BUF", 512)


def pieces(data: bytes, size: int = PIPE_BUF) -> list[bytes]:
    """``data`` (whole lines) cut at line ends into pieces of at most ``size`` bytes; a
    single line longer than ``size`` is one piece of its own."""
    out: list[bytes] = []
    start, end = 0, len(data)
    while end - start > size:
        cut = data.rfind(b"\n", start, start + size) + 1
        if cut <= start:  # one long line: whole, up to its end
            cut = data.find(b"\n", start + size) + 1 or end
        out.append(data[start:cut])
        start = cut
    if start < end:
        out.append(data[start:])
    return out


class StreamSink:
    """``sys.stdout`` or ``sys.stderr``, looked up at each write (so a stream that is
    replaced later, by a test runner or a server, is the one written to).

    What the process printed before is flushed first; then the lines go straight to
    the stream's file descriptor in pieces of at most ``PIPE_BUF`` bytes that end at
    a line end, each one ``os.write``: on a pipe, lines of processes sharing it never
    interleave (a line longer than ``PIPE_BUF`` is written whole but may). A stream
    without a descriptor (``io.StringIO``, a test runner's capture) gets ``write()``
    and ``flush()``. ``close()`` leaves the stream open.
    """

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
            out.flush()
            try:
                fd = out.fileno()
            except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation too
                out.write(text)
                out.flush()
                return
            for piece in pieces(text.encode("utf-8", "backslashreplace")):
                view = memoryview(piece)
                while view:
                    view = view[os.write(fd, view):]

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
