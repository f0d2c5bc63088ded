"""The ``clink.plugins`` entry point: request and error logs for every app."""

from __future__ import annotations

from typing import Any

from clink_core import hookimpl

from .conf import LogConf
from .handler import HANDLERS
from .prepare import prepare_dir


@hookimpl
def clink_setup(app: Any) -> None:
    """Add the handlers and, unless the app has its own, a ``LogConf`` from the environment.

    The log directory is checked here so that ``App.load()`` itself raises
    ``LogDirError`` (the injector would wrap an error of a constructor).
    """
    if not app.injector.has_prim(LogConf):
        app.add_default_prim(LogConf.from_env())
    conf = app.injector.ref(LogConf)
    prepare_dir(conf.directory_for(app.conf), default=conf.directory is None)
    app.add_handlers(HANDLERS)
