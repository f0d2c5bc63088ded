"""Streaming over ASGI: sync and async bodies, SSE, the client leaving, bodies read as they come."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import types
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from clink_core import App, AppConf, Controller, Request, Response, hookimpl, mapper, stamp
from clink_core.asgi import send_async_events
from clink_core.asgi.body import SPOOL_AFTER
from clink_core.http import Event
from clink_core.testing import Client, IncompleteResponseError

pytest.importorskip("httpx")
EVENTS: list[str] = []
PAUSE = threading.Event()


def sync_numbers(n: int) -> Iterator[bytes]:
    try:
        for i in range(n):
            yield f"{i}\n".encode()
    finally:
        EVENTS.append("sync closed")


async def async_numbers(n: int) -> AsyncIterator[str]:
    try:
        for i in range(n):
            await asyncio.sleep(0)
            yield f"{i}\n"
    finally:
        EVENTS.append("async closed")


async def async_forever() -> AsyncIterator[Any]:
    try:
        n = 0
        while True:
            yield {"n": n}
            n += 1
            await asyncio.sleep(3600 if n >= 2 else 0)  # then waits: only a cancel ends it
    finally:
        EVENTS.append("async sse closed")


def sync_forever() -> Iterator[Any]:
    try:
        n = 0
        while True:
            yield Event({"n": n}, id=str(n))
            n += 1
            if n >= 2:
                PAUSE.wait(5)  # blocks its thread, as a generator waiting for news does
    finally:
        EVENTS.append("sync sse closed")


async def async_failing() -> AsyncIterator[bytes]:
    yield b"first,"
    raise RuntimeError("the async source broke")


async def async_failing_at_once() -> AsyncIterator[bytes]:
    raise LookupError("before the first async byte")
    yield b""  # pragma: no cover


@stamp()
@mapper.path("/st")
class StreamCtl(Controller):
    @mapper.get("/sync")
    def sync(self, req: Request, res: Response) -> None:
        res.content_type = "text/plain"
        res.body = sync_numbers(int(req.args.get("n", "3")))

    @mapper.get("/async")
    async def async_(self, req: Request, res: Response) -> None:
        res.content_type = "text/plain"
        res.body = async_numbers(int(req.args.get("n", "3")))

    @mapper.get("/ndjson")
    async def ndjson(self, req: Request, res: Response) -> None:
        res.body = async_numbers(2)  # a JSON response: streamed as it is, not encoded

    @mapper.get("/async-failing")
    async def async_failing(self, req: Request, res: Response) -> None:
        res.content_type = "text/plain"
        res.body = async_failing()

    @mapper.get("/async-failing-at-once")
    async def async_failing_at_once(self, req: Request, res: Response) -> None:
        res.content_type = "text/plain"
        res.body = async_failing_at_once()

    @mapper.get("/sse-async")
    async def sse_async(self, req: Request, res: Response) -> None:
        send_async_events(res, async_forever(), retry=1000)

    @mapper.get("/sse-sync")
    def sse_sync(self, req: Request, res: Response) -> None:
        res.send_events(sync_forever())

    @mapper.post("/size", "application/octet-stream")
    def size(self, req: Request, res: Response) -> None:
        EVENTS.append("size ran")
        body = req.body or b""
        res.body = {"size": len(body), "input": type((req.env or {})["wsgi.input"]).__name__,
                    "head": body[:4].decode()}


def make(max_body: int = 1000, plugins: tuple[Any, ...] = ()) -> App:
    app = App(AppConf("streams", max_body=max_body), plugins=plugins, entrypoints=False)
    app.add_ctl(StreamCtl)
    app.load()
    return app


@pytest.fixture(scope="module")
def app() -> App:
    return make()


class Harness:
    """A hand-driven ASGI server for one GET: records what the app sends and says
    ``http.disconnect`` once ``leave_after`` body messages went out."""

    def __init__(self, leave_after: int | None = None) -> None:
        self.sent: list[dict[str, Any]] = []
        self.leave_after = leave_after
        self._gone = asyncio.Event()
        self._asked = 0

    async def receive(self) -> dict[str, Any]:
        self._asked += 1
        if self._asked == 1:
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        bodies = [m for m in self.sent if m["type"] == "http.response.body"]
        if self.leave_after is not None and len(bodies) >= self.leave_after:
            self._gone.set()

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")

    @property
    def finished(self) -> bool:
        return any(m["type"] == "http.response.body" and not m.get("more_body", False)
                   for m in self.sent)


def scope(path: str, method: str = "GET", query: bytes = b"") -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "query_string": query,
            "headers": [(b"host", b"test")], "client": ("127.0.0.1", 5000)}


async def serve(app: App, harness: Harness, path: str, **kw: Any) -> int:
    """Run one request to its end (within 5 s); the tasks it left behind."""
    before = asyncio.all_tasks()
    await asyncio.wait_for(app.asgi(scope(path, **kw), harness.receive, harness.send), 5)
    await asyncio.sleep(0)
    return len(asyncio.all_tasks() - before)


# -- bodies -----------------------------------------------------------------------------------
def test_a_sync_generator_goes_out_chunk_by_chunk_and_is_closed(app: App) -> None:
    EVENTS.clear()
    harness = Harness()
    left = asyncio.run(serve(app, harness, "/st/sync", query=b"n=3"))
    chunks = [m["body"] for m in harness.sent if m["type"] == "http.response.body"]
    assert chunks == [b"0\n", b"1\n", b"2\n", b""] and harness.finished
    assert EVENTS == ["sync closed"] and left == 0


def test_an_async_generator_body(app: App) -> None:
    EVENTS.clear()
    res = Client(app, asgi=True).get("/st/async", query={"n": "4"})
    assert (res.status, res.text) == (200, "0\n1\n2\n3\n")
    assert res.header("Content-Length") is None and res.content_type == "text/plain"
    assert EVENTS == ["async closed"]
    ndjson = Client(app, asgi=True).get("/st/ndjson")
    assert ndjson.text == "0\n1\n" and ndjson.content_type == "application/json"


def test_head_of_an_async_body_sends_nothing_and_closes_it(app: App) -> None:
    EVENTS.clear()
    res = Client(app, asgi=True).head("/st/async")
    assert (res.status, res.data) == (200, b"")
    assert EVENTS == ["async closed"]


def test_an_async_body_failing_before_its_first_byte_is_an_error_answer(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, "clink.error"):
        res = Client(app, asgi=True).get("/st/async-failing-at-once")
    assert res.status == 500 and "before the first" not in res.text
    assert "LookupError" in caplog.text


def test_an_async_body_failing_mid_way_is_logged_and_left_unfinished(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    harness = Harness()
    with caplog.at_level(logging.ERROR, "clink.error"):
        left = asyncio.run(serve(app, harness, "/st/async-failing"))
    assert harness.sent[0]["status"] == 200
    assert harness.body == b"first," and not harness.finished  # the server closes it
    assert "the async source broke" in caplog.text
    assert "GET /st/async-failing -> 500" in caplog.text  # the error level's line
    assert left == 0
    with pytest.raises(IncompleteResponseError):
        Client(app, asgi=True).get("/st/async-failing")


# -- server-sent events and the client leaving -------------------------------------------------
def test_async_sse_stops_when_the_client_leaves(app: App) -> None:
    EVENTS.clear()
    harness = Harness(leave_after=3)  # the opening line and two events, then gone

    async def scenario() -> tuple[int, float]:
        began = time.monotonic()
        left = await serve(app, harness, "/st/sse-async")
        return left, time.monotonic() - began

    left, took = asyncio.run(scenario())
    start = harness.sent[0]
    assert dict(start["headers"])[b"Content-Type"] == b"text/event-stream"
    assert harness.body == b'retry: 1000\n\ndata: {"n":0}\n\ndata: {"n":1}\n\n'
    assert not harness.finished
    # the generator was waiting on an hour's sleep: cancelled there, its finally ran
    assert EVENTS == ["async sse closed"] and left == 0 and took < 5


def test_sync_sse_is_closed_once_its_thread_returns(app: App) -> None:
    EVENTS.clear()
    PAUSE.clear()
    harness = Harness(leave_after=3)
    left = asyncio.run(serve(app, harness, "/st/sse-sync"))
    assert harness.body == b': stream open\n\nid: 0\ndata: {"n":0}\n\nid: 1\ndata: {"n":1}\n\n'
    # Blocked in its thread (asked for the next event before the client left): not
    # closed under it; or, asked after, closed at once. Never closed twice or while it runs.
    assert left == 0 and EVENTS in ([], ["sync sse closed"])
    PAUSE.set()  # the generator's next() returns ...
    deadline = time.monotonic() + 5
    while not EVENTS and time.monotonic() < deadline:
        time.sleep(0.01)
    assert EVENTS == ["sync sse closed"]  # ... and it is closed at once


def test_sse_over_the_async_client_when_the_stream_ends(app: App) -> None:
    res = Client(app, asgi=True).get("/st/sync", query={"n": "2"})
    assert res.text == "0\n1\n"


# -- request bodies -------------------------------------------------------------------------------
def test_a_large_body_is_spooled_to_a_file_and_read_whole() -> None:
    app = make(max_body=4 * SPOOL_AFTER)
    data = b"abcd" + b"x" * (2 * SPOOL_AFTER)
    res = Client(app, asgi=True).post("/st/size", data=data,
                                      content_type="application/octet-stream")
    assert res.json == {"size": len(data), "input": "BufferedRandom", "head": "abcd"}
    small = Client(app, asgi=True).post("/st/size", data=b"abcd",
                                        content_type="application/octet-stream")
    assert small.json == {"size": 4, "input": "BytesIO", "head": "abcd"}


def test_a_body_over_the_limit_by_its_length_is_413_unread(app: App) -> None:
    asked: list[int] = []

    async def receive() -> dict[str, Any]:
        asked.append(1)
        return {"type": "http.request", "body": b"x" * 10, "more_body": True}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    request = scope("/st/size", "POST")
    request["headers"] += [(b"content-type", b"application/octet-stream"),
                           (b"content-length", b"5000")]
    asyncio.run(app.asgi(request, receive, send))
    assert sent[0]["status"] == 413 and asked == []


def test_a_chunked_body_over_the_limit_is_413_before_the_handler_runs(app: App) -> None:
    EVENTS.clear()
    asked: list[int] = []

    async def receive() -> dict[str, Any]:
        asked.append(1)
        return {"type": "http.request", "body": b"x" * 400, "more_body": True}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    request = scope("/st/size", "POST")
    request["headers"] += [(b"content-type", b"application/octet-stream"),
                           (b"transfer-encoding", b"chunked")]
    asyncio.run(app.asgi(request, receive, send))
    assert sent[0]["status"] == 413 and b"larger than 1000 bytes" in sent[1]["body"]
    assert len(asked) == 3 and EVENTS == []  # 1200 bytes read of an endless body; no handler


def test_a_client_leaving_mid_body_after_spooling_leaks_nothing() -> None:
    app = make(max_body=4 * SPOOL_AFTER)
    chunks: Iterator[dict[str, Any]] = iter([
        {"type": "http.request", "body": b"x" * (SPOOL_AFTER + 10), "more_body": True},
        {"type": "http.disconnect"},
    ])

    async def receive() -> dict[str, Any]:
        return next(chunks)

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def scenario() -> int:
        before = asyncio.all_tasks()
        request = scope("/st/size", "POST")
        request["headers"] += [(b"content-type", b"application/octet-stream"),
                               (b"transfer-encoding", b"chunked")]
        await app.asgi(request, receive, send)
        return len(asyncio.all_tasks() - before)

    assert asyncio.run(scenario()) == 0 and sent == []


# -- lifespan -----------------------------------------------------------------------------
def lifespan(app: App, *messages: str) -> list[dict[str, Any]]:
    inbox = iter([{"type": m} for m in messages])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(inbox)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app.asgi({"type": "lifespan"}, receive, send))
    return sent


def test_lifespan_startup_loads_the_app_and_a_failure_says_why() -> None:
    app = App(AppConf("lazy"), entrypoints=False)
    app.add_ctl(StreamCtl)
    assert [m["type"] for m in lifespan(app, "lifespan.startup", "lifespan.shutdown")] == [
        "lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert app.loaded

    @hookimpl
    def clink_setup(app: Any) -> None:
        raise RuntimeError("no database")

    broken = App(AppConf("broken"), plugins=[types.SimpleNamespace(clink_setup=clink_setup)],
                 entrypoints=False)
    sent = lifespan(broken, "lifespan.startup")
    assert sent == [{"type": "lifespan.startup.failed", "message": "RuntimeError: no database"}]


def test_lifespan_shutdown_failure_is_reported() -> None:
    @hookimpl
    def clink_shutdown(app: Any) -> None:
        raise OSError("log disk gone")

    app = make(plugins=(types.SimpleNamespace(clink_shutdown=clink_shutdown),))
    sent = lifespan(app, "lifespan.startup", "lifespan.shutdown")
    assert sent[1] == {"type": "lifespan.shutdown.failed", "message": "OSError: log disk gone"}
