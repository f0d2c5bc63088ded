"""Files as response bodies: ``res.send_file`` opens them, the sending level sends them.

A path given with a ``root`` must stay inside it: ``..``, an absolute path or a
symbolic link leading out is a 404, as is a missing file or one that is not a
regular file (a 404 says nothing about what exists outside).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from typing import IO, Any
from urllib.parse import quote

from ..error.http import Http404Error
from ..mime.type import MIME_OCTET_STREAM

#: bytes read at a time when the server offers no ``wsgi.file_wrapper``.
BLOCK_SIZE = 64 * 1024
_NOT_FOUND = "no such file"


class FileBody:
    """An open file a response sends: its size and modification time when known."""

    __slots__ = ("file", "mtime", "mtime_ns", "name", "offset", "size")

    def __init__(
        self,
        file: IO[bytes],
        size: int | None,
        mtime_ns: int | None,
        name: str,
        offset: int = 0,
    ) -> None:
        self.file = file
        #: bytes to send (from ``offset``), ``None`` when the file cannot tell.
        self.size = size
        #: the modification time in nanoseconds (exact, for the entity tag) and seconds.
        self.mtime_ns = mtime_ns
        self.mtime = None if mtime_ns is None else mtime_ns / 1e9
        self.name = name
        #: where the file stood when given: byte 0 of what is sent.
        self.offset = offset

    def close(self) -> None:
        self.file.close()

    def chunks(self, start: int = 0, stop: int | None = None) -> FileChunks:
        """An iterable of the bytes ``start`` to ``stop`` (exclusive) that closes the file."""
        if start:
            self.file.seek(self.offset + start)
        return FileChunks(self.file, None if stop is None else stop - start)


class FileChunks:
    """Reads a file in ``BLOCK_SIZE`` blocks, ``length`` bytes at most; ``close()``
    (called by every WSGI server) closes the file."""

    __slots__ = ("_file", "_left")

    def __init__(self, file: IO[bytes], length: int | None) -> None:
        self._file = file
        self._left = length

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        left = self._left
        if left is not None and left <= 0:
            raise StopIteration
        data = self._file.read(BLOCK_SIZE if left is None else min(BLOCK_SIZE, left))
        if not data:
            raise StopIteration
        if left is not None:
            self._left = left - len(data)
        return data

    def close(self) -> None:
        self._file.close()


def _inside(root: str, path: str | os.PathLike[str]) -> str:
    """The real path of ``path`` under ``root``; 404 when it leads out of ``root``."""
    try:
        base = os.path.realpath(root)
        real = os.path.realpath(os.path.join(base, os.fspath(path)))
        if os.path.commonpath([base, real]) != base:
            raise Http404Error(_NOT_FOUND)
    except (ValueError, OSError):  # NUL bytes, different drives, ...
        raise Http404Error(_NOT_FOUND) from None
    return real


def open_file(path_or_file: Any, root: str | os.PathLike[str] | None = None) -> FileBody:
    """Open a path (inside ``root`` when given) or take an open binary file."""
    if isinstance(path_or_file, (str, os.PathLike)):
        if root is not None:
            path = _inside(os.fspath(root), path_or_file)
        else:
            path = os.fspath(path_or_file)
        try:
            file = open(path, "rb")  # noqa: SIM115 - the response closes it
        except (OSError, ValueError):
            raise Http404Error(_NOT_FOUND) from None
        try:
            st = os.fstat(file.fileno())
            # The file opened is the one checked (no symbolic link swapped in between).
            same = root is None or os.path.samestat(st, os.stat(path))
        except OSError:
            same = False
        if not same or not stat.S_ISREG(st.st_mode):
            file.close()
            raise Http404Error(_NOT_FOUND)
        return FileBody(file, st.st_size, st.st_mtime_ns, path)
    if not hasattr(path_or_file, "read"):
        raise TypeError(
            f"send_file takes a path or an open binary file, got {type(path_or_file).__name__}"
        )
    size, mtime, offset = _measure(path_or_file)
    name = getattr(path_or_file, "name", "")
    return FileBody(path_or_file, size, mtime, name if isinstance(name, str) else "", offset)


def _measure(file: Any) -> tuple[int | None, int | None, int]:
    """Size left from the position, mtime (ns) and position of an open file object."""
    try:
        st = os.fstat(file.fileno())
        if stat.S_ISREG(st.st_mode):
            here = file.tell()
            return st.st_size - here, st.st_mtime_ns, here
    except (AttributeError, OSError, ValueError):
        pass
    try:
        if file.seekable():
            here = file.tell()
            end = file.seek(0, os.SEEK_END)
            file.seek(here)
            return end - here, None, here
    except (AttributeError, OSError, ValueError):
        pass
    return None, None, 0


def guess_type(name: str | None) -> str:
    """The media type of a file name's extension, ``application/octet-stream`` if unknown."""
    if name:
        # PERF: imported by the first file sent, not with clink_core.
        import mimetypes

        found, _ = mimetypes.guess_type(name, strict=False)
        if found:
            return found
    return MIME_OCTET_STREAM


def disposition(download_name: str) -> str:
    """``attachment; filename="..."`` with an ASCII fallback and RFC 8187 ``filename*``."""
    name = os.path.basename(download_name.replace("\\", "/")) or "download"
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\%' else "_" for c in name
    )
    value = f'attachment; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


def etag_of(body: FileBody) -> str | None:
    """``"<mtime ns>-<size>"`` in hex (nginx uses seconds; nanoseconds tell apart two
    writes within a second), when both are known."""
    if body.mtime_ns is None or body.size is None:
        return None
    return f'"{body.mtime_ns:x}-{body.size:x}"'
