"""The module the ``clink.plugins`` entry point names: hook functions plus components."""

from __future__ import annotations

from typing import Any

from clink_core import AppConf, Controller, Request, Response, hookimpl, mapper, stamp
from clink_core.iface import ILv1Handler


@stamp(AppConf)
class HelloHeaderHandler(ILv1Handler):
    """Level 1: every response, errors included, says which app greeted it."""

    def __init__(self, app_conf: AppConf) -> None:
        self._greeting = f"hello from {app_conf.name}"

    def handle(self, req: Request, res: Response) -> None:
        res.header["X-Hello"] = self._greeting


@stamp()
@mapper.path("/hello")
class HelloCtl(Controller):
    """GET /hello?name=Ada answers a greeting (plain text, so no converter is needed)."""

    @mapper.get("/")
    def greet(self, req: Request, res: Response) -> None:
        res.content_type = "text/plain; charset=utf-8"
        res.body = f"Hello, {req.args.get('name', 'world')}!"


@hookimpl
def clink_setup(app: Any) -> None:
    """Called once by ``App.load()``: add what this plugin brings."""
    app.add_handler(HelloHeaderHandler)
    app.add_ctl(HelloCtl)
