"""The request loop: the compiled levels called in the order ``levels`` defines.

``build_runner`` closes over the compiled levels once, at ``load()``; the
function it returns is what serves every request. The normal path runs levels
0 to 6 (``levels.NORMAL_PATH``); an exception there runs 7, 5, 8, 9
(``levels.ERROR_PATH``). An exception on the error path is logged and answered
with a bare JSON 500, never a hang.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from time import perf_counter
from typing import Any

from .levels import ERROR_PATH, NORMAL_PATH

logger = logging.getLogger("clink.error")

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
    status_500, headers_500, body_500 = bare_500
    new = object.__new__  # PERF: level 0 fills the request; skip its __init__
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
            logger.error(
                "error while answering %s %s (first error: %s: %s)",
                getattr(req, "method", None), getattr(req, "path", None), type(e).__name__, e,
                exc_info=(type(e2), e2, e2.__traceback__),
            )
            # No exc_info: some servers re-raise it even before headers went out.
            wsgi_send(status_500, list(headers_500))
            return [body_500]

    def run(wsgi_env: dict[str, Any], wsgi_send: Callable[..., Any]) -> Any:
        req: Any = new(request_type)
        req.start = clock()
        req.route = None
        res = response_type()
        try:
            recv(req, res, wsgi_env)
            for handle in lv1:
                handle(req, res)
            main = route(req)
            for handle in lv3:
                handle(req, res)
            main(req, res)
            for handle in lv5:
                handle(req, res)
            return send(req, res, wsgi_send)
        except Exception as e:
            return fail(req, res, e, wsgi_send)

    return run
