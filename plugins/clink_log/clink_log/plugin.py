"""The ``clink.plugins`` entry point: request and error logs for every app."""

from __future__ import annotations

from typing import Any

from clink_core import hookimpl

from .conf import LogConf
from .handler import HANDLERS


@hookimpl
def clink_setup(app: Any) -> None:
    """Add the handlers and, unless the app has its own, a ``LogConf`` from the environment.

    The handlers open the log files when ``App.load()`` creates them, so a bad
    directory fails ``load()`` with ``LogDirError``.
    """
    if not app.injector.has_prim(LogConf):
        app.add_prim(LogConf.from_env())
    app.add_handlers(HANDLERS)
