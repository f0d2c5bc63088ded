"""Serving a clink app over ASGI: ``app.asgi``, WebSockets, the scope as an environ."""

from .app import AsgiApp
from .websocket import WebSocket, WebSocketDisconnect, WebSocketError

__all__ = ["AsgiApp", "WebSocket", "WebSocketDisconnect", "WebSocketError"]
