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
    app.add_default_prim(LogConf)
    app.add_handlers(HANDLERS)
