"""``app.asgi``: the same app served over ASGI (uvicorn, granian, hypercorn).

The controllers, plugins, levels and router are the WSGI app's, compiled once
at ``load()``. Per request this adapter reads the body as it arrives (``body``:
refused past the limit before it is buffered), builds the WSGI environ the
levels read (``scope``), runs the async request loop (``pipeline.run_async``)
and turns what level 6 sends into ASGI messages: one message for a body in
memory, chunk by chunk for iterables and async iterables until the client
leaves (``stream``). The lifespan's startup loads the app and its shutdown
runs the plugins' ``clink_shutdown``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import CoroutineType
from typing import IO, Any

from ..pipeline.run_async import build_async_runner, route_modes
from ..routing.mapper import INLINE_KEY
from .body import TOO_LARGE_KEY, ClientGoneError, read_body
from .scope import env_body_length, environ
from .stream import stream
from .websocket import build_websocket_runner, check_websocket_routes

logger = logging.getLogger("clink.error")
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]
#: threads that run plain (blocking) controller methods, per app.
THREADS = 40
#: threads that read sync streamed bodies (files, generators), per app: apart from the
#: controllers' so that slow streams (SSE clients) never hold up requests.
STREAM_THREADS = 100


def _wants_body(env: dict[str, Any], scope: dict[str, Any], limit: int) -> bool:
    """Whether the request announces a body this app reads: none over its limit, which
    level 0 refuses from the Content-Length alone."""
    length, has_body = env_body_length(env, scope)
    return has_body and (length is None or 0 <= length <= limit)


class AsgiApp:
    """The ASGI 3 application of an ``App`` (``app.asgi`` builds it once); it loads the
    app at the lifespan's startup, or at the first request when the server runs none."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._executor = ThreadPoolExecutor(THREADS, thread_name_prefix="clink-asgi")
        self._streams = ThreadPoolExecutor(STREAM_THREADS, thread_name_prefix="clink-stream")
        self._run: Callable[..., Any] | None = None
        self._ws: Callable[..., Any] | None = None
        self._limit: int = app.conf.max_body

    def _runner(self) -> Callable[..., Any]:
        app = self.app
        if not app.loaded:
            app.load()
        check_websocket_routes(app.ws_router.routes)
        self._ws = build_websocket_runner(app)
        self._run = build_async_runner(
            app.levels, app.request_type, app.response_type, app.bare_500,
            route_modes(app.router.routes, INLINE_KEY), self._executor,
        )
        return self._run

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._other(scope, receive, send)
            return
        # PERF: an HTTP request is served in this one coroutine: run_async's runner is a
        # plain call that returns the body unless the request has to wait.
        run = self._run or self._runner()
        env = environ(scope, None)
        body: IO[bytes] | None = None
        # PERF: no Content-Length and no Transfer-Encoding (a GET): no body to look at.
        if ("CONTENT_LENGTH" in env or "HTTP_TRANSFER_ENCODING" in env) and _wants_body(
            env, scope, self._limit
        ):
            try:
                body, too_large = await read_body(receive, self._limit)
            except ClientGoneError:
                return  # nobody to answer, nothing started for it
            env["wsgi.input"] = body
            if too_large:
                env[TOO_LARGE_KEY] = self._limit
        try:
            answer = run(env)
            if answer.__class__ is CoroutineType:  # the request had to wait (see run_async)
                answer = await answer
            code, fields, result = answer
            await send({
                "type": "http.response.start",
                "status": code,
                # Names as the app wrote them: servers lower-case them where HTTP/2 needs it.
                "headers": fields,
            })
            # PERF: a body in memory (nearly every answer) is one message.
            if isinstance(result, list) and len(result) <= 1:
                await send({"type": "http.response.body", "body": result[0] if result else b""})
            else:
                await stream(result, receive, send, scope, self._streams)
        finally:
            if body is not None:
                body.close()

    async def _other(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "websocket":
            if self._ws is None:
                self._runner()
            assert self._ws is not None  # built with the HTTP runner
            await self._ws(scope, receive, send)
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
                    # clink_shutdown may block (draining a mail queue): off the loop
                    try:
                        await asyncio.get_running_loop().run_in_executor(None, self.app.close)
                    except RuntimeError:  # at interpreter exit no thread can start: here
                        self.app.close()
                except Exception as e:
                    logger.exception("the app failed to shut down")
                    await send({"type": "lifespan.shutdown.failed",
                                "message": f"{type(e).__name__}: {e}"})
                    return
                finally:
                    self._executor.shutdown(wait=False, cancel_futures=True)
                    self._streams.shutdown(wait=False, cancel_futures=True)
                await send({"type": "lifespan.shutdown.complete"})
                return
