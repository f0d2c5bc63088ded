"""clink_otel under ASGI (``app.asgi``): the same server spans, and the request's span is
the parent of spans made in ``async`` handlers, in plain handlers (run in threads) and of
pymongo's commands; in-process (httpx) and over a real socket (uvicorn)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

import clink_mongo
from clink_core import Controller, mapper, stamp
from clink_mongo import MongoSv

httpx = pytest.importorskip("httpx")
pytestmark = pytest.mark.timeout(60)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


def make_ctl(tracer: Any) -> type:
    @stamp(MongoSv)
    @mapper.path("/a")
    class AsyncCtl(Controller):
        def __init__(self, mongo_sv: MongoSv) -> None:
            self.books = mongo_sv.db["books"]

        @mapper.get("/async/{id:int}")
        async def coro(self, req: Any, res: Any) -> None:
            with tracer.start_as_current_span("async work"):
                await asyncio.sleep(0.01)
            res.body = {"id": req.params["id"]}

        @mapper.get("/plain")
        def plain(self, req: Any, res: Any) -> None:  # runs in the adapter's thread pool
            with tracer.start_as_current_span("plain work"):
                res.body = {"count": self.books.count_documents({})}

        @mapper.get("/boom")
        async def boom(self, req: Any, res: Any) -> None:
            raise RuntimeError("async failure")

    return AsyncCtl


@pytest.fixture
def asgi_app(otel_app, traces, mongo_conf):
    app = otel_app(make_ctl(traces.provider.get_tracer("tests")), plugins=(clink_mongo.plugin,))
    app.add_prim(mongo_conf)
    app.load()
    yield app
    app.close()


def in_process(app, path: str, **kw) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app.asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get(path, **kw)

    return asyncio.run(call())


def test_async_handler_spans_are_children(asgi_app, traces):
    res = in_process(asgi_app, "/a/async/3", headers={"traceparent": TRACEPARENT})
    assert res.json() == {"id": 3}
    server = traces.server()
    assert server.name == "GET /a/async/{id:int}"
    assert f"{server.context.trace_id:032x}" == TRACE_ID
    assert server.attributes["http.response.status_code"] == 200
    assert [s.name for s in traces.children(server)] == ["async work"]


def test_plain_handlers_in_threads_and_their_mongo_commands_are_children(asgi_app, traces):
    assert in_process(asgi_app, "/a/plain").json() == {"count": 0}
    server = traces.server()
    (work,) = traces.children(server)
    assert work.name == "plain work"
    (command,) = traces.children(work)
    assert command.name == "aggregate books" and command.kind is SpanKind.CLIENT


def test_an_async_exception_is_recorded(asgi_app, traces):
    assert in_process(asgi_app, "/a/boom").status_code == 500
    server = traces.server()
    assert server.status.status_code is StatusCode.ERROR
    assert server.attributes["error.type"] == "RuntimeError"
    assert [e.name for e in server.events] == ["exception"]


def test_concurrent_requests_keep_their_own_spans(asgi_app, traces):
    async def many() -> None:
        transport = httpx.ASGITransport(app=asgi_app.asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await asyncio.gather(*(client.get(f"/a/async/{i}") for i in range(20)))

    asyncio.run(many())
    servers = traces.servers()
    assert len(servers) == 20
    for server in servers:
        assert [s.name for s in traces.children(server)] == ["async work"]
    assert len({s.context.trace_id for s in servers}) == 20
    assert trace.get_current_span() is trace.INVALID_SPAN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_over_uvicorn(asgi_app, traces):
    uvicorn = pytest.importorskip("uvicorn")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(asgi_app.asgi, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            assert client.get("/a/async/1", headers={"traceparent": TRACEPARENT}).status_code == 200
            assert client.get("/a/plain").status_code == 200
    finally:
        server.should_exit = True
        thread.join(10)
    first, second = traces.servers()
    assert f"{first.context.trace_id:032x}" == TRACE_ID
    assert first.attributes["client.address"] == "127.0.0.1"
    assert second.name == "GET /a/plain"
    assert [s.name for s in traces.children(second)] == ["plain work"]
