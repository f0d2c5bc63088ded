"""Opening the two logs at load time: files in a directory (created), or a stream."""

from __future__ import annotations

import os
import stat

from .conf import MAX_PENDING
from .error import LogDirError
from .line import Render
from .writer import LogFile, LogStream, LogWriter, join_lines

REQUEST_LOG = "request.log"
ERROR_LOG = "error.log"
#: paths that name a standard stream rather than a directory.
_STREAM_PATHS = {
    "-": "stdout", "/dev/stdout": "stdout", "/dev/fd/1": "stdout", "/proc/self/fd/1": "stdout",
    "/dev/stderr": "stderr", "/dev/fd/2": "stderr", "/proc/self/fd/2": "stderr",
}


def check_not_a_stream(directory: str) -> None:
    """Raise ``LogDirError`` when ``directory`` names a standard stream (``/dev/stdout``,
    ``-``...): logs go there with ``CLINK_LOG_STREAM``, not as files in a directory."""
    stream = _STREAM_PATHS.get(directory.rstrip("/") or directory)
    if stream is not None:
        raise LogDirError(
            directory,
            f"it names the standard {stream} stream, not a directory; "
            f"set CLINK_LOG_STREAM={stream} (or LogConf(stream={stream!r})) instead of "
            "a directory",
        )


def prepare_dir(directory: str, default: bool = False) -> None:
    """Create ``directory`` if missing and check that log files can be made in it.

    ``default`` marks the shared default place (``/var/tmp/<app-name>``): there
    the directory must be a real directory owned by this user, not a link or
    another user's directory planted in the world-writable ``/var/tmp``.
    Raises ``LogDirError``.
    """
    check_not_a_stream(directory)
    try:
        st = os.stat(directory)
    except OSError:
        pass
    else:
        if not stat.S_ISDIR(st.st_mode):
            kind = "a file" if stat.S_ISREG(st.st_mode) else "a device, pipe or socket"
            raise LogDirError(directory, f"it exists and is {kind}, not a directory")
    try:
        os.makedirs(directory, mode=0o750 if default else 0o777, exist_ok=True)
    except OSError as e:
        raise LogDirError(directory, f"cannot create the directory ({_reason(e)})") from e
    if not os.path.isdir(directory):  # pragma: no cover - makedirs raises first
        raise LogDirError(directory, "it is not a directory")
    if default and hasattr(os, "geteuid"):
        st = os.lstat(directory)
        if os.path.islink(directory) or st.st_uid != os.geteuid():
            raise LogDirError(
                directory,
                "the default log directory is a link or belongs to another user",
            )
    if not os.access(directory, os.W_OK | os.X_OK):
        raise LogDirError(
            directory, "the directory is not writable (new files are made there on rotation)"
        )


def open_logs(
    directory: str,
    flush_interval: float = 1.0,
    default: bool = False,
    renders: tuple[Render, Render] = (join_lines, join_lines),
    max_pending: int = MAX_PENDING,
) -> tuple[LogFile, LogFile]:
    """``prepare_dir``, then open ``request.log`` and ``error.log`` with their ``render``
    functions; raises ``LogDirError``."""
    prepare_dir(directory, default)
    files: list[LogFile] = []
    for name, render in zip((REQUEST_LOG, ERROR_LOG), renders, strict=True):
        path = os.path.join(directory, name)
        try:
            files.append(LogFile(path, flush_interval, render, max_pending))
        except OSError as e:
            for opened in files:
                opened.close()
            raise LogDirError(directory, f"cannot open {name} for appending ({_reason(e)})") from e
    return files[0], files[1]


def open_streams(
    stream: str,
    flush_interval: float = 1.0,
    renders: tuple[Render, Render] = (join_lines, join_lines),
    max_pending: int = MAX_PENDING,
) -> tuple[LogWriter, LogWriter]:
    """The request log and the error log, both writing to ``sys.<stream>``."""
    request_log, error_log = (
        LogStream(stream, flush_interval, render, max_pending) for render in renders
    )
    return request_log, error_log


def _reason(e: OSError) -> str:
    return e.strerror or str(e)
