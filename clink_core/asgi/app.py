"""``app.asgi``: the same app served over ASGI (uvicorn, granian, hypercorn).

The controllers, plugins, levels and router are the WSGI app's, compiled once
at ``load()``; this adapter reads the request body as it arrives (refusing a
body over the limit before buffering it), runs the async request loop
(``pipeline.run_async``) and turns what level 6 sends into ASGI messages,
streaming iterables and async iterables chunk by chunk until the client leaves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..pipeline.run_async import build_async_runner, route_modes
from ..routing.mapper import INLINE_KEY
from .scope import body_length, environ
from .websocket import serve_websocket

logger = logging.getLogger("clink.error")
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]
_END = object()
#: threads that run plain (blocking) controller methods, per app.
THREADS = 40


def _no_write(data: bytes) -> None:
    raise RuntimeError("the ASGI adapter takes the response body from the returned iterable")


class AsgiApp:
    """The ASGI 3 application of a loaded ``App`` (``app.asgi`` builds it once)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._executor = ThreadPoolExecutor(THREADS, thread_name_prefix="clink-asgi")
        self._run: Callable[..., Any] | None = None
        self._limit: int = app.conf.max_body

    def _runner(self) -> Callable[..., Any]:
        app = self.app
        if not app.loaded:
            app.load()
        self._run = build_async_runner(
            app.levels, app.request_type, app.response_type, app.bare_500,
            route_modes(app.router.routes, INLINE_KEY), self._executor,
        )
        return self._run

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            await serve_websocket(self.app, scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        else:
            raise ValueError(f"clink's ASGI app does not serve {kind!r} scopes")

    # -- lifespan ----------------------------------------------------------------
    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    if self._run is None:
                        self._runner()
                except Exception as e:
                    logger.exception("the app failed to start")
                    await send({"type": "lifespan.startup.failed",
                                "message": f"{type(e).__name__}: {e}"})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                try:
                    await asyncio.get_running_loop().run_in_executor(None, self.app.close)
                finally:
                    self._executor.shutdown(wait=False, cancel_futures=True)
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- http ----------------------------------------------------------------------
    async def _http(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        run = self._run or self._runner()
        length, has_body = body_length(scope)
        body = b""
        if has_body and (length is None or 0 <= length <= self._limit):
            read = await _read_body(receive, self._limit)
            if read is None:
                return  # the client left before sending its body: nobody to answer
            body = read
        started: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            started[:] = (status, headers)
            return _no_write

        result = await run(environ(scope, body), start_response)
        status, headers = started
        await send({
            "type": "http.response.start",
            "status": int(status[:3]),
            # Names as the app wrote them: servers lower-case them where HTTP/2 needs it.
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        })
        if isinstance(result, list) and len(result) <= 1:
            await send({"type": "http.response.body", "body": result[0] if result else b""})
            return
        await _stream(result, receive, send, scope)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The request body, at most ``limit + 1`` bytes (level 0 answers 413 past ``limit``);
    ``None`` when the client disconnects first."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        if chunk:
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                break  # enough to know it is too large: the rest is never buffered
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _stream(result: Any, receive: Receive, send: Send, scope: dict[str, Any]) -> None:
    """Send an iterable (or async iterable) body chunk by chunk; stop when the client leaves."""
    gone = asyncio.Event()

    async def watch() -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                gone.set()
                return

    watcher = asyncio.ensure_future(watch())
    loop = asyncio.get_running_loop()
    try:
        if hasattr(result, "__aiter__"):
            async for chunk in result:
                if gone.is_set():
                    return
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        else:
            iterator = iter(result)
            while not gone.is_set():
                # a plain iterator may block (a file, a generator waiting): read in a thread
                chunk = await loop.run_in_executor(None, next, iterator, _END)
                if chunk is _END:
                    break
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        if not gone.is_set():
            await send({"type": "http.response.body", "body": b"", "more_body": False})
    except Exception:
        logger.exception(
            "%s %s: the response failed while streaming; the connection is closed",
            scope.get("method"), scope.get("path"),
        )
    finally:
        watcher.cancel()
        close = getattr(result, "aclose", None) or getattr(result, "close", None)
        if close is not None:
            try:
                done = close()
                if hasattr(done, "__await__"):
                    await done
            except Exception:
                logger.exception("closing a streamed response body failed")
