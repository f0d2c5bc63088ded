"""The request loop: the compiled levels called in the order ``levels`` defines.

``build_runner`` closes over the compiled levels once, at ``load()``; the
function it returns is what serves every request. The normal path runs levels
0 to 6 (``levels.NORMAL_PATH``); an exception there runs 7, 5, 8, 9
(``levels.ERROR_PATH``). An exception on the error path is logged and answered
with a bare JSON 500, never a hang.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from time import perf_counter
from typing import Any

from .compile import is_async
from .levels import ERROR_PATH, NORMAL_PATH

logger = logging.getLogger("clink.error")
Bare500 = tuple[str, list[tuple[str, str]], bytes]


def bare_answer(
    req: Any, e: Exception, e2: Exception, wsgi_send: Callable[..., Any], bare_500: Bare500
) -> list[bytes]:
    """The error path failed (``e2`` while answering ``e``): log both, send the bare 500."""
    logger.error(
        "error while answering %s %s (first error: %s: %s)",
        getattr(req, "method", None), getattr(req, "path", None), type(e).__name__, e,
        exc_info=(type(e2), e2, e2.__traceback__),
    )
    status, headers, body = bare_500
    # No exc_info: some servers re-raise it even before headers went out.
    wsgi_send(status, list(headers))
    return [body]
_loops = threading.local()


def resolve(awaitable: Any) -> Any:
    """Run what an ``async def`` handler returned to completion, on this thread's own
    event loop: how the WSGI app serves async handlers (the ASGI app awaits them)."""
    loop = getattr(_loops, "loop", None)
    if loop is None:
        import asyncio  # only apps with async handlers pay for the import

        loop = _loops.loop = asyncio.new_event_loop()
    return loop.run_until_complete(awaitable)


def _blocking(func: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        return resolve(func(*args))

    return call


def sync_levels(levels: dict[int, Any]) -> dict[int, Any]:
    """``levels`` with every ``async def`` handler made to run to completion when called."""
    out: dict[int, Any] = {}
    for number, funcs in levels.items():
        if isinstance(funcs, tuple):
            out[number] = tuple(_blocking(f) if is_async(f) else f for f in funcs)
        else:
            out[number] = _blocking(funcs) if is_async(funcs) else funcs
    return out

WsgiRunner = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

assert NORMAL_PATH == (0, 1, 2, 3, 4, 5, 6) and ERROR_PATH == (7, 5, 8, 9), (
    "run.build_runner calls the levels in this order; change both together"
)


def build_runner(
    levels: dict[int, Any],
    request_type: type,
    response_type: type,
    bare_500: tuple[str, list[tuple[str, str]], bytes],
) -> WsgiRunner:
    """The WSGI callable that runs ``levels`` (as ``compile.compile_levels`` made them).

    Each request gets a ``request_type`` (left empty but for ``start``, the
    arrival time, and ``route``: level 0 fills it) and a ``response_type()``.
    ``bare_500`` is the status line, headers and body sent when the error path
    itself fails.
    """
    levels = sync_levels(levels)
    # PERF: every level is a local of the closure: no attribute look-ups per request.
    recv = levels[0]
    lv1 = levels[1]
    route = levels[2]
    lv3 = levels[3]
    lv5 = levels[5]
    send = levels[6]
    lv7 = levels[7]
    log_error = levels[8]
    send_error = levels[9]
    new = object.__new__  # PERF: level 0 fills the request; skip its __init__
    new_context = getattr(request_type, "new_context", None)  # None: req.context on first use
    clock = perf_counter

    def fail(req: Any, res: Any, e: Exception, wsgi_send: Callable[..., Any]) -> Any:
        try:
            for handle in lv7:
                handle(req, res, e)
            for handle in lv5:
                handle(req, res)
            log_error(req, res, e)
            return send_error(req, res, wsgi_send)
        except Exception as e2:
            return bare_answer(req, e, e2, wsgi_send, bare_500)

    def run(wsgi_env: dict[str, Any], wsgi_send: Callable[..., Any]) -> Any:
        req: Any = new(request_type)
        req.start = clock()
        req.route = None
        if new_context is not None:
            req.context = new_context()
        res = response_type()
        try:
            recv(req, res, wsgi_env)
            for handle in lv1:
                handle(req, res)
            main = route(req)
            for handle in lv3:
                handle(req, res)
            # PERF: controllers return None; an async one returns an awaitable to run.
            result = main(req, res)
            if result is not None and hasattr(result, "__await__"):
                resolve(result)
            for handle in lv5:
                handle(req, res)
            return send(req, res, wsgi_send)
        except Exception as e:
            return fail(req, res, e, wsgi_send)

    return run
