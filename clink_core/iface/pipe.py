"""Handler interfaces of the pipeline levels (the manual's ``clink.iface.pipe``).

Subclass one, implement ``handle`` with the level's arguments, and add it with
``app.add_handler`` (``@stamp(deps)`` when its constructor takes components).
Set ``tryfirst``/``trylast`` to move it to the front or back of its level. The
arguments of each level come from ``clink_core.pipeline.levels.LEVELS``; a
``handle`` that takes others is refused when its class is defined.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, ClassVar

from ..com.type import Component
from ..pipeline.error import PipelineError
from ..pipeline.levels import LEVELS


class IPipeHandler(Component):
    """Base of every level handler."""

    level: ClassVar[int]
    tryfirst: ClassVar[bool] = False
    trylast: ClassVar[bool] = False
    handle: Callable[..., Any]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        level = LEVELS[cls.level]
        if cls.__module__ == __name__:  # one of the interfaces below
            args = ", ".join(level.args)
            arity = "one handler" if level.single else "every handler runs"
            cls.__doc__ = (
                f"Level {level.number}, {level.name} ({arity}): {level.doc}. "
                f"Implement ``handle(self, {args})``."
            )
            return
        handle = cls.__dict__.get("handle")
        if handle is None or level.hook is None:
            return
        func = handle.__func__ if isinstance(handle, (staticmethod, classmethod)) else handle
        names = [
            p.name for p in inspect.signature(func).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        if not isinstance(handle, staticmethod):
            names = names[1:]  # self
        if not set(names) <= set(level.args):
            raise PipelineError(
                f"{cls.__qualname__}.handle({', '.join(names)}): a level-{level.number} "
                f"handler takes ({', '.join(level.args)}) or some of them, by these names"
            )


class ILv0Handler(IPipeHandler):
    level = 0


class ILv1Handler(IPipeHandler):
    level = 1


class ILv2Handler(IPipeHandler):
    level = 2


class ILv3Handler(IPipeHandler):
    level = 3


class ILv4Handler(IPipeHandler):
    level = 4


class ILv5Handler(IPipeHandler):
    level = 5


class ILv6Handler(IPipeHandler):
    level = 6


class ILv7Handler(IPipeHandler):
    level = 7


class ILv8Handler(IPipeHandler):
    level = 8


class ILv9Handler(IPipeHandler):
    level = 9
