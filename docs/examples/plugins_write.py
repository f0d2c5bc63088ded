"""Writing a plugin: this module is one. Its hooks are plain functions marked @hookimpl.

A distribution makes it installable by name with an entry point in its pyproject.toml:

    [project.entry-points."clink.plugins"]
    sunset = "plugins_write"

Here the app is given the module object itself: App(conf, plugins=[module]).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from clink_core import App, AppConf, Controller, Primitive, Request, Response, hookimpl, mapper
from clink_core.plugin import ConfError, ILv5Handler, Route, read_stamp, write_stamp

SUNSET_KEY = "sunset.date"
shutdowns: list[str] = []


class SunsetConf(Primitive):
    """The plugin's configuration: a primitive, with its environment variable."""

    def __init__(self, link: str = "") -> None:
        if link and not link.startswith(("http://", "https://", "/")):
            raise ConfError(f"SunsetConf link must be a URL or a path, got {link!r}")
        self.link = link

    @classmethod
    def from_env(cls) -> SunsetConf:
        return cls(os.environ.get("CLINK_SUNSET_LINK", ""))


def sunset(date: str) -> Callable[[Any], Any]:
    """Mark a controller method as going away on ``date`` (a mapper-style decorator)."""

    def decorate(func: Any) -> Any:
        write_stamp(func, SUNSET_KEY, date)
        return func

    return decorate


class PoweredByHandler(ILv5Handler):
    """Level 5: on every answer, errors included. Per-request work only in handle()."""

    def handle(self, req: Request, res: Response) -> None:
        res.header["X-Powered-By"] = "clink"


@hookimpl
def clink_setup(app: App) -> None:
    """Once, at load(): add handlers and controllers, and a default configuration."""
    app.add_default_prim(SunsetConf)  # the app's own SunsetConf wins; else from_env()
    app.add_handler(PoweredByHandler)


@hookimpl
def clink_route(app: App, route: Route) -> None:
    """For every route: wrap the marked ones; the others pay nothing per request."""
    date = read_stamp(route.endpoint, SUNSET_KEY)
    if date is None:
        return
    link = app.injector.ref(SunsetConf).link
    inner = route.handle

    def handle(req: Request, res: Response) -> Any:
        res.header["Sunset"] = date
        if link:
            res.header["Link"] = f'<{link}>; rel="sunset"'
        return inner(req, res)

    route.handle = handle


@hookimpl
def clink_shutdown(app: App) -> None:
    """Once, at app.close() or interpreter exit: finish queued work."""
    shutdowns.append(app.conf.name)


@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/item")
    def get_item(self, req: Request, res: Response) -> None:
        res.body = {"name": "How to Die"}

    @mapper.get("/old")
    @sunset("Sat, 01 May 2027 00:00:00 GMT")
    def get_old(self, req: Request, res: Response) -> None:
        res.body = {"name": "How to Die", "old": True}


if __name__ == "__main__":
    from clink_core.testing import Client

    app = App(AppConf("book-api"), plugins=[sys.modules[__name__]])
    app.add_prim(SunsetConf("/docs/migrating"))
    app.add_ctl(BookCtl)
    app.load()
    client = Client(app)

    res = client.get("/book/item")
    assert res.header("X-Powered-By") == "clink" and res.header("Sunset") is None
    res = client.get("/book/old")
    assert res.header("Sunset") == "Sat, 01 May 2027 00:00:00 GMT"
    assert res.header("Link") == '</docs/migrating>; rel="sunset"'
    assert client.get("/nowhere").header("X-Powered-By") == "clink"  # errors too

    app.close()
    assert shutdowns == ["book-api"]
    print("plugin: ok")
