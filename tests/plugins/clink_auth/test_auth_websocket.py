"""clink_auth on WebSockets: the bearer token from a subprotocol, the query or the header,
under uvicorn over real sockets (SecantusDB behind the group check)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from bson import ObjectId

from clink_auth import ACCESS, OAuthSv, require_auth, require_group
from clink_auth.wstoken import adopt_websocket_token
from clink_core import App, Controller, mapper, stamp
from clink_core.testing import LiveServer

pytest.importorskip("uvicorn")
websockets_sync = pytest.importorskip("websockets.sync.client")
ConnectionClosed = pytest.importorskip("websockets.exceptions").ConnectionClosed


@stamp()
@mapper.path("/live")
class LiveCtl(Controller):
    @mapper.websocket("/feed")
    @require_auth
    async def feed(self, req: Any, ws: Any) -> None:
        own = [p for p in ws.subprotocols if p.startswith("feed.")]
        await ws.accept(own[0] if own else None)
        await ws.send_json({"name": req.context.account.name, "offered": ws.subprotocols})
        async for text in ws:
            await ws.send(f"echo {text}")

    @mapper.websocket("/admin")
    @require_group("admin")
    async def admin(self, req: Any, ws: Any) -> None:
        await ws.accept()
        await ws.send("welcome, admin")


@pytest.fixture
def served(auth_app: Callable[..., App]) -> Iterator[tuple[str, Callable[[str], str]]]:
    app = auth_app(LiveCtl)
    app.load()
    oauth = app.injector.ref(OAuthSv)

    def token(name: str) -> str:
        access, _ = oauth.codec.make(ACCESS, str(ObjectId()), time.time(), name=name)
        return str(access)

    with LiveServer(app, asgi=True) as server:
        yield f"ws://127.0.0.1:{server.port}", token


def closed_with(url: str, **kw: Any) -> tuple[int, str]:
    with websockets_sync.connect(url, open_timeout=5, **kw) as ws, \
            pytest.raises(ConnectionClosed) as info:
        ws.recv(timeout=5)
    return info.value.rcvd.code, info.value.rcvd.reason


def test_the_token_in_a_subprotocol(served: tuple[str, Callable[[str], str]]) -> None:
    base, token = served
    with websockets_sync.connect(f"{base}/live/feed", subprotocols=["bearer", token("ann")],
                                 open_timeout=5) as ws:
        assert ws.subprotocol == "bearer"  # the token itself is never echoed
        assert json.loads(ws.recv(timeout=5)) == {"name": "ann", "offered": []}
        ws.send("hi")
        assert ws.recv(timeout=5) == "echo hi"


def test_the_apps_own_subprotocol_next_to_the_token(
    served: tuple[str, Callable[[str], str]]
) -> None:
    base, token = served
    with websockets_sync.connect(
        f"{base}/live/feed", subprotocols=["bearer", token("bo"), "feed.v2"], open_timeout=5,
    ) as ws:
        assert ws.subprotocol == "feed.v2"
        assert '"offered":["feed.v2"]' in ws.recv(timeout=5)


def test_the_token_in_the_query(served: tuple[str, Callable[[str], str]]) -> None:
    base, token = served
    with websockets_sync.connect(f"{base}/live/feed?access_token={token('cy')}",
                                 open_timeout=5) as ws:
        assert ws.subprotocol is None
        assert '"name":"cy"' in ws.recv(timeout=5)


def test_the_token_in_the_authorization_header(
    served: tuple[str, Callable[[str], str]]
) -> None:
    base, token = served
    with websockets_sync.connect(f"{base}/live/feed", open_timeout=5,
                                 additional_headers={"Authorization": f"Bearer {token('di')}"}
                                 ) as ws:
        assert '"name":"di"' in ws.recv(timeout=5)


def test_no_or_a_bad_token_closes_with_4401(served: tuple[str, Callable[[str], str]]) -> None:
    base, token = served
    code, reason = closed_with(f"{base}/live/feed")
    assert code == 4401 and "authentication required" in reason
    code, reason = closed_with(f"{base}/live/feed", subprotocols=["bearer", "x.y.z"])
    assert code == 4401 and "not valid" in reason
    forged = token("ann")[:-4] + "AAAA"
    assert closed_with(f"{base}/live/feed?access_token={forged}")[0] == 4401


def test_outside_the_group_closes_with_4403(served: tuple[str, Callable[[str], str]]) -> None:
    base, token = served
    code, reason = closed_with(f"{base}/live/admin", subprotocols=["bearer", token("eve")])
    assert code == 4403 and "admin" in reason


def test_the_group_query_runs_off_the_event_loop(
    auth_app: Callable[..., App], monkeypatch: pytest.MonkeyPatch
) -> None:
    from clink_auth.acc import AccSv

    asked: list[tuple[str, bool]] = []

    def in_group(self: Any, acc_id: ObjectId, group_name: str) -> bool:
        try:
            asyncio.get_running_loop()
            on_loop = True
        except RuntimeError:
            on_loop = False
        asked.append((group_name, on_loop))
        return True

    monkeypatch.setattr(AccSv, "in_group", in_group)
    app = auth_app(LiveCtl)
    app.load()
    oauth = app.injector.ref(OAuthSv)
    access, _ = oauth.codec.make(ACCESS, str(ObjectId()), time.time(), name="root")
    with LiveServer(app, asgi=True) as server, websockets_sync.connect(
        f"ws://127.0.0.1:{server.port}/live/admin", subprotocols=["bearer", str(access)],
        open_timeout=5,
    ) as ws:
        assert ws.recv(timeout=5) == "welcome, admin"
    assert asked == [("admin", False)]


def test_adopting_leaves_http_requests_and_a_header_alone() -> None:
    class Req:
        env: dict[str, Any] = {"HTTP_AUTHORIZATION": "Bearer from-header"}
        args: dict[str, str] = {"access_token": "from-query"}

    plain = Req()
    adopt_websocket_token(plain)  # no req.websocket: an HTTP request
    assert plain.env["HTTP_AUTHORIZATION"] == "Bearer from-header"

    class Ws:
        def __init__(self) -> None:
            self.subprotocols = ["chat", "BEARER", "tok"]
            self.subprotocol: str | None = None

    handshake = Req()
    ws = handshake.websocket = Ws()  # type: ignore[attr-defined]
    adopt_websocket_token(handshake)
    assert handshake.env["HTTP_AUTHORIZATION"] == "Bearer from-header"  # the header wins
    assert ws.subprotocols == ["chat"] and ws.subprotocol == "bearer"
