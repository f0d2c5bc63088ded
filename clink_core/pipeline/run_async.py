"""The request loop for ASGI: the same compiled levels, in the same order.

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

PERF: the runner is a plain function that returns the answer, or a
coroutine to await for it. When no level handler is ``async def`` (the kernel's
own levels and most plugins'), a request whose route is inline, and every error
answer (a 404 before any route), runs start to end without a coroutine, a
future or a task: the WSGI loop's code, on the event loop. Only what must wait
(an ``async def`` or threaded controller, an awaitable result, an async body)
goes on in a coroutine, from the level it reached. A plain answer of the
kernel's own level 6 is built in ASGI form without a ``start_response``
(``asgi.answer``). The 404 was the worst before this (16 µs, three times the
WSGI app's): each error level was called through ``inspect.iscoroutinefunction``
and the exception travelled through nested coroutines (numbers: docs/performance.md).
An app with an ``async def`` level handler takes
``_async_runner``, every level awaited as it comes, each level's kind decided
once at ``load()``.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import Executor
from time import perf_counter
from types import CoroutineType
from typing import Any, NoReturn

from ..error.http import Http413Error
from .compile import is_async
from .run import bare_answer

#: how a route's main handler is called.
ASYNC, INLINE, THREAD = "async", "inline", "thread"
Handlers = tuple[tuple[Callable[..., Any], bool], ...]


def _split(funcs: tuple[Callable[..., Any], ...]) -> Handlers:
    return tuple((f, is_async(f)) for f in funcs)


async def _call_all(handlers: Handlers, *args: Any) -> None:
    for handle, awaited in handlers:
        if awaited:
            await handle(*args)
        else:
            handle(*args)


def _one(handle: Callable[..., Any]) -> Callable[..., Any]:
    """``handle`` as a coroutine function that also awaits what a plain one returns
    when that is awaitable; whether ``handle`` is ``async def`` is decided here, once."""
    if is_async(handle):
        return handle

    async def call(*args: Any) -> Any:
        result = handle(*args)
        if result is not None and hasattr(result, "__await__"):
            return await result
        return result

    return call


def _too_large(env: dict[str, Any], key: str) -> NoReturn:
    raise Http413Error(f"request body is larger than {env[key]} bytes")


def build_async_runner(
    levels: dict[int, Any],
    request_type: type,
    response_type: type,
    bare_500: tuple[str, list[tuple[str, str]], bytes],
    modes: dict[Any, str],
    executor: Executor | None,
) -> Callable[..., Any]:
    """``run(env)``: the levels over one request; it returns the answer
    ``(status code, encoded fields, body iterable)``, or a coroutine whose result
    that is (``await`` it).

    Levels 6 and 9 (and a plugin replacing them) are given a WSGI
    ``start_response`` (``asgi.answer.capture``), so they work unchanged; a plain
    answer of the kernel's own level 6 is built without it (``plain_answer``).
    ``modes`` maps a ``Route`` to ``ASYNC``, ``INLINE`` or ``THREAD``; a route
    it does not name is called inline (the kernel's own: OPTIONS, OpenAPI, health).
    """
    hooked = [f for n, funcs in levels.items() for f in (
        funcs if isinstance(funcs, tuple) else (funcs,))]
    build = _async_runner if any(is_async(f) for f in hooked) else _sync_runner
    return build(levels, request_type, response_type, bare_500, modes, executor)


def _main_call(
    modes: dict[Any, str], executor: Executor | None
) -> Callable[..., Any]:
    """``await call(req, res, main)``: the controller method as its route's mode says."""
    get_mode = modes.get

    async def call(req: Any, res: Any, main: Callable[..., Any]) -> None:
        if get_mode(req.route, INLINE) is THREAD:
            run = functools.partial(contextvars.copy_context().run, main, req, res)
            result = await asyncio.get_running_loop().run_in_executor(executor, run)
        else:
            result = main(req, res)
        if result is not None and hasattr(result, "__await__"):
            await result

    return call


def _sync_runner(
    levels: dict[int, Any],
    request_type: type,
    response_type: type,
    bare_500: tuple[str, list[tuple[str, str]], bytes],
    modes: dict[Any, str],
    executor: Executor | None,
) -> Callable[..., Any]:
    """The runner of levels that are all plain functions (see the module doc)."""
    # PERF: every level is a local of the closure, as in ``run.build_runner``.
    recv = levels[0]
    lv1 = levels[1]
    route = levels[2]
    lv3 = levels[3]
    lv5 = levels[5]
    send = levels[6]
    lv7 = levels[7]
    log_error = levels[8]
    send_error = levels[9]
    # Here, not at the top: clink_core.asgi imports this module.
    from ..asgi.answer import answered, capture, plain_answer
    from ..asgi.body import TOO_LARGE_KEY as too_large_key
    from ..asgi.headers import encode_headers
    from ..asgi.stream import PLAIN_BODIES, AsyncBody, finish, is_async_body

    # PERF: the kernel's own level 6 (it carries the app's fields): a plain answer needs no
    # start_response (see answer); the app's fields are encoded once, here.
    app_headers = getattr(send, "app_headers", None)
    plain: Callable[..., Any] | None = None
    if app_headers is not None:
        plain = plain_answer
        if app_headers.fields:
            plain = functools.partial(
                plain_answer, app_fields=tuple(encode_headers(list(app_headers.fields)))
            )

    new = object.__new__
    new_context = getattr(request_type, "new_context", None)  # None: req.context on first use
    clock = perf_counter
    get_mode = modes.get
    # PERF: a dict, list or bytes body (nearly every one) is no async iterable: one look-up.
    plain_bodies = PLAIN_BODIES
    call_main = _main_call(modes, executor)

    def fail(req: Any, res: Any, e: Exception, wsgi_send: Callable[..., Any]) -> Any:
        try:
            for handle in lv7:
                handle(req, res, e)
            for handle in lv5:
                handle(req, res)
            logged = log_error(req, res, e)
            if logged is not None and hasattr(logged, "__await__"):
                return fail_later(req, res, e, logged, None, wsgi_send)
            out = send_error(req, res, wsgi_send)
            if out is not None and hasattr(out, "__await__"):
                return fail_later(req, res, e, None, out, wsgi_send)
            return out
        except Exception as e2:
            return bare_answer(req, e, e2, wsgi_send, bare_500)

    async def fail_later(
        req: Any, res: Any, e: Exception, logged: Any, out: Any, wsgi_send: Callable[..., Any]
    ) -> Any:
        """The rest of the error path when a plain level 8 or 9 returned an awaitable:
        awaited, as an ``async def`` one would be."""
        try:
            if logged is not None:
                await logged
                out = send_error(req, res, wsgi_send)
            if out is not None and hasattr(out, "__await__"):
                out = await out
            return out
        except Exception as e2:
            return bare_answer(req, e, e2, wsgi_send, bare_500)

    async def finish_later(
        req: Any, res: Any, main: Callable[..., Any] | None, result: Any,
        wsgi_send: Callable[..., Any],
    ) -> Any:
        """Levels 4 (awaited or in a thread), 5 and 6 of a request that must wait."""
        pending: Any = None
        try:
            if main is not None:
                await call_main(req, res, main)
            elif result is not None:
                await result
            body = res.body
            if body.__class__ not in plain_bodies and is_async_body(body):
                # An async iterable body: its first chunk now (an error is an ordinary
                # answer), a sync stand-in through levels 5 and 6, streamed after.
                pending = res.body = await AsyncBody.start(body)
            for handle in lv5:
                handle(req, res)
            out = send(req, res, wsgi_send)
            if pending is not None:
                return await finish(pending, out, req, res)
            return out
        except Exception as e:
            if pending is not None:
                await pending.aclose()
            out = fail(req, res, e, wsgi_send)
            if out.__class__ is CoroutineType:
                return await out
            return out

    async def later(coro: Any, started: list[Any]) -> Any:
        return answered(started, await coro)

    def wait(req: Any, res: Any, main: Callable[..., Any] | None, result: Any) -> Any:
        """The coroutine that finishes a request from level 4 (see ``finish_later``)."""
        started, wsgi_send = capture()
        return later(finish_later(req, res, main, result, wsgi_send), started)

    def run(wsgi_env: dict[str, Any]) -> Any:
        req: Any = new(request_type)
        req.start = clock()
        req.route = None
        if new_context is not None:
            req.context = new_context()
        res = response_type()
        try:
            recv(req, res, wsgi_env)
            if too_large_key in wsgi_env:  # a chunked body found over the limit as it came
                _too_large(wsgi_env, too_large_key)
            for handle in lv1:
                handle(req, res)
            main = route(req)
            for handle in lv3:
                handle(req, res)
            if get_mode(req.route, INLINE) is not INLINE:
                return wait(req, res, main, None)
            result = main(req, res)
            if result is not None and hasattr(result, "__await__"):
                return wait(req, res, None, result)
            body = res.body
            if body.__class__ not in plain_bodies and is_async_body(body):
                return wait(req, res, None, None)
            for handle in lv5:
                handle(req, res)
            if plain is not None:
                answer = plain(req, res)
                if answer is not None:
                    return answer
            started, wsgi_send = capture()
            return answered(started, send(req, res, wsgi_send))
        except Exception as e:
            started, wsgi_send = capture()
            out = fail(req, res, e, wsgi_send)
            if out.__class__ is CoroutineType:
                return later(out, started)
            return answered(started, out)

    return run


def _async_runner(
    levels: dict[int, Any],
    request_type: type,
    response_type: type,
    bare_500: tuple[str, list[tuple[str, str]], bytes],
    modes: dict[Any, str],
    executor: Executor | None,
) -> Callable[..., Any]:
    """The runner of levels of which some are ``async def``: every level awaited as it
    comes, in one coroutine per request."""
    recv = levels[0]
    lv1 = _split(levels[1])
    route = levels[2]
    lv3 = _split(levels[3])
    lv5 = _split(levels[5])
    send = levels[6]
    lv7 = _split(levels[7])
    log_error = _one(levels[8])
    send_error = _one(levels[9])
    from ..asgi.answer import answered, capture
    from ..asgi.body import TOO_LARGE_KEY as too_large_key
    from ..asgi.stream import PLAIN_BODIES, AsyncBody, finish, is_async_body

    new = object.__new__
    new_context = getattr(request_type, "new_context", None)  # None: req.context on first use
    clock = perf_counter
    call_main = _main_call(modes, executor)
    plain_bodies = PLAIN_BODIES

    async def fail(req: Any, res: Any, e: Exception, wsgi_send: Callable[..., Any]) -> Any:
        try:
            await _call_all(lv7, req, res, e)
            await _call_all(lv5, req, res)
            await log_error(req, res, e)
            return await send_error(req, res, wsgi_send)
        except Exception as e2:
            return bare_answer(req, e, e2, wsgi_send, bare_500)

    # PERF: single levels are nearly always plain functions: decided here, once.
    recv_async, route_async, send_async = is_async(recv), is_async(route), is_async(send)

    async def run(wsgi_env: dict[str, Any]) -> Any:
        started, wsgi_send = capture()
        return answered(started, await levels_of(wsgi_env, wsgi_send))

    async def levels_of(wsgi_env: dict[str, Any], wsgi_send: Callable[..., Any]) -> Any:
        req: Any = new(request_type)
        req.start = clock()
        req.route = None
        if new_context is not None:
            req.context = new_context()
        res = response_type()
        pending: Any = None
        try:
            if recv_async:
                await recv(req, res, wsgi_env)
            else:
                recv(req, res, wsgi_env)
            if too_large_key in wsgi_env:  # a chunked body found over the limit as it came
                _too_large(wsgi_env, too_large_key)
            await _call_all(lv1, req, res)
            main = (await route(req)) if route_async else route(req)
            await _call_all(lv3, req, res)
            await call_main(req, res, main)
            body = res.body
            if body.__class__ not in plain_bodies and is_async_body(body):
                pending = res.body = await AsyncBody.start(body)
            await _call_all(lv5, req, res)
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
