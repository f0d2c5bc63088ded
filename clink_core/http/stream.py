"""Streamed response bodies: an iterable of bytes sent as it is produced.

The first chunk is taken before the status line goes out, so an exception
there is an ordinary error response (a JSON 500). An exception after that
cannot change what was sent: it is logged by the app's error-logging level
(8) as a 500, and ``StreamAbortedError`` is raised to the server, which
closes the connection without ending the body (no final chunk), so the
client sees a truncated answer, never a complete-looking one and never a hang.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NoReturn

logger = logging.getLogger("clink.error")

#: what a stream calls with ``(req, res, e)`` when it fails; the app's level 8.
LogError = Callable[[Any, Any, BaseException], Any]



def abort_stream(
    req: Any, res: Any, log: Callable[[Any, Any, Exception], Any], sent: int, e: Exception
) -> NoReturn:
    """A body source failed after ``sent`` bytes: the error level logs ``e`` (``log``) with
    the status 500, then ``StreamAbortedError`` makes the server close the connection."""
    res.status = 500  # what the log reports: the answer failed
    try:
        log(req, res, e)
    except Exception:
        logger.exception("the error-logging level failed on a streamed response")
    raise StreamAbortedError(
        f"{getattr(req, 'method', None)} {getattr(req, 'path', None)}: the streamed "
        f"response failed after {sent} bytes ({type(e).__name__}; logged by the "
        "error-logging level): the connection is closed"
    ) from None

class StreamAbortedError(RuntimeError):
    """A streamed response failed after it started; the connection must be closed."""


class StreamChunkError(TypeError):
    """A streamed body produced something that is not bytes or str."""


def is_stream(body: Any) -> bool:
    """Whether a body is sent as a stream: an iterable other than str, bytes, dict,
    list or tuple (lists and tuples are JSON on a JSON response)."""
    return hasattr(body, "__iter__") and not isinstance(
        body, (str, bytes, bytearray, memoryview, dict, list, tuple)
    )


def as_bytes(chunk: Any) -> bytes:
    """A chunk as bytes: str is encoded as UTF-8."""
    if chunk.__class__ is bytes:
        return bytes(chunk)
    if isinstance(chunk, str):
        return chunk.encode("utf-8")
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return bytes(chunk)
    raise StreamChunkError(
        f"a streamed response body yielded a {type(chunk).__name__}: yield bytes or str"
    )


def log_to_logger(req: Any, res: Any, e: BaseException) -> None:
    """The default when no app is bound: the ``clink.error`` logger."""
    logger.error(
        "%s %s: streamed response failed: %s: %s", getattr(req, "method", None),
        getattr(req, "path", None), type(e).__name__, e, exc_info=(type(e), e, e.__traceback__),
    )


_NOTHING: Any = object()


class GuardedStream:
    """The WSGI body of a streamed response: the chunks as bytes, each failure logged."""

    __slots__ = ("_first", "_it", "_log", "_req", "_res", "_sent", "_source")

    def __init__(self, source: Iterable[Any], req: Any, res: Any, log: LogError) -> None:
        self._source = source
        self._it = iter(source)
        self._req = req
        self._res = res
        self._log = log
        self._sent = 0
        self._first = _NOTHING

    def prefetch(self) -> None:
        """Take the first chunk now; its exceptions propagate to the caller unchanged."""
        try:
            self._first = as_bytes(next(self._it))
        except StopIteration:
            self._first = b""
        except BaseException:
            self.close()
            raise

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        first = self._first
        if first is not _NOTHING:
            self._first = _NOTHING
            self._sent += len(first)
            return first  # type: ignore[no-any-return]
        try:
            chunk = as_bytes(next(self._it))
        except StopIteration:
            raise
        except Exception as e:
            self._fail(e)
        self._sent += len(chunk)
        return chunk

    def _fail(self, e: Exception) -> Any:
        abort_stream(self._req, self._res, self._log, self._sent, e)

    def close(self) -> None:
        close = getattr(self._source, "close", None)
        if close is not None:
            close()
