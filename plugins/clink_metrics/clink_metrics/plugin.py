"""The ``clink.plugins`` entry point (``metrics``): Prometheus metrics for the apps that
enable it (``App(conf, plugins=["metrics"])``, ``AppConf(plugins=[...])``, ``CLINK_PLUGINS``)."""

from __future__ import annotations

from typing import Any

from clink_core import hookimpl

from .conf import MetricsConf
from .ctl import metrics_ctl
from .handler import HANDLERS


@hookimpl
def clink_setup(app: Any) -> None:
    """Add the handlers, the metrics route (unless ``path`` is ``None``) and, unless the
    app has its own, a ``MetricsConf`` from the environment."""
    app.add_default_prim(MetricsConf)
    conf = app.injector.ref(MetricsConf)
    app.add_handlers(HANDLERS)
    if conf.path is not None:
        app.add_ctl(metrics_ctl(conf))
