"""WebSockets through the levels: plugins see handshakes, guards refuse, errors close cleanly."""

from __future__ import annotations

import asyncio
import logging
import types
from typing import Any

import pytest

from clink_core import App, AppConf, Controller, hookimpl, mapper, stamp
from clink_core.asgi import CLOSE_CODES, WebSocket, WebSocketDisconnect, WebSocketRouteError
from clink_core.error.http import Http403Error, Http503Error

SEEN: list[str] = []


@stamp()
@mapper.path("/w")
class SocketCtl(Controller):
    @mapper.websocket("/echo")
    async def echo(self, req: Any, ws: WebSocket) -> None:
        await ws.accept()
        async for message in ws:
            await ws.send(message)

    @mapper.websocket("/small")
    async def small(self, req: Any, ws: WebSocket) -> None:
        ws.max_size = 8
        await ws.accept()
        async for message in ws:
            await ws.send(message)

    @mapper.websocket("/boom")
    async def boom(self, req: Any, ws: WebSocket) -> None:
        await ws.accept()
        await ws.receive()
        raise RuntimeError("secret detail")

    @mapper.websocket("/busy")
    async def busy(self, req: Any, ws: WebSocket) -> None:
        raise Http503Error("the database is down")

    @mapper.websocket("/refuse")
    async def refuse(self, req: Any, ws: WebSocket) -> None:
        await ws.close()  # before accept(): the server refuses the handshake

    @mapper.websocket("/json")
    async def json(self, req: Any, ws: WebSocket) -> None:
        await ws.accept(headers={"X-Room": "7"})
        value = await ws.receive_json()
        await ws.send_json({"got": value, "who": req.args.get("who")})


@hookimpl
def clink_pre_routing(req: Any, res: Any) -> None:
    SEEN.append(f"1 {req.path}")


@hookimpl
def clink_pre_main(req: Any, res: Any) -> None:
    SEEN.append(f"3 {req.path}")
    if req.header.get("X_DENY"):
        raise Http403Error("denied by a level-3 guard")


@hookimpl
def clink_responding(req: Any, res: Any) -> None:
    SEEN.append(f"5 {req.path} {res.status}")


def make() -> App:
    plugin = types.SimpleNamespace(clink_pre_routing=clink_pre_routing,
                                   clink_pre_main=clink_pre_main,
                                   clink_responding=clink_responding)
    app = App(AppConf("ws", max_body=64), plugins=[plugin], entrypoints=False)
    app.add_ctl(SocketCtl)
    app.load()
    return app


@pytest.fixture(scope="module")
def app() -> App:
    return make()


def talk(app: App, path: str, messages: list[dict[str, Any]], query: bytes = b"",
         headers: list[tuple[bytes, bytes]] | None = None) -> list[dict[str, Any]]:
    """One connection: ``websocket.connect``, then ``messages``, then the client stays
    until the app closes (or says ``websocket.disconnect`` when they run out)."""
    inbox = [{"type": "websocket.connect"}, *messages]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if inbox:
            return inbox.pop(0)
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": path, "query_string": query, "headers": headers or [],
             "subprotocols": [], "client": ("127.0.0.1", 4000)}
    asyncio.run(asyncio.wait_for(app.asgi(scope, receive, send), 5))
    return sent


def text(data: str) -> dict[str, Any]:
    return {"type": "websocket.receive", "text": data}


def test_messages_go_both_ways_and_the_levels_see_the_connection(app: App) -> None:
    SEEN.clear()
    sent = talk(app, "/w/echo", [text("a"), {"type": "websocket.receive", "bytes": b"b"}])
    assert sent[0] == {"type": "websocket.accept", "subprotocol": None}
    assert sent[1:3] == [{"type": "websocket.send", "text": "a"},
                         {"type": "websocket.send", "bytes": b"b"}]
    assert SEEN == ["1 /w/echo", "3 /w/echo", "5 /w/echo 101"]


def test_json_messages_accept_headers_and_the_query(app: App) -> None:
    sent = talk(app, "/w/json", [text('{"n": 1}')], query=b"who=ann")
    assert sent[0]["headers"] == [(b"x-room", b"7")]
    assert sent[1] == {"type": "websocket.send", "text": '{"got":{"n":1},"who":"ann"}'}
    assert sent[2] == {"type": "websocket.close", "code": 1000, "reason": ""}


def test_a_level_3_guard_closes_with_4403_and_says_why(app: App) -> None:
    SEEN.clear()
    sent = talk(app, "/w/echo", [], headers=[(b"x-deny", b"1")])
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.close"]
    assert sent[1]["code"] == 4403 and sent[1]["reason"] == "denied by a level-3 guard"
    assert SEEN == ["1 /w/echo", "3 /w/echo", "5 /w/echo 403"]


def test_no_route_is_1008(app: App) -> None:
    sent = talk(app, "/w/nowhere", [])
    assert sent[-1]["code"] == 1008


def test_a_message_too_large_is_1009(app: App) -> None:
    sent = talk(app, "/w/small", [text("12345678"), text("123456789")])
    assert sent[1] == {"type": "websocket.send", "text": "12345678"}
    assert sent[2]["code"] == 1009 and "larger than 8" in sent[2]["reason"]
    over_app_limit = talk(app, "/w/echo", [text("x" * 65)])  # AppConf.max_body=64
    assert over_app_limit[-1]["code"] == 1009


def test_an_error_is_1011_logged_by_the_error_level_and_never_told(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, "clink.error"):
        sent = talk(app, "/w/boom", [text("go")])
    assert sent[-1] == {"type": "websocket.close", "code": 1011,
                        "reason": "internal server error"}
    assert "secret detail" in caplog.text and "GET /w/boom -> 500" in caplog.text


def test_a_dependency_down_is_1013_try_again_later(app: App) -> None:
    sent = talk(app, "/w/busy", [])
    assert sent[-1]["code"] == 1013 and sent[-1]["reason"] == "the database is down"
    assert CLOSE_CODES[401] == 4401


def test_closing_before_accept_refuses_the_handshake(app: App) -> None:
    SEEN.clear()
    sent = talk(app, "/w/refuse", [])
    assert sent == [{"type": "websocket.close", "code": 1000, "reason": ""}]
    assert SEEN[-1] == "5 /w/refuse 403"


def test_a_client_gone_before_accept_or_a_send_to_a_closed_socket(app: App) -> None:
    async def gone() -> dict[str, Any]:
        return {"type": "websocket.disconnect", "code": 1001}

    async def send(message: dict[str, Any]) -> None:
        raise OSError("client disconnected")  # what uvicorn raises once the peer left

    scope = {"type": "websocket", "path": "/w/echo", "query_string": b"", "headers": []}
    asyncio.run(app.asgi(scope, gone, send))  # no exception: a normal end

    async def sending() -> None:
        ws = WebSocket({}, None, send, 10)
        ws.state = "accepted"
        with pytest.raises(WebSocketDisconnect):
            await ws.send("late")
        assert ws.state == "closed"

    asyncio.run(sending())


def test_a_plain_websocket_method_is_refused_at_startup() -> None:
    @mapper.path("/bad")
    class BadCtl(Controller):
        @mapper.websocket("/x")
        def plain(self, req: Any, ws: Any) -> None:
            pass

    app = App(AppConf("bad"), entrypoints=False)
    app.add_ctl(BadCtl)
    app.load()
    with pytest.raises(WebSocketRouteError, match="must be 'async def"):
        talk(app, "/bad/x", [])
