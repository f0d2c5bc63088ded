"""The request pipeline, defined once: the manual's ten levels as a table.

Everything else about a level is derived from this table: its pluggy hookspec
(``hookspecs``), the arity the ``ILvNHandler`` interfaces check (``iface.pipe``),
how handlers register (``manager``) and compile (``compile``), and the order
``run`` calls them in.
"""

from __future__ import annotations

from typing import NamedTuple


class Level(NamedTuple):
    """One pipeline level."""

    number: int
    #: the manual's name of the level.
    name: str
    #: the pluggy hook plugins implement; ``None`` for level 4 (the controller method).
    hook: str | None
    #: the arguments every handler of the level takes, in order.
    args: tuple[str, ...]
    #: ``True``: one handler [1] (the first in pluggy's order wins); ``False``: all run [n].
    single: bool
    #: what a handler of the level does.
    doc: str


LEVELS: tuple[Level, ...] = (
    Level(0, "receiving", "clink_receive", ("req", "res", "env"), True,
          "fill ``req`` from the WSGI ``env``; refuse a malformed request early"),
    Level(1, "pre-routing", "clink_pre_routing", ("req", "res"), False,
          "work before routing, e.g. start the request log entry"),
    Level(2, "routing", "clink_routing", ("req",), True,
          "return the main handler ``f(req, res)`` of ``req``"),
    Level(3, "pre-main", "clink_pre_main", ("req", "res"), False,
          "work before the controller, e.g. convert the request body"),
    Level(4, "main", None, ("req", "res"), True,
          "the controller method the router found"),
    Level(5, "responding", "clink_responding", ("req", "res"), False,
          "work on the response, e.g. serialise the body, add headers; also runs on "
          "the error path, after level 7"),
    Level(6, "sending", "clink_sending", ("req", "res", "wsgi_send"), True,
          "call ``wsgi_send`` and return the WSGI body iterable"),
    Level(7, "error handling", "clink_error", ("req", "res", "e"), False,
          "turn the exception ``e`` into ``res`` (status, body, headers); the kernel's "
          "handler runs first, later ones refine its answer"),
    Level(8, "error logging", "clink_error_logging", ("req", "res", "e"), True,
          "record the error"),
    Level(9, "error sending", "clink_error_sending", ("req", "res", "wsgi_send"), True,
          "send the error response and return the WSGI body iterable"),
)

#: levels in the order a request passes them when nothing fails.
NORMAL_PATH: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
#: levels in the order they run after an exception in ``NORMAL_PATH``.
ERROR_PATH: tuple[int, ...] = (7, 5, 8, 9)

#: level number -> hook name, for the levels that are hooks (all but 4).
LEVEL_HOOKS: dict[int, str] = {lv.number: lv.hook for lv in LEVELS if lv.hook is not None}
#: levels that keep one handler only.
SINGLE_LEVELS = frozenset(lv.number for lv in LEVELS if lv.single)
