"""One app, served over WSGI and ASGI: async and plain handlers, streams, SSE, a WebSocket.

Run: python docs/examples/asgi_app.py   (checks itself in-process and under uvicorn)
Serve: uvicorn asgi_app:app.asgi        (from docs/examples; see asgi_serve.py)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

from clink_core import App, AppConf, Controller, mapper
from clink_core.asgi import WebSocket, send_async_events


async def prices() -> AsyncIterator[dict[str, Any]]:
    """An endless feed: the client leaving cancels it at its ``await``."""
    n = 0
    try:
        while True:
            yield {"tick": n}
            n += 1
            await asyncio.sleep(0.01)
    finally:
        FEEDS_CLOSED.append(n)  # runs when the client goes away


def lines(n: int) -> Iterator[bytes]:
    for i in range(n):
        yield f"line {i}\n".encode()


FEEDS_CLOSED: list[int] = []


@mapper.path("/shop")
class ShopCtl(Controller):
    @mapper.get("/async")
    async def fetch(self, req: Any, res: Any) -> None:
        await asyncio.sleep(0)  # an async driver call, say
        res.body = {"kind": "async", "thread": threading.current_thread().name}

    @mapper.get("/plain")
    def plain(self, req: Any, res: Any) -> None:
        # May block (pymongo, SMTP): over ASGI it runs in the app's thread pool.
        res.body = {"kind": "plain", "thread": threading.current_thread().name}

    @mapper.get("/cheap")
    @mapper.inline
    def cheap(self, req: Any, res: Any) -> None:
        # Never blocks: called on the event loop, no thread hop.
        res.body = {"kind": "inline", "thread": threading.current_thread().name}

    @mapper.get("/report")
    def report(self, req: Any, res: Any) -> None:
        res.content_type = "text/plain"
        res.body = lines(3)  # streamed chunk by chunk, over WSGI and ASGI alike

    @mapper.get("/prices")
    async def prices(self, req: Any, res: Any) -> None:
        send_async_events(res, prices())  # server-sent events from an async generator

    @mapper.websocket("/chat/{room}")
    async def chat(self, req: Any, ws: WebSocket) -> None:
        await ws.accept()
        async for message in ws:  # str for text frames, bytes for binary ones
            text = message if isinstance(message, str) else message.decode("utf-8", "replace")
            await ws.send(f"{req.params['room']}: {text}")


app = App(AppConf("shop"), entrypoints=False)
app.add_ctl(ShopCtl)


def check_in_process() -> None:
    from clink_core.testing import Client

    wsgi, asgi = Client(app, asgi=False), Client(app, asgi=True)
    loop_thread = threading.current_thread().name
    assert wsgi.get("/shop/async").json["kind"] == "async"  # WSGI runs it to completion
    assert asgi.get("/shop/async").json == {"kind": "async", "thread": loop_thread}
    assert asgi.get("/shop/cheap").json == {"kind": "inline", "thread": loop_thread}
    assert asgi.get("/shop/plain").json["thread"].startswith("clink-asgi")
    for client in (wsgi, asgi):
        assert client.get("/shop/report").text == "line 0\nline 1\nline 2\n"


def check_under_uvicorn() -> None:
    import socket
    import time

    from websockets.sync.client import connect

    from clink_core.testing import LiveServer

    with LiveServer(app, asgi=True) as server:
        with connect(f"ws://127.0.0.1:{server.port}/shop/chat/lobby") as ws:
            ws.send("hello")
            assert ws.recv(timeout=5) == "lobby: hello"
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        sock.sendall(b"GET /shop/prices HTTP/1.1\r\nHost: x\r\n\r\n")
        seen = b""
        while seen.count(b"data: ") < 3:
            seen += sock.recv(4096)
        assert b'data: {"tick":0}' in seen
        sock.close()  # the client leaves: the feed is cancelled and closed
        deadline = time.monotonic() + 5
        while not FEEDS_CLOSED and time.monotonic() < deadline:
            time.sleep(0.01)
        assert FEEDS_CLOSED, "the feed was not closed"


if __name__ == "__main__":
    check_in_process()
    check_under_uvicorn()
    print("asgi_app: ok")
