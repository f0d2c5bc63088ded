"""The ``clink.plugins`` entry point: CORS for every app, configured by ``CorsConf``."""

from __future__ import annotations

from typing import Any

from clink_core import hookimpl

from .conf import CorsConf
from .handler import ResCorsHandler


@hookimpl
def clink_setup(app: Any) -> None:
    """Add the handler and, unless the app has its own, a ``CorsConf`` from the environment."""
    app.add_default_prim(CorsConf)
    app.add_handler(ResCorsHandler)
