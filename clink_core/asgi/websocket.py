"""WebSockets over ASGI: ``@mapper.websocket("/chat")`` routes and the ``WebSocket`` they get.

    @mapper.path("/room")
    class RoomCtl(Controller):
        @mapper.websocket("/{name}")
        @require_auth                       # the same guards as HTTP routes
        async def chat(self, req, ws):
            await ws.accept()
            async for text in ws:
                await ws.send(f"{req.params['name']}: {text}")

The handshake is a request through the same levels as HTTP: 0 (``req``:
headers, query, ``req.params``; ``req.websocket`` is the socket), 1, the
WebSocket router (2), 3, the method (awaited for the whole connection), then
5 when it ends; an exception runs 7, 5 and 8 as for HTTP, so plugins log,
count and guard connections as they do requests. The ``clink_route`` hook wraps
WebSocket routes too (clink_auth's ``@require_auth``).

An error closes the socket with a code from the status level 7 gave it:
``CLOSE_CODES`` (4401/4403 for 401/403, 1009 for 413, 1013 for 503, 1008 for
other 4xx, 1011 for the rest); before ``accept()`` the handshake is accepted
first so the client gets the code and reason rather than a bare refusal. A
message larger than ``ws.max_size`` (``AppConf.max_body`` unless the method
sets it) closes with 1009. Only the ASGI app serves WebSockets.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable, Iterable
from time import perf_counter
from typing import Any

from ..error.http import HttpError
from ..pipeline.compile import is_async
from .scope import environ

logger = logging.getLogger("clink.error")

#: RFC 6455 close codes used here.
NORMAL, POLICY, TOO_BIG, SERVER_ERROR, TRY_AGAIN = 1000, 1008, 1009, 1011, 1013
#: an HTTP status (from level 7) -> the close code sent; 4401/4403 are in the range
#: RFC 6455 leaves to applications, mirroring HTTP (as graphql-ws does).
CLOSE_CODES = {401: 4401, 403: 4403, 413: TOO_BIG, 503: TRY_AGAIN}
#: a close reason is at most 123 bytes of UTF-8 (RFC 6455 §5.5).
_MAX_REASON = 123


class WebSocketDisconnect(Exception):
    """The client closed the socket (``code`` is its close code)."""

    def __init__(self, code: int = NORMAL) -> None:
        self.code = code
        super().__init__(f"the client closed the WebSocket (code {code})")


class WebSocketError(RuntimeError):
    """A WebSocket used out of order (sending before ``accept()``, say)."""


class WebSocketRouteError(TypeError):
    """A ``@mapper.websocket`` method that is not ``async def``."""


def close_code(status: int) -> int:
    """The close code of an error answered with HTTP ``status``."""
    code = CLOSE_CODES.get(status)
    if code is not None:
        return code
    return POLICY if 400 <= status < 500 else SERVER_ERROR


def _reason(text: str) -> str:
    data = text.encode("utf-8")[:_MAX_REASON]
    return data.decode("utf-8", "ignore")


class WebSocket:
    """One WebSocket connection: ``accept``, ``receive``/``send``, ``close``."""

    def __init__(self, scope: dict[str, Any], receive: Any, send: Any, max_size: int) -> None:
        self.scope = scope
        self._receive = receive
        self._send = send
        #: the largest message accepted, in bytes (text: its characters); larger: 1009.
        self.max_size = max_size
        #: what the client offered in ``Sec-WebSocket-Protocol`` (less what a plugin took,
        #: such as clink_auth's ``bearer, <token>`` pair).
        self.subprotocols: list[str] = list(scope.get("subprotocols") or ())
        #: the subprotocol ``accept()`` answers when it is given none (a plugin may set it).
        self.subprotocol: str | None = None
        self.state = "connecting"  # -> accepted -> closed
        #: whether the handshake was accepted (stays true once closed).
        self.accepted = False

    async def accept(
        self, subprotocol: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        """Complete the handshake, answering ``subprotocol`` (default: ``self.subprotocol``)."""
        if self.state != "connecting":
            raise WebSocketError(f"accept() on a WebSocket that is {self.state}")
        message = await self._receive()
        if message["type"] == "websocket.disconnect":
            self.state = "closed"
            raise WebSocketDisconnect(message.get("code", NORMAL))
        reply: dict[str, Any] = {"type": "websocket.accept",
                                 "subprotocol": subprotocol or self.subprotocol}
        if headers:
            reply["headers"] = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        await self._send(reply)
        self.state = "accepted"
        self.accepted = True

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
        await self._sent({"type": "websocket.send", key: data})

    async def _sent(self, message: dict[str, Any]) -> None:
        try:
            await self._send(message)
        except OSError:  # the server's "client disconnected" (uvicorn: ClientDisconnected)
            self.state = "closed"
            raise WebSocketDisconnect(1006) from None

    async def send_json(self, value: Any) -> None:
        """Send ``value`` as a JSON text message."""
        await self.send(json.dumps(value, separators=(",", ":")))

    async def close(self, code: int = NORMAL, reason: str = "") -> None:
        """Close the socket (or refuse the handshake) with ``code``."""
        if self.state == "closed":
            return
        self.state = "closed"
        await self._sent({"type": "websocket.close", "code": code, "reason": _reason(reason)})

    def __aiter__(self) -> WebSocket:
        return self

    async def __anext__(self) -> str | bytes:
        try:
            return await self.receive()
        except WebSocketDisconnect:
            raise StopAsyncIteration from None


def check_websocket_routes(routes: Iterable[Any]) -> None:
    """Refuse (at startup) a WebSocket method that is not ``async def``."""
    for route in routes:
        endpoint = getattr(route, "endpoint", route.handle)
        func = inspect.unwrap(getattr(endpoint, "__func__", endpoint))  # past guards' wraps
        if not is_async(func):
            raise WebSocketRouteError(
                f"WebSocket route {route.path}: {getattr(func, '__qualname__', func)} must be "
                "'async def method(self, req, ws)' (a connection lives on the event loop)"
            )


def _split(funcs: tuple[Callable[..., Any], ...]) -> tuple[tuple[Callable[..., Any], bool], ...]:
    return tuple((f, is_async(f)) for f in funcs)


async def _call_all(handlers: tuple[tuple[Callable[..., Any], bool], ...], *args: Any) -> None:
    for handle, awaited in handlers:
        if awaited:
            await handle(*args)
        else:
            handle(*args)


def build_websocket_runner(app: Any) -> Callable[..., Any]:
    """``await serve(scope, receive, send)``: one WebSocket connection of the loaded ``app``
    through its levels (see the module doc)."""
    levels = app.levels
    recv, route = levels[0], app.ws_router.handle
    lv1, lv3, lv5, lv7 = (_split(levels[n]) for n in (1, 3, 5, 7))
    log_error = levels[8]
    log_async = is_async(log_error)
    request_type, response_type = app.request_type, app.response_type
    max_size = app.conf.max_body
    new = object.__new__
    new_context = request_type.new_context  # None: req.context made on first use

    async def serve(scope: dict[str, Any], receive: Any, send: Any) -> None:
        ws = WebSocket(scope, receive, send, max_size)
        req: Any = new(request_type)
        req.start = perf_counter()
        req.route = None
        if new_context is not None:
            req.context = new_context()
        res = response_type()
        try:
            result = recv(req, res, environ(scope, None))
            if result is not None and hasattr(result, "__await__"):
                await result
            req.websocket = ws
            await _call_all(lv1, req, res)
            handle = route(req)
            await _call_all(lv3, req, res)
            result = handle(req, ws)
            if result is not None and hasattr(result, "__await__"):
                await result
            await ws.close()
        except WebSocketDisconnect:
            pass  # the client left (or sent a message too large): a normal end
        except Exception as e:
            await _fail(req, res, ws, e)
            return
        res.status = 101 if ws.accepted else 403
        try:
            await _call_all(lv5, req, res)
        except Exception:
            logger.exception("a level-5 handler failed after WebSocket %s", scope.get("path"))

    async def _fail(req: Any, res: Any, ws: WebSocket, e: Exception) -> None:
        try:
            await _call_all(lv7, req, res, e)
            await _call_all(lv5, req, res)
            if log_async:
                await log_error(req, res, e)
            else:
                log_error(req, res, e)
        except Exception as e2:
            logger.error(
                "error while closing WebSocket %s (first error: %s: %s)",
                getattr(req, "path", None), type(e).__name__, e,
                exc_info=(type(e2), e2, e2.__traceback__),
            )
        status = res.status if isinstance(res.status, int) and res.status >= 400 else 500
        reason = str(e.msg or "") if isinstance(e, HttpError) else "internal server error"
        try:
            if ws.state == "connecting":
                await ws.accept()  # a refusal would only say "403": accept to say why
            await ws.close(close_code(status), reason)
        except WebSocketDisconnect:
            pass  # gone before hearing why
        except Exception:
            logger.exception("closing WebSocket %s failed", getattr(req, "path", None))

    return serve
