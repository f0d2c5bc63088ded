"""Bearer tokens on WebSocket handshakes, where a browser cannot send ``Authorization``.

A guarded ``@mapper.websocket`` route takes the access token, in this order, from:

1. an ``Authorization: Bearer <token>`` header (clients other than browsers);
2. the subprotocols: the client offers ``bearer`` followed by the token
   (``new WebSocket(url, ["bearer", token])``); the handshake answers ``bearer``
   (never the token, as a browser needs one of its offers back), and the pair is
   taken out of ``ws.subprotocols``, so the app sees only its own protocols;
3. the query argument ``access_token`` (RFC 6750 §2.3):
   ``wss://host/path?access_token=<token>``. URLs end up in proxies' logs; prefer 2.

The token is then checked exactly as for HTTP (``OAuthSv.authen_principal``): a
missing or bad one closes the socket with 4401, a group refused with 4403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from clink_core.plugin import Route, read_stamp
from clink_core.routing.mapper import WS_KEY

P = TypeVar("P")
#: the subprotocol that announces a token (the next offered subprotocol is the token).
BEARER_SUBPROTOCOL = "bearer"
#: the query argument that may carry the token (RFC 6750 §2.3).
TOKEN_QUERY_ARG = "access_token"


def is_websocket_route(route: Route) -> bool:
    """Whether ``route`` is a ``@mapper.websocket`` one."""
    endpoint = getattr(route, "endpoint", route.handle)
    return read_stamp(getattr(endpoint, "__func__", endpoint), WS_KEY) is not None


def adopt_websocket_token(req: Any) -> None:
    """Put the token of a WebSocket handshake where ``authen_principal`` reads it
    (``HTTP_AUTHORIZATION``), from the subprotocols or the query (see the module doc)."""
    ws = getattr(req, "websocket", None)
    env = req.env
    if ws is None or env is None:
        return
    token: str | None = None
    offered: list[str] = ws.subprotocols
    lowered = [p.lower() for p in offered]
    if BEARER_SUBPROTOCOL in lowered:
        at = lowered.index(BEARER_SUBPROTOCOL)
        if at + 1 < len(offered):
            token = offered[at + 1]
        del offered[at:at + 2]
        ws.subprotocol = BEARER_SUBPROTOCOL  # the answer the browser needs
    if env.get("HTTP_AUTHORIZATION"):
        return
    if token is None:
        token = req.args.get(TOKEN_QUERY_ARG)
    if token:
        env["HTTP_AUTHORIZATION"] = f"Bearer {token}"


def websocket_authen(authen: Callable[[Any], P]) -> Callable[[Any], P]:
    """``authen`` (``OAuthSv.authen_principal``) for WebSocket handshakes."""

    def authen_websocket(req: Any) -> P:
        adopt_websocket_token(req)
        return authen(req)

    return authen_websocket


__all__ = [
    "BEARER_SUBPROTOCOL",
    "TOKEN_QUERY_ARG",
    "adopt_websocket_token",
    "is_websocket_route",
    "websocket_authen",
]
