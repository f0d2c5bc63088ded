"""Serving a clink app over ASGI: ``app.asgi``, streaming, server-sent events, WebSockets."""

from .app import AsgiApp
from .sse import async_event_stream, send_async_events
from .websocket import (
    CLOSE_CODES,
    WebSocket,
    WebSocketDisconnect,
    WebSocketError,
    WebSocketRouteError,
    close_code,
)

__all__ = [
    "CLOSE_CODES",
    "AsgiApp",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketError",
    "WebSocketRouteError",
    "async_event_stream",
    "close_code",
    "send_async_events",
]
