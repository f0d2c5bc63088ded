"""Helpers of the clink_log tests: a controller, log readers, text-line parsing."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from pathlib import Path
from typing import Any

import clink_log
from clink_core import App, Controller, mapper
from clink_core.plugin import Http403Error
from clink_log import LogSv

#: a value that must never reach a log file.
SECRET = "s3cr3t-Value-9b1e"
#: one token of a text line: a JSON string literal or a run of non-spaces.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\S+')
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
#: the logger the controller's services write to (``say`` routes).
svc_log = logging.getLogger("clink_log_tests.svc")


@mapper.path("/t")
class LogCtl(Controller):
    """Routes covering the normal path, 4xx and 5xx."""

    @mapper.get("/ok")
    def ok(self, req: Any, res: Any) -> None:
        res.body = json.dumps({
            "request_id": req.context.request_id, "current": clink_log.request_id(),
        }).encode()

    @mapper.post("/login")
    def login(self, req: Any, res: Any) -> None:
        res.body = b"{}"

    @mapper.get("/forbidden")
    def forbidden(self, req: Any, res: Any) -> None:
        raise Http403Error(req, "not yours")

    @mapper.get("/boom")
    def boom(self, req: Any, res: Any) -> None:
        raise RuntimeError("kaboom")

    @mapper.get("/dict")
    def dict_body(self, req: Any, res: Any) -> None:
        res.content_type = "text/plain"  # not JSON: no converter takes it, sending fails
        res.body = {"needs": "bytes"}

    @mapper.get("/rename")
    def rename(self, req: Any, res: Any) -> None:
        req.context.request_id = 'not"mine'  # the log and the header keep the checked id
        res.body = b"{}"

    @mapper.get("/own-id")
    def own_id(self, req: Any, res: Any) -> None:
        res.header["X-Request-Id"] = "mine"  # the response carries the checked id instead
        res.body = b"{}"

    @mapper.get("/odd-status")
    def odd_status(self, req: Any, res: Any) -> None:
        res.status = "200 OK"  # not an int: sending fails, the log stays well-formed
        res.body = b"{}"

    @mapper.get("/long")
    def long_message(self, req: Any, res: Any) -> None:
        raise ValueError("x" * 5000)

    @mapper.get("/say/{word}")
    def say(self, req: Any, res: Any) -> None:
        """A plain method: over ASGI it runs in the kernel's thread pool."""
        svc_log.info("said %s", req.params["word"])
        res.body = b"{}"

    @mapper.get("/say-async/{word}")
    async def say_async(self, req: Any, res: Any) -> None:
        """An ``async def`` method: awaited on the event loop, other requests in between."""
        await asyncio.sleep(0.001 * (hash(req.params["word"]) % 7))
        svc_log.info("said %s", req.params["word"])
        await asyncio.sleep(0.001)
        svc_log.info("said again %s", req.params["word"])
        res.body = b"{}"


def split_text(line: str) -> list[Any]:
    """A text line's tokens, JSON string literals decoded."""
    return [json.loads(t) if t.startswith('"') else t for t in _TOKEN.findall(line)]


class Logs:
    """Reads an app's log files (flushing the queued lines first)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.sv: LogSv = app.injector.ref(LogSv)
        self.dir = Path(self.sv.directory or "")

    def raw(self, name: str) -> str:
        self.sv.flush()
        path = self.dir / name
        return path.read_text("ascii") if path.exists() else ""

    def lines(self, name: str) -> list[str]:
        return self.raw(name).splitlines()

    @property
    def requests(self) -> list[str]:
        return self.lines("request.log")

    @property
    def errors(self) -> list[str]:
        return self.lines("error.log")

    def json(self, name: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines(name)]


