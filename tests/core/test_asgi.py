"""The same app over ASGI: async and plain handlers, bodies, streaming, lifespan, WebSockets."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import httpx
import pytest

from clink_core import App, AppConf, Controller, hookimpl, mapper
from clink_core.asgi import WebSocket
from clink_core.error.http import Http403Error

pytest.importorskip("uvicorn")

THREADS: dict[str, str] = {}


@mapper.path("/a")
class AsyncCtl(Controller):
    @mapper.get("/plain")
    def plain(self, req, res):
        THREADS["plain"] = threading.current_thread().name
        res.body = {"kind": "plain"}

    @mapper.get("/cheap")
    @mapper.inline
    def cheap(self, req, res):
        THREADS["cheap"] = threading.current_thread().name
        res.body = {"kind": "inline"}

    @mapper.get("/async/{id:int}")
    async def coro(self, req, res):
        THREADS["async"] = threading.current_thread().name
        await asyncio.sleep(0)
        res.body = {"kind": "async", "id": req.params["id"]}

    @mapper.post("/echo")
    async def echo(self, req, res):
        res.body = {"got": req.body}

    @mapper.get("/boom")
    async def boom(self, req, res):
        raise RuntimeError("secret detail")

    @mapper.get("/stream")
    def stream(self, req, res):
        res.content_type = "text/plain"
        res.body = (f"line {i}\n".encode() for i in range(3))

    @mapper.websocket("/ws/{room}")
    async def chat(self, req, ws: WebSocket):
        if req.args.get("token") != "ok":
            raise Http403Error("no token")
        await ws.accept()
        async for message in ws:
            await ws.send(f"{req.params['room']}: {message}")


def make(**conf) -> App:
    app = App(AppConf("asgi", max_body=conf.pop("max_body", 1000), **conf), entrypoints=False)
    app.add_ctl(AsyncCtl)
    app.load()
    return app


async def call(app: App, method: str, path: str, **kw) -> httpx.Response:
    transport = httpx.ASGITransport(app=app.asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, path, **kw)


def run(coro):
    return asyncio.run(coro)


def test_async_handlers_are_awaited_and_plain_ones_run_in_threads():
    app = make()
    main = threading.current_thread().name
    assert run(call(app, "GET", "/a/async/5")).json() == {"kind": "async", "id": 5}
    assert run(call(app, "GET", "/a/plain")).json() == {"kind": "plain"}
    assert run(call(app, "GET", "/a/cheap")).json() == {"kind": "inline"}
    assert THREADS["async"] == main and THREADS["cheap"] == main
    assert THREADS["plain"].startswith("clink-asgi")


def test_the_same_app_serves_async_handlers_over_wsgi():
    from clink_core.testing import Client

    app = make()
    assert Client(app).get("/a/async/9").json == {"kind": "async", "id": 9}
    assert Client(app).post("/a/echo", json={"x": 1}).json == {"got": {"x": 1}}


def test_errors_bodies_and_limits():
    app = make()
    res = run(call(app, "GET", "/a/boom"))
    assert res.status_code == 500 and "secret" not in res.text
    assert run(call(app, "GET", "/nowhere")).json()["status"] == 404
    assert run(call(app, "POST", "/a/echo", json={"a": [1, 2]})).json() == {"got": {"a": [1, 2]}}
    too_big = run(call(app, "POST", "/a/echo", content=b"[" + b"1," * 600 + b"1]",
                       headers={"content-type": "application/json"}))
    assert too_big.status_code == 413
    bad = run(call(app, "POST", "/a/echo", content=b"{nope",
                   headers={"content-type": "application/json"}))
    assert bad.status_code == 400


def test_a_streamed_body_arrives_in_chunks():
    res = run(call(make(), "GET", "/a/stream"))
    assert res.text == "line 0\nline 1\nline 2\n"


def test_a_chunked_body_over_the_limit_is_413_before_it_is_buffered():
    app = make(max_body=50)
    received = []

    async def scenario():
        sent = []

        async def receive():
            received.append(1)
            return {"type": "http.request", "body": b"x" * 40, "more_body": True}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/a/echo", "query_string": b"",
                 "headers": [(b"content-type", b"application/json"),
                             (b"transfer-encoding", b"chunked")]}
        await app.asgi(scope, receive, send)
        return sent

    sent = run(scenario())
    assert sent[0]["status"] == 413
    assert len(received) == 2  # 80 bytes read of an endless body, then it stopped


def test_a_client_that_leaves_mid_body_gets_no_answer_and_leaks_no_task():
    app = make()

    async def scenario():
        sent = []
        messages = iter([{"type": "http.request", "body": b"{", "more_body": True},
                         {"type": "http.disconnect"}])

        async def receive():
            return next(messages)

        async def send(message):
            sent.append(message)

        before = len(asyncio.all_tasks())
        scope = {"type": "http", "method": "POST", "path": "/a/echo", "query_string": b"",
                 "headers": [(b"content-type", b"application/json"),
                             (b"content-length", b"10")]}
        await app.asgi(scope, receive, send)
        return sent, len(asyncio.all_tasks()) - before

    sent, extra_tasks = run(scenario())
    assert sent == [] and extra_tasks == 0


def test_lifespan_runs_setup_and_shutdown():
    events = []

    @hookimpl
    def clink_shutdown(app):
        events.append("shutdown")

    import types

    app = App(AppConf("asgi"), plugins=[types.SimpleNamespace(clink_shutdown=clink_shutdown)],
              entrypoints=False)
    app.add_ctl(AsyncCtl)

    async def scenario():
        messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
        sent = []

        async def receive():
            return next(messages)

        async def send(message):
            sent.append(message["type"])

        await app.asgi({"type": "lifespan"}, receive, send)
        return sent

    assert run(scenario()) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert app.loaded and events == ["shutdown"]
    app.close()
    assert events == ["shutdown"]  # once


# -- over a real socket, under uvicorn -------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served():
    import uvicorn

    port = free_port()
    config = uvicorn.Config(make().asgi, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def test_over_uvicorn(served):
    with httpx.Client(base_url=f"http://127.0.0.1:{served}", timeout=5) as client:
        assert client.get("/a/async/3").json() == {"kind": "async", "id": 3}
        assert client.get("/a/plain").json() == {"kind": "plain"}
        assert client.get("/a/stream").text == "line 0\nline 1\nline 2\n"
        assert client.post("/a/echo", json={"n": 1}).json() == {"got": {"n": 1}}
        assert client.get("/a/boom").status_code == 500


def test_websocket_over_uvicorn(served):
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    with connect(f"ws://127.0.0.1:{served}/a/ws/lobby?token=ok") as ws:
        ws.send("hi")
        assert ws.recv(timeout=5) == "lobby: hi"
    with connect(f"ws://127.0.0.1:{served}/a/ws/lobby") as ws, \
            pytest.raises(ConnectionClosed) as info:
        ws.recv(timeout=5)
    assert info.value.rcvd.code == 4403
