"""Errors of clink-log."""

from __future__ import annotations

from clink_core.plugin import ConfError


class LogDirError(OSError, ConfError):
    """The log directory cannot be created, or its log files cannot be written.

    Raised by ``App.load()``, never at a request; the message names the
    directory, the reason and how to choose another one, or a stream instead.
    A ``ConfError``, so the injector lets it through unwrapped.
    """

    def __init__(self, directory: str, reason: str) -> None:
        self.directory = directory
        self.reason = reason
        super().__init__(
            f"clink-log cannot write its logs in {directory!r}: {reason}. "
            "Choose a writable directory with LogConf(directory=...) or CLINK_LOG_DIR, "
            "or log to a stream with LogConf(stream='stdout') or CLINK_LOG_STREAM=stdout "
            "(or stderr)"
        )
