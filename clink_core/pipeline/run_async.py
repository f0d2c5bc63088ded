"""The request loop for ASGI: the same compiled levels, in the same order, awaited.

Levels run exactly as in ``run`` (0 to 6; 7, 5, 8, 9 on an exception). A handler
written ``async def`` is awaited; a plain one is called inline, on the event loop
— level handlers are the pipeline's cheap steps (parsing, headers, logging) and
must not block. The main handler (the controller method) is dispatched by what it
is, decided once per route at ``load()``: ``async def`` is awaited, a method
marked ``@mapper.inline`` is called on the loop, and any other plain method runs
in a thread pool, because a plain method may block (pymongo, SMTP) and would stall
every other request of the loop. An async iterable ``res.body`` (an ``async def``
generator) is started here, its first chunk awaited before level 5, and streamed by
the ASGI adapter (``clink_core.asgi.stream``).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from time import perf_counter
from typing import Any

from ..error.http import Http413Error
from .compile import is_async

logger = logging.getLogger("clink.error")

#: how a route's main handler is called.
ASYNC, INLINE, THREAD = "async", "inline", "thread"


def _split(funcs: tuple[Callable[..., Any], ...]) -> tuple[tuple[Callable[..., Any], bool], ...]:
    return tuple((f, is_async(f)) for f in funcs)


async def _call_all(handlers: tuple[tuple[Callable[..., Any], bool], ...], *args: Any) -> None:
    for handle, awaited in handlers:
        if awaited:
            await handle(*args)
        else:
            handle(*args)


async def _call_one(handle: Callable[..., Any], *args: Any) -> Any:
    result = handle(*args)
    if is_async(handle) or (result is not None and hasattr(result, "__await__")):
        return await result
    return result


def build_async_runner(
    levels: dict[int, Any],
    request_type: type,
    response_type: type,
    bare_500: tuple[str, list[tuple[str, str]], bytes],
    modes: dict[Any, str],
    executor: Executor | None,
) -> Callable[..., Any]:
    """``await run(env, wsgi_send) -> body iterable``: the levels over one request.

    ``wsgi_send`` is a WSGI ``start_response`` the ASGI adapter turns into
    messages, so levels 6 and 9 (and a plugin replacing them) work unchanged.
    ``modes`` maps a ``Route`` to ``ASYNC``, ``INLINE`` or ``THREAD``; a route
    it does not name is called inline (the kernel's own: OPTIONS, OpenAPI, health).
    """
    recv = levels[0]
    lv1 = _split(levels[1])
    route = levels[2]
    lv3 = _split(levels[3])
    lv5 = _split(levels[5])
    send = levels[6]
    lv7 = _split(levels[7])
    log_error = levels[8]
    send_error = levels[9]
    status_500, headers_500, body_500 = bare_500
    # Here, not at the top: clink_core.asgi imports this module.
    from ..asgi.body import TOO_LARGE_KEY as too_large_key
    from ..asgi.stream import AsyncBody, finish, is_async_body

    new = object.__new__
    clock = perf_counter
    get_mode = modes.get

    async def fail(req: Any, res: Any, e: Exception, wsgi_send: Callable[..., Any]) -> Any:
        try:
            await _call_all(lv7, req, res, e)
            await _call_all(lv5, req, res)
            await _call_one(log_error, req, res, e)
            return await _call_one(send_error, req, res, wsgi_send)
        except Exception as e2:
            logger.error(
                "error while answering %s %s (first error: %s: %s)",
                getattr(req, "method", None), getattr(req, "path", None), type(e).__name__, e,
                exc_info=(type(e2), e2, e2.__traceback__),
            )
            wsgi_send(status_500, list(headers_500))
            return [body_500]

    # PERF: single levels are nearly always plain functions: decided here, once.
    recv_async, route_async, send_async = is_async(recv), is_async(route), is_async(send)

    async def run(wsgi_env: dict[str, Any], wsgi_send: Callable[..., Any]) -> Any:
        req: Any = new(request_type)
        req.start = clock()
        req.route = None
        res = response_type()
        pending: Any = None
        try:
            if recv_async:
                await recv(req, res, wsgi_env)
            else:
                recv(req, res, wsgi_env)
            if too_large_key in wsgi_env:  # a chunked body found over the limit as it came
                raise Http413Error(
                    f"request body is larger than {wsgi_env[too_large_key]} bytes"
                )
            for handle, awaited in lv1:
                if awaited:
                    await handle(req, res)
                else:
                    handle(req, res)
            main = (await route(req)) if route_async else route(req)
            for handle, awaited in lv3:
                if awaited:
                    await handle(req, res)
                else:
                    handle(req, res)
            if get_mode(req.route, INLINE) is THREAD:
                call = functools.partial(contextvars.copy_context().run, main, req, res)
                result = await asyncio.get_running_loop().run_in_executor(executor, call)
            else:
                result = main(req, res)
            if result is not None and hasattr(result, "__await__"):
                await result
            body = res.body
            if body is not None and body.__class__ is not bytes and is_async_body(body):
                # An async iterable body: its first chunk now (an error is an ordinary
                # answer), a sync stand-in through levels 5 and 6, streamed after.
                pending = res.body = await AsyncBody.start(body)
            for handle, awaited in lv5:
                if awaited:
                    await handle(req, res)
                else:
                    handle(req, res)
            out = (await send(req, res, wsgi_send)) if send_async else send(req, res, wsgi_send)
            if pending is not None:
                return await finish(pending, out, req, res)
            return out
        except Exception as e:
            if pending is not None:
                await pending.aclose()
            return await fail(req, res, e, wsgi_send)

    return run


def route_modes(routes: list[Any], inline_key: str) -> dict[Any, str]:
    """Each controller route's dispatch mode, from its endpoint (see the module doc)."""
    from ..com.label import read_stamp
    from ..com.type import Controller

    modes: dict[Any, str] = {}
    for route in routes:
        endpoint = route.endpoint
        func = getattr(endpoint, "__func__", endpoint)
        if is_async(func):
            modes[route] = ASYNC
        elif read_stamp(func, inline_key):
            modes[route] = INLINE
        elif isinstance(getattr(endpoint, "__self__", None), Controller):
            modes[route] = THREAD
    return modes
