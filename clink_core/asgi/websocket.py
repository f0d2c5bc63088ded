"""WebSockets over ASGI: ``@mapper.websocket("/chat")`` routes and the ``WebSocket`` they get.

    @mapper.path("/room")
    class RoomCtl(Controller):
        @mapper.websocket("/{name}")
        @require_auth                       # the same guards as HTTP routes
        async def chat(self, req, ws):
            await ws.accept()
            async for text in ws:
                await ws.send(f"{req.params['name']}: {text}")

The handshake is read as a request (``req``: headers, query, path parameters,
``req.context``) through level 0, and routed by its own router, so route
templates and the ``clink_route`` hook (guards) work as for HTTP. An error
before ``accept()`` closes the handshake (4401/4403 for 401/403, 1008 for other
4xx, 1011 otherwise); after it, the socket closes with 1011 and the error log
has the traceback. A message larger than ``AppConf.max_body`` closes it with
1009. Only the ASGI app serves WebSockets.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from ..error.http import HttpError
from ..type.response import Response
from .scope import environ

logger = logging.getLogger("clink.error")

#: RFC 6455 close codes used here (4401/4403: the application range, for 401/403).
NORMAL, POLICY, TOO_BIG, SERVER_ERROR = 1000, 1008, 1009, 1011
_HTTP_CLOSE = {401: 4401, 403: 4403}


class WebSocketDisconnect(Exception):
    """The client closed the socket (``code`` is its close code)."""

    def __init__(self, code: int = NORMAL) -> None:
        self.code = code
        super().__init__(f"the client closed the WebSocket (code {code})")


class WebSocketError(RuntimeError):
    """A WebSocket used out of order (sending before ``accept()``, say)."""


class WebSocket:
    """One WebSocket connection: ``accept``, ``receive``/``send``, ``close``."""

    def __init__(self, scope: dict[str, Any], receive: Any, send: Any, max_size: int) -> None:
        self.scope = scope
        self._receive = receive
        self._send = send
        self.max_size = max_size
        self.state = "connecting"  # -> accepted -> closed

    @property
    def subprotocols(self) -> list[str]:
        """What the client offered in ``Sec-WebSocket-Protocol``."""
        return list(self.scope.get("subprotocols") or ())

    async def accept(
        self, subprotocol: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        """Complete the handshake (choosing one of ``subprotocols``, if any)."""
        if self.state != "connecting":
            raise WebSocketError(f"accept() on a WebSocket that is {self.state}")
        message = await self._receive()
        if message["type"] == "websocket.disconnect":
            self.state = "closed"
            raise WebSocketDisconnect(message.get("code", NORMAL))
        reply: dict[str, Any] = {"type": "websocket.accept", "subprotocol": subprotocol}
        if headers:
            reply["headers"] = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        await self._send(reply)
        self.state = "accepted"

    async def receive(self) -> str | bytes:
        """The next message, text or bytes; ``WebSocketDisconnect`` once the client closed."""
        if self.state != "accepted":
            raise WebSocketError(f"receive() on a WebSocket that is {self.state}")
        message = await self._receive()
        if message["type"] == "websocket.disconnect":
            self.state = "closed"
            raise WebSocketDisconnect(message.get("code", NORMAL))
        data = message.get("text")
        if data is None:
            data = message.get("bytes") or b""
        if len(data) > self.max_size:
            await self.close(TOO_BIG, f"message larger than {self.max_size} bytes")
            raise WebSocketDisconnect(TOO_BIG)
        return data  # type: ignore[no-any-return]

    async def receive_json(self) -> Any:
        """The next message parsed as JSON (``ValueError`` when it is not JSON)."""
        return json.loads(await self.receive())

    async def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message."""
        if self.state != "accepted":
            raise WebSocketError(f"send() on a WebSocket that is {self.state}")
        key = "text" if isinstance(data, str) else "bytes"
        await self._send({"type": "websocket.send", key: data})

    async def send_json(self, value: Any) -> None:
        """Send ``value`` as a JSON text message."""
        await self.send(json.dumps(value, separators=(",", ":")))

    async def close(self, code: int = NORMAL, reason: str = "") -> None:
        """Close the socket (or refuse the handshake) with ``code``."""
        if self.state == "closed":
            return
        self.state = "closed"
        await self._send({"type": "websocket.close", "code": code, "reason": reason[:120]})

    def __aiter__(self) -> WebSocket:
        return self

    async def __anext__(self) -> str | bytes:
        try:
            return await self.receive()
        except WebSocketDisconnect:
            raise StopAsyncIteration from None


async def serve_websocket(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Route and run one WebSocket connection of ``app``."""
    ws = WebSocket(scope, receive, send, app.conf.max_body)
    http_scope = {**scope, "method": "GET"}
    req: Any = app.request_type.__new__(app.request_type)
    req.start, req.route = None, None
    try:
        app.levels[0](req, Response(), environ(http_scope, b""))
        handle: Callable[..., Any] = app.ws_router.handle(req)
        result = handle(req, ws)
        if result is not None and hasattr(result, "__await__"):
            await result
        await ws.close()
    except WebSocketDisconnect:
        pass
    except HttpError as e:
        code = _HTTP_CLOSE.get(e.status, POLICY if e.status < 500 else SERVER_ERROR)
        if ws.state == "connecting":
            await ws.accept()  # a close before accepting would only say "403": say why
        await ws.close(code, str(e.msg or "")[:120])
    except Exception:
        logger.exception("WebSocket %s failed", scope.get("path"))
        await ws.close(SERVER_ERROR, "internal server error")
