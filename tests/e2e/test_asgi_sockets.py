"""``app.asgi`` under real uvicorn, over sockets: streams and SSE with clients leaving, bodies
refused as they arrive, clients gone mid-body, files, WebSockets, the lifespan."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import threading
import time
import types
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from clink_core import App, AppConf, Controller, Request, Response, hookimpl, mapper, stamp
from clink_core.asgi import WebSocket, send_async_events
from clink_core.testing import LiveServer

pytest.importorskip("uvicorn")
ws_client = pytest.importorskip("websockets.sync.client")
ConnectionClosed = pytest.importorskip("websockets.exceptions").ConnectionClosed
pytestmark = pytest.mark.timeout(60)

MAX_BODY = 4096
CLOSED: list[str] = []
RAN: list[str] = []
SHUTDOWN: list[str] = []
FILE = bytes(range(256)) * 1024  # 256 KiB


def sync_ticks() -> Iterator[dict[str, int]]:
    try:
        n = 0
        while True:
            yield {"n": n}
            n += 1
            time.sleep(0.05)
    finally:
        CLOSED.append("sync")


async def async_ticks() -> AsyncIterator[dict[str, int]]:
    try:
        n = 0
        while True:
            yield {"n": n}
            n += 1
            await asyncio.sleep(0.05)
    finally:
        CLOSED.append("async")


@stamp()
@mapper.path("/e")
class E2eCtl(Controller):
    root: Path

    @mapper.get("/sse-sync")
    def sse_sync(self, req: Request, res: Response) -> None:
        res.send_events(sync_ticks())

    @mapper.get("/sse-async")
    async def sse_async(self, req: Request, res: Response) -> None:
        send_async_events(res, async_ticks())

    @mapper.post("/upload", "application/octet-stream")
    def upload(self, req: Request, res: Response) -> None:
        RAN.append("upload")
        res.body = {"size": len(req.body or b"")}

    @mapper.get("/tasks")
    async def tasks(self, req: Request, res: Response) -> None:
        res.body = {"tasks": len(asyncio.all_tasks())}

    @mapper.get("/file")
    def file(self, req: Request, res: Response) -> None:
        res.send_file("data.bin", root=E2eCtl.root)

    @mapper.websocket("/ws")
    async def ws(self, req: Request, ws: WebSocket) -> None:
        await ws.accept()
        async for message in ws:
            if message == "fail":
                raise RuntimeError("handler broke")
            await ws.send(message)


@hookimpl
def clink_shutdown(app: Any) -> None:
    SHUTDOWN.append(app.conf.name)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("asgi-files")
    (root / "data.bin").write_bytes(FILE)
    E2eCtl.root = root
    app = App(AppConf("asgi-e2e", max_body=MAX_BODY),
              plugins=[types.SimpleNamespace(clink_shutdown=clink_shutdown)], entrypoints=False)
    app.add_ctl(E2eCtl)
    with LiveServer(app, asgi=True) as live:
        yield live
    assert SHUTDOWN == ["asgi-e2e"]  # the lifespan's shutdown ran the plugins' teardown


def wait_for(check: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return bool(check())


def task_count(server: LiveServer) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/e/tasks")
    count = json.loads(conn.getresponse().read())["tasks"]
    conn.close()
    return int(count)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_sse_stops_when_the_client_hangs_up(server: LiveServer, kind: str) -> None:
    CLOSED.clear()
    before = task_count(server)
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.sendall(f"GET /e/sse-{kind} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    seen = b""
    while seen.count(b"data: ") < 3:
        seen += sock.recv(4096)
    assert b"text/event-stream" in seen and b'data: {"n":0}' in seen
    sock.close()  # the client is gone
    assert wait_for(lambda: [kind] == CLOSED), CLOSED  # the generator's finally ran
    assert wait_for(lambda: task_count(server) <= before)  # nothing left running for it


def test_a_chunked_body_over_the_limit_is_413_while_it_is_still_coming(
    server: LiveServer,
) -> None:
    RAN.clear()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"POST /e/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                     b"Content-Type: application/octet-stream\r\n\r\n")
        chunk = b"x" * 1024
        for _ in range(MAX_BODY // 1024 + 2):  # just past the limit, and no last chunk
            sock.sendall(b"400\r\n" + chunk + b"\r\n")
        res = http.client.HTTPResponse(sock)
        res.begin()
        assert res.status == 413
        assert str(MAX_BODY) in json.loads(res.read())["message"]
    assert RAN == []


def test_a_body_at_the_limit_is_read_as_it_arrives(server: LiveServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)

    def body() -> Iterator[bytes]:
        for _ in range(4):
            yield b"y" * (MAX_BODY // 4)

    conn.request("POST", "/e/upload", body=body(),
                 headers={"Content-Type": "application/octet-stream"}, encode_chunked=True)
    assert json.loads(conn.getresponse().read()) == {"size": MAX_BODY}
    conn.close()


def test_clients_leaving_mid_body_leave_no_task(server: LiveServer) -> None:
    RAN.clear()
    before = task_count(server)
    for _ in range(20):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"POST /e/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n"
                         b"Content-Type: application/octet-stream\r\n\r\n" + b"z" * 100)
    assert wait_for(lambda: task_count(server) <= before)
    assert RAN == [], RAN  # no handler ran for a body that never came


def test_a_file_is_streamed_with_ranges(server: LiveServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/e/file")
    res = conn.getresponse()
    assert res.getheader("Content-Length") == str(len(FILE)) and res.read() == FILE
    conn.request("GET", "/e/file", headers={"Range": "bytes=1000-1999"})
    part = conn.getresponse()
    assert part.status == 206 and part.read() == FILE[1000:2000]
    conn.close()


def test_websocket_limits_and_errors_over_a_socket(server: LiveServer) -> None:
    url = f"ws://127.0.0.1:{server.port}/e/ws"
    with ws_client.connect(url, open_timeout=5) as ws:
        ws.send("hello")
        assert ws.recv(timeout=5) == "hello"
        ws.send("x" * (MAX_BODY + 1))
        with pytest.raises(ConnectionClosed) as info:
            ws.recv(timeout=5)
        assert info.value.rcvd.code == 1009
    with ws_client.connect(url, open_timeout=5) as ws:
        ws.send("fail")
        with pytest.raises(ConnectionClosed) as info:
            ws.recv(timeout=5)
        assert info.value.rcvd.code == 1011


def test_many_connections_at_once(server: LiveServer) -> None:
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            conn.request("POST", "/e/upload", body=b"q" * i,
                         headers={"Content-Type": "application/octet-stream"})
            assert json.loads(conn.getresponse().read()) == {"size": i}
            conn.close()
        except BaseException as e:  # collected for the assert below
            errors.append(e)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
