"""The hooks a Clink plugin can implement: setup hooks, and one per pipeline level.

A plugin module implements them as plain functions marked ``@hookimpl``,
named exactly as below (a misspelled name fails ``App.load()``). Handler
classes (``ILvNHandler``) added with ``app.add_handler`` land in the same
level hooks. The level hooks are generated from ``levels.LEVELS``; levels
marked [1] use only the first implementation in pluggy's order (the kernel's
default is registered ``trylast``, so any other replaces it), levels marked
[n] run every implementation.
"""

from __future__ import annotations

from typing import Any

from .levels import LEVELS, Level
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

    @hookspec
    def clink_route(self, app: Any, route: Any) -> None:
        """Called by ``App.load()`` for every route, after components are created.

        A plugin may replace ``route.handle`` with a function that wraps it
        (route guards do), reading what mapper decorators recorded on the
        handler. The handler is then what requests call: the wrapping costs
        nothing on routes a plugin leaves alone.
        """


    @hookspec
    def clink_shutdown(self, app: Any) -> None:
        """Called once when the app stops (``app.close()``: at interpreter exit, a gunicorn
        worker's graceful stop, the ASGI lifespan's shutdown): finish queued work."""

    @hookspec
    def clink_health_checks(self, app: Any) -> Any:
        """Called by ``App.load()`` when health endpoints are enabled: return the
        ``clink_core.health.HealthCheck`` objects ``/readyz`` runs (a list, or ``None``).
        """


def _level_spec(level: Level) -> Any:
    """The hookspec function of ``level``: its name, arguments and documentation."""
    assert level.hook is not None
    # pluggy reads a spec's argument names from its code object, so the function is
    # compiled from the table's (constant) names rather than wrapped.
    namespace: dict[str, Any] = {}
    exec(f"def {level.hook}(self, {', '.join(level.args)}):\n    pass", namespace)
    spec = namespace[level.hook]
    spec.__qualname__ = f"ClinkSpec.{level.hook}"
    spec.__module__ = __name__
    arity = "[1]" if level.single else "[n]"
    spec.__doc__ = f"Level {level.number} {arity}, {level.name}: {level.doc}."
    return hookspec(firstresult=level.single)(spec)


for _level in LEVELS:
    if _level.hook is not None:
        setattr(ClinkSpec, _level.hook, _level_spec(_level))
