"""The ``clink.plugins`` entry point: database outages answered 503 in every app."""

from __future__ import annotations

from typing import Any

from clink_core import hookimpl

from .handler import MongoUnavailableHandler
from .type import MongoRetryConf


@hookimpl
def clink_setup(app: Any) -> None:
    """Add the 503 handler and its conf (``MongoRetryConf.from_env()`` unless given).

    ``MongoSv`` itself is not added: an app adds it (``app.add_com(MongoSv)``)
    together with its ``MongoConf``, or a plugin that needs it does.
    """
    app.add_default_prim(MongoRetryConf)
    app.add_handler(MongoUnavailableHandler)
