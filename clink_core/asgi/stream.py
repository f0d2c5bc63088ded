"""Streamed response bodies over ASGI: sync and async iterables, until the client leaves.

A sync iterable (a generator, ``send_file``'s chunks, SSE from a generator) is
read in a thread, one chunk at a time, since reading it may block; an async
iterable (an ``async def`` generator) is awaited on the loop. Two tasks run per
stream: one sends chunks, one waits for ``http.disconnect``. When the client
leaves first, the sender is cancelled (an async generator gets ``CancelledError``
at its ``await``), and the body is closed, so the generator's ``finally`` runs;
a sync generator busy in its thread is closed as soon as its ``next()`` returns.
Either way both tasks are done when ``stream`` returns: nothing is left behind.

A chunk that fails after the status went out is logged by the app's error level
(as WSGI's ``GuardedStream`` does) and the response is left unfinished, so the
server closes the connection: the client sees a truncated answer, never a
complete-looking one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor, Future
from typing import Any

from ..http.stream import StreamAbortedError, abort_stream, as_bytes

logger = logging.getLogger("clink.error")
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]
_END: Any = object()


#: body types that are never async iterables: what controllers set nearly always.
PLAIN_BODIES = frozenset({type(None), bytes, str, dict, list, tuple, int, float, bool})


def is_async_body(body: Any) -> bool:
    """Whether ``body`` is an async iterable and no sync one (an async generator)."""
    return hasattr(body, "__aiter__") and not hasattr(body, "__iter__")


class AsyncBody:
    """Stands in for an async iterable ``res.body`` while levels 5 and 6 run: a sync
    iterable of nothing, so they treat it as a stream (no JSON encoding, no length),
    holding the first chunk, taken before the status went out."""

    __slots__ = ("closed", "first", "source")

    def __init__(self, source: Any, first: bytes | None) -> None:
        self.source = source
        self.first = first
        self.closed = False

    @classmethod
    async def start(cls, source: Any) -> AsyncBody:
        """Take the first chunk of ``source``: its exceptions are an ordinary error answer."""
        iterator = source.__aiter__()
        try:
            first: bytes | None = as_bytes(await iterator.__anext__())
        except StopAsyncIteration:
            first = None
        except BaseException:
            await aclose(iterator)
            raise
        return cls(iterator, first)

    def __iter__(self) -> Any:
        return iter(())

    def close(self) -> None:
        self.closed = True  # level 6 closed it (HEAD, 304): ``aclose`` follows

    async def aclose(self) -> None:
        await aclose(self.source)


class AsyncStream:
    """The body of a response from an ``AsyncBody``: its chunks as bytes, a failure
    logged by the app's error level and turned into ``StreamAbortedError``."""

    def __init__(self, body: AsyncBody, req: Any, res: Any) -> None:
        self._body = body
        self._req = req
        self._res = res
        self._sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        first = self._body.first
        if first is not None:
            self._sent += len(first)
            yield first
        source = self._body.source
        while True:
            try:
                chunk = as_bytes(await source.__anext__())
            except StopAsyncIteration:
                return
            except Exception as e:
                self._fail(e)
            self._sent += len(chunk)
            yield chunk

    def _fail(self, e: Exception) -> None:
        abort_stream(self._req, self._res, self._req._stream_log, self._sent, e)

    async def aclose(self) -> None:
        await self._body.aclose()


async def aclose(source: Any) -> None:
    """Close an async iterator (its ``finally`` runs); a failure there is logged."""
    close = getattr(source, "aclose", None)
    if close is not None:
        try:
            await close()
        except Exception:
            logger.exception("closing a streamed response body failed")


async def finish(body: AsyncBody, result: Any, req: Any, res: Any) -> Any:
    """What level 6 returned for a response whose body is ``body``: the stream to send,
    or (HEAD, 304, a status without a body) ``result`` itself, ``body`` closed."""
    if isinstance(result, list):
        await body.aclose()
        return result
    close = getattr(result, "close", None)
    if close is not None:
        close()  # level 6's wrapper of the stand-in: nothing of the body's own
    return AsyncStream(body, req, res)


async def stream(
    body: Any, receive: Receive, send: Send, scope: dict[str, Any], executor: Executor
) -> None:
    """Send ``body`` (sync or async iterable) chunk by chunk until it ends or the client
    leaves; close it either way (see the module doc)."""
    pending: list[Future[Any]] = []  # the sync body's next() running in a thread
    sender = asyncio.ensure_future(_send_all(body, send, executor, pending))
    watcher = asyncio.ensure_future(_watch(receive))
    try:
        await asyncio.wait((sender, watcher), return_when=asyncio.FIRST_COMPLETED)
    finally:  # also when this task is cancelled (the server shutting down)
        for task in (sender, watcher):
            task.cancel()
        await asyncio.gather(sender, watcher, return_exceptions=True)
        await _close(body, executor, pending)
    if sender.cancelled():
        return  # the client left
    error = sender.exception()
    if error is None or isinstance(error, StreamAbortedError):
        return  # sent whole, or failed and logged by the error level: left unfinished
    logger.error(
        "%s %s: the response failed while streaming; the connection is closed",
        scope.get("method"), scope.get("path"), exc_info=(type(error), error, error.__traceback__),
    )


async def _send_all(
    body: Any, send: Send, executor: Executor, pending: list[Future[Any]]
) -> None:
    if hasattr(body, "__aiter__"):
        async for chunk in body:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    else:
        iterator = iter(body)
        while True:
            # PERF: one thread hop per chunk; a chunk is 64 KiB of a file or one event.
            future = executor.submit(next, iterator, _END)
            pending[:] = (future,)
            chunk = await asyncio.wrap_future(future)
            pending.clear()
            if chunk is _END:
                break
            await send({"type": "http.response.body", "body": as_bytes(chunk),
                        "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _watch(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _close(body: Any, executor: Executor, pending: list[Future[Any]]) -> None:
    if hasattr(body, "aclose"):
        await body.aclose()
        return
    close = getattr(body, "close", None)
    if close is None:
        return
    if pending and not pending[0].done():
        # the generator is running in its thread: close it once its next() returns
        pending[0].add_done_callback(lambda _: _close_quietly(close))
        return
    try:
        future = executor.submit(close)
    except RuntimeError:  # the executor was shut down (lifespan shutdown): close here
        _close_quietly(close)
        return
    try:
        await asyncio.wrap_future(future)
    except Exception:
        logger.exception("closing a streamed response body failed")


def _close_quietly(close: Callable[[], Any]) -> None:
    try:
        close()
    except Exception:
        logger.exception("closing a streamed response body failed")
