"""The ``clink.plugins`` entry point: CORS for every app, configured by ``CorsConf``."""

from __future__ import annotations

from typing import Any

from clink_core import hookimpl

from .conf import CorsConf
from .handler import ResCorsHandler, any_origin_fields


@hookimpl
def clink_setup(app: Any) -> None:
    """Add the handler and, unless the app has its own, a ``CorsConf`` from the environment;
    with any origin allowed, the fields every response carries (``any_origin_fields``)."""
    app.add_default_prim(CorsConf)
    for name, value in any_origin_fields(app.injector.ref(CorsConf)):
        app.add_response_header(name, value)
    app.add_handler(ResCorsHandler)
