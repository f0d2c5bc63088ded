"""The ``clink.plugins`` entry point: gzip for every app, configured by ``GzipConf``."""

from __future__ import annotations

from typing import Any

from clink_core import hookimpl

from .conf import GzipConf
from .handler import ResGzipHandler


@hookimpl
def clink_setup(app: Any) -> None:
    """Add the handler and, unless the app has its own, a ``GzipConf`` from the environment."""
    app.add_default_prim(GzipConf)
    app.add_handler(ResGzipHandler)
