"""Driving an ASGI app in-process the way ``inprocess`` drives a WSGI one.

``AsgiApp`` holds the app, a private event loop and the app's lifespan (started
once, as a server would). A request is a prebuilt HTTP ``scope`` (built from the
same environ the WSGI apps get, so every app sees the same request), copied per
call, with a ``receive`` that hands over the body once and a ``send`` that drops
what it is given; ``batch`` times ``n`` such calls inside one coroutine, so the
loop's own cost is paid once per batch, not per request. ``null_asgi`` is the
do-nothing app whose batch is subtracted from every ASGI row, as ``null_app`` is
from every WSGI row.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
from collections.abc import Awaitable, Callable
from time import perf_counter_ns
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


class AsgiStartupError(RuntimeError):
    """The app's lifespan startup failed: it cannot serve."""


def scope_from_environ(environ: dict[str, Any]) -> Scope:
    """The ASGI HTTP scope of the request a WSGI environ describes (ASGI 3.0 spec)."""
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.append((key[5:].replace("_", "-").lower().encode(), value.encode("latin-1")))
    if environ.get("CONTENT_TYPE"):
        headers.append((b"content-type", environ["CONTENT_TYPE"].encode("latin-1")))
    if environ.get("CONTENT_LENGTH"):
        headers.append((b"content-length", environ["CONTENT_LENGTH"].encode("latin-1")))
    path = environ["PATH_INFO"]
    query = environ.get("QUERY_STRING", "")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": environ["SERVER_PROTOCOL"].partition("/")[2] or "1.1",
        "method": environ["REQUEST_METHOD"],
        "scheme": environ.get("wsgi.url_scheme", "http"),
        "path": path,
        "raw_path": path.encode("latin-1"),
        "query_string": query.encode("latin-1"),
        "root_path": "",
        "headers": headers,
        "client": (environ.get("REMOTE_ADDR", "127.0.0.1"), int(environ.get("REMOTE_PORT", 0))),
        "server": (environ.get("SERVER_NAME", "127.0.0.1"), int(environ.get("SERVER_PORT", 80))),
        "state": {},
    }


async def null_asgi(scope: Scope, receive: Receive, send: Send) -> None:
    """Does nothing but answer: the harness's own cost per call."""
    headers = [(b"content-length", b"0")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def _drop(message: dict[str, Any]) -> None:
    pass


def _receiver(body: bytes) -> Receive:
    request = {"type": "http.request", "body": body, "more_body": False}
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:  # asked again after the body: the client is gone (the request is answered)
            return {"type": "http.disconnect"}
        sent = True
        return request

    return receive


class AsgiApp:
    """An ASGI app with its own loop and started lifespan, callable in-process."""

    def __init__(self, app: Asgi, label: str = "") -> None:
        self.app = app
        self.label = label
        self.loop = asyncio.new_event_loop()
        self._shutdown: asyncio.Future[None] | None = None
        self._lifespan: asyncio.Task[None] | None = None
        #: what the app keeps in its lifespan state; each request gets a copy (ASGI spec)
        self.state: dict[str, Any] = {}
        self.loop.run_until_complete(self._start())
        atexit.register(self.close)

    async def _start(self) -> None:
        started: asyncio.Future[str] = self.loop.create_future()
        self._shutdown = self.loop.create_future()
        startup_sent = False
        shutdown = self._shutdown

        async def receive() -> dict[str, Any]:
            nonlocal startup_sent
            if not startup_sent:
                startup_sent = True
                return {"type": "lifespan.startup"}
            await shutdown
            return {"type": "lifespan.shutdown"}

        async def send(message: dict[str, Any]) -> None:
            kind = message["type"]
            done = ("lifespan.startup.complete", "lifespan.startup.failed")
            if kind in done and not started.done():
                started.set_result(kind)

        async def run() -> None:
            scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self.state}
            # an app without lifespan support may raise: it needs none
            with contextlib.suppress(Exception):
                await self.app(scope, receive, send)
            if not started.done():
                started.set_result("lifespan.unsupported")

        self._lifespan = self.loop.create_task(run())
        if await started == "lifespan.startup.failed":
            raise AsgiStartupError(f"{self.label or self.app!r}: lifespan startup failed")

    def close(self) -> None:
        """Run the lifespan shutdown and close the loop."""
        if self.loop.is_closed():
            return
        if self._shutdown is not None and not self._shutdown.done():
            self._shutdown.set_result(None)
        if self._lifespan is not None:
            self.loop.run_until_complete(asyncio.wait([self._lifespan], timeout=5))
        self.loop.close()

    def call(self, scope: Scope, body: bytes = b"") -> tuple[int, list[tuple[str, str]], bytes]:
        """One request: status, headers (as text) and the whole body."""
        seen: dict[str, Any] = {"body": []}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                seen["headers"] = [
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in message.get("headers", [])
                ]
            elif message["type"] == "http.response.body":
                seen["body"].append(message.get("body", b""))

        scope = {**scope, "state": self.state.copy()}
        self.loop.run_until_complete(self.app(scope, _receiver(body), send))
        return seen["status"], seen["headers"], b"".join(seen["body"])

    def batch(self, scope: Scope, body: bytes, n: int) -> float:
        """Nanoseconds per call over ``n`` calls (harness cost included)."""
        return self.loop.run_until_complete(_batch(self.app, scope, self.state, body, n))


async def _batch(app: Asgi, scope: Scope, state: dict[str, Any], body: bytes, n: int) -> float:
    copy = scope.copy
    copy_state = state.copy
    receiver = _receiver
    send = _drop
    t0 = perf_counter_ns()
    for _ in range(n):
        s = copy()
        s["state"] = copy_state()
        await app(s, receiver(body), send)
    return (perf_counter_ns() - t0) / n
