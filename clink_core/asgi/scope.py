"""An ASGI HTTP scope as the WSGI environ the pipeline's level 0 reads.

The levels, the request type and every plugin read a WSGI environ; building
one from the scope (once per request, a dict of a dozen keys) is what lets the
ASGI app run exactly the same pipeline.
"""

from __future__ import annotations

from io import BytesIO
from typing import IO, Any

_SPECIAL = {b"content-type": "CONTENT_TYPE", b"content-length": "CONTENT_LENGTH"}


def environ(scope: dict[str, Any], body: IO[bytes] | None) -> dict[str, Any]:
    """The WSGI environ of an ASGI ``http`` scope whose body was read into ``body``
    (a file at its start; ``None``: no body)."""
    path: str = scope["path"]
    raw_path = scope.get("raw_path")
    query = scope.get("query_string", b"").decode("latin-1")
    server = scope.get("server") or ("127.0.0.1", 80)
    client = scope.get("client")
    env: dict[str, Any] = {
        "REQUEST_METHOD": scope.get("method", "GET"),  # a WebSocket handshake is a GET
        "SCRIPT_NAME": scope.get("root_path", ""),
        # WSGI carries the decoded path as latin-1 text of its UTF-8 bytes.
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1]) if server[1] is not None else "",
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": BytesIO() if body is None else body,
        "wsgi.input_terminated": True,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        "asgi.scope": scope,
    }
    if raw_path is not None:
        raw = raw_path.decode("latin-1")
        env["RAW_URI"] = f"{raw}?{query}" if query else raw
    if client:
        env["REMOTE_ADDR"] = client[0]
        env["REMOTE_PORT"] = str(client[1])
    for name, value in scope.get("headers", ()):
        key = _SPECIAL.get(name) or "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        text = value.decode("latin-1")
        if key in env:  # a repeated header: one value, comma-joined, as WSGI servers do
            text = f"{env[key]},{text}"
        env[key] = text
    return env


def body_length(scope: dict[str, Any]) -> tuple[int | None, bool]:
    """``(Content-Length or None, whether a body may follow)`` from the scope's headers."""
    length: int | None = None
    chunked = False
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            length = int(text) if text.isdigit() else -1  # -1: let level 0 refuse it
        elif name == b"transfer-encoding":
            chunked = True
    return length, chunked or bool(length)
