"""The ``clink.plugins`` entry point: adds the JSON handlers to every app."""

from __future__ import annotations

from typing import Any

from clink_core import hookimpl

from .handler import ReqJsonHandler, ReqUrlEncodeHandler, ResJsonHandler


@hookimpl
def clink_setup(app: Any) -> None:
    app.add_handler(ReqJsonHandler)
    app.add_handler(ReqUrlEncodeHandler)
    app.add_handler(ResJsonHandler)
