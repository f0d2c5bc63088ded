"""The ``clink.plugins`` entry point (``log``): request and error logs for the apps that
enable it (``App(conf, plugins=["log"])``, ``AppConf(plugins=[...])``, ``CLINK_PLUGINS``)."""

from __future__ import annotations

from typing import Any

from clink_core import hookimpl

from .conf import LogConf
from .handler import CHECKED, HANDLERS, LogSv


@hookimpl
def clink_setup(app: Any) -> None:
    """Add the handlers and, unless the app has its own, a ``LogConf`` from the environment.

    The handlers open the logs when ``App.load()`` creates them, so a bad
    directory fails ``load()`` with ``LogDirError``.
    """
    app.add_default_prim(LogConf)
    app.add_handlers(HANDLERS)
    app.declare_context("request_id", CHECKED)  # set on every request: slots, made on arrival


@hookimpl(trylast=True)  # last: other plugins' shutdown may still answer or log
def clink_shutdown(app: Any) -> None:
    """Write every queued line of the app's logs (``app.close()``: a gunicorn worker's
    graceful stop, the ASGI lifespan's shutdown, interpreter exit). The logs stay open:
    a line made later is still written, at the next flush or at exit."""
    for log_sv in app.injector.sub_ref(LogSv):
        log_sv.flush()
