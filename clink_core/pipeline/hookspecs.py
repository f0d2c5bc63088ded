"""The hooks a Clink plugin can implement: one per pipeline level, plus setup.

A plugin module implements them as plain functions marked ``@hookimpl``,
named exactly as below (a misspelled name fails ``App.load()``). Handler
classes (``ILvNHandler``) added with ``app.add_handler`` land in the same
hooks. Level 4 is the controller method the router picks; plugins add
controllers in ``clink_setup``.

Levels marked [1] use only the first implementation in pluggy's order (the
kernel's default is registered ``trylast``, so any other replaces it); levels
marked [n] run every implementation.
"""

from __future__ import annotations

from typing import Any

from .markers import hookspec


class ClinkSpec:
    """Hook specifications of the ``clink`` pluggy project."""

    @hookspec
    def clink_setup(self, app: Any) -> None:
        """Called once by ``App.load()`` before components are created.

        Add handlers, controllers, services and default primitives here
        (``app.add_handler``, ``app.add_ctl``, ``app.add_com``,
        ``app.add_default_prim``).
        """

    @hookspec(firstresult=True)
    def clink_receive(self, req: Any, res: Any, env: dict[str, Any]) -> None:
        """Level 0 [1]: fill ``req`` from the WSGI ``env``."""

    @hookspec
    def clink_pre_routing(self, req: Any, res: Any) -> None:
        """Level 1 [n]: e.g. request logging."""

    @hookspec(firstresult=True)
    def clink_routing(self, req: Any) -> Any:
        """Level 2 [1]: return the main handler ``f(req, res)`` for ``req``."""

    @hookspec
    def clink_pre_main(self, req: Any, res: Any) -> None:
        """Level 3 [n]: e.g. convert the request body."""

    @hookspec
    def clink_responding(self, req: Any, res: Any) -> None:
        """Level 5 [n]: e.g. serialise the response body, add headers.

        Also runs on the error path, after level 7.
        """

    @hookspec(firstresult=True)
    def clink_sending(self, req: Any, res: Any, wsgi_send: Any) -> Any:
        """Level 6 [1]: call ``wsgi_send`` and return the WSGI body iterable."""

    @hookspec
    def clink_error(self, req: Any, res: Any, e: BaseException) -> None:
        """Level 7 [n]: turn exception ``e`` into ``res`` (status, body, headers).

        The kernel's handler runs first and renders the default answer; later
        handlers refine it (e.g. 503 with Retry-After for a database outage).
        """

    @hookspec(firstresult=True)
    def clink_error_logging(self, req: Any, res: Any, e: BaseException) -> None:
        """Level 8 [1]: record the error."""

    @hookspec(firstresult=True)
    def clink_error_sending(self, req: Any, res: Any, wsgi_send: Any) -> Any:
        """Level 9 [1]: send the error response; return the WSGI body iterable."""


#: level number -> hook name, for levels that are hooks (4 is the controller).
LEVEL_HOOKS: dict[int, str] = {
    0: "clink_receive",
    1: "clink_pre_routing",
    2: "clink_routing",
    3: "clink_pre_main",
    5: "clink_responding",
    6: "clink_sending",
    7: "clink_error",
    8: "clink_error_logging",
    9: "clink_error_sending",
}

#: levels that keep one handler only.
SINGLE_LEVELS = frozenset({0, 2, 6, 8, 9})
