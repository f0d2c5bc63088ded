"""Level 3: refuse with 406 a request whose ``Accept`` the route cannot serve.

Run by ``ReqJsonHandler`` (first on level 3) for every request that carries an
``Accept`` header: a handler of its own would cost every request a call.
"""

from __future__ import annotations

from typing import Any

from ..error.http import Http406Error
from ..http.negotiate import ANYTHING, acceptable, produced_types
from ..type.request import Request

_UNKNOWN: Any = object()


class Negotiator:
    """Answers 406 before the handler runs when ``Accept`` allows none of the route's
    types (``@produces``, default ``application/json``); OPTIONS is never refused."""

    def __init__(self) -> None:
        #: route -> the types it produces (``None``: any), read from its handler once.
        self._types: dict[Any, tuple[str, ...] | None] = {}

    def check(self, req: Request, accept: str | None) -> None:
        """``Http406Error`` when ``accept`` allows none of the types of ``req.route``."""
        if accept is None or accept in ANYTHING:
            return
        route = req.route
        if route is None or req.method == "OPTIONS":
            return
        types = self._types.get(route, _UNKNOWN)
        if types is _UNKNOWN:
            types = self._types[route] = produced_types(route.endpoint)
        if types is None or acceptable(accept, types):
            return
        raise Http406Error(
            f"{req.method} {route.path} answers {', '.join(types)}; "
            "the request's Accept allows none of them"
        )
