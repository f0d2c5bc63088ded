"""An ASGI HTTP scope as the WSGI environ the pipeline's level 0 reads.

The levels, the request type and every plugin read a WSGI environ; building
one from the scope (once per request, a dict of a dozen keys) is what lets the
ASGI app run exactly the same pipeline.

PERF: the environ is built eagerly, but cheaply (2.65 -> 0.75 µs for the bench's
GET, three headers). A lazy mapping was not taken: the levels and plugins read
it with ``env.get`` and ``in``, which a ``dict`` subclass's ``__missing__`` does
not see, and overriding those makes every read a Python call. Instead the parts
that repeat from request to request are looked up, not recomputed: the
constant ``wsgi.*`` keys are one ``dict.copy``, a header name's environ key
(``b"user-agent"`` -> ``"HTTP_USER_AGENT"``) and a server's ``(name, port)``
text come from small caches, and an ASCII path (nearly every one) is used as
it is. The caches are bounded, so a client sending made-up header names cannot
grow them without end.
"""

from __future__ import annotations

from io import BytesIO
from typing import IO, Any

#: the environ keys every request has with the same value.
_CONSTANT: dict[str, Any] = {
    "wsgi.input_terminated": True,
    "wsgi.multithread": True,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
    "wsgi.version": (1, 0),
}
#: the keys ``environ`` sets on every request: in each template with a stand-in
#: value, so that setting them does not grow the copy.
_PER_REQUEST = ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "wsgi.input", "asgi.scope")
#: a header name (as the scope has it: lower-case bytes) -> its environ key.
_KEYS: dict[bytes, str] = {b"content-type": "CONTENT_TYPE", b"content-length": "CONTENT_LENGTH"}
#: ``scope["server"]`` -> the environ's starting point for requests to that server.
_TEMPLATES: dict[Any, dict[str, Any]] = {}
#: ``scope["http_version"]`` -> ``SERVER_PROTOCOL``.
_PROTOCOLS: dict[str, str] = {"1.1": "HTTP/1.1", "1.0": "HTTP/1.0", "2": "HTTP/2"}
#: entries past which ``_KEYS`` and ``_TEMPLATES`` compute without remembering.
CACHE_LIMIT = 512
_DEFAULT_SERVER = ("127.0.0.1", 80)


def header_key(name: bytes) -> str:
    """The WSGI environ key of a header ``name`` as ASGI gives it (lower-case bytes)."""
    key = _KEYS.get(name)
    if key is None:
        key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        if len(_KEYS) < CACHE_LIMIT:
            _KEYS[name] = key
    return key


def _template(server: Any) -> dict[str, Any]:
    """The environ keys of a request to ``server`` that do not depend on the request,
    for HTTP/1.1 over ``http`` at the root (``environ`` sets what differs)."""
    try:
        template = _TEMPLATES.get(server)
    except TypeError:  # a server given as a list: unhashable, so not remembered
        server = tuple(server)
        template = None
    if template is None:
        template = {
            **_CONSTANT,
            "SCRIPT_NAME": "",
            "SERVER_NAME": server[0],
            "SERVER_PORT": str(server[1]) if server[1] is not None else "",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            **dict.fromkeys(_PER_REQUEST),
        }
        if len(_TEMPLATES) < CACHE_LIMIT:
            _TEMPLATES[server] = template
    return template


def environ(scope: dict[str, Any], body: IO[bytes] | None) -> dict[str, Any]:
    """The WSGI environ of an ASGI ``http`` scope whose body was read into ``body``
    (a file at its start; ``None``: no body)."""
    # PERF: one C-level copy for every key that does not change between requests.
    server = scope.get("server") or _DEFAULT_SERVER
    try:
        env = _TEMPLATES[server].copy()
    except (KeyError, TypeError):  # a new server, or one given as a list
        env = _template(server).copy()
    path: str = scope["path"]
    query_bytes = scope.get("query_string")
    query = query_bytes.decode("latin-1") if query_bytes else ""
    env["REQUEST_METHOD"] = scope.get("method", "GET")  # a WebSocket handshake is a GET
    # WSGI carries the decoded path as latin-1 text of its UTF-8 bytes: the same
    # text for an ASCII path.
    env["PATH_INFO"] = path if path.isascii() else path.encode("utf-8").decode("latin-1")
    env["QUERY_STRING"] = query
    env["wsgi.input"] = BytesIO() if body is None else body
    env["asgi.scope"] = scope
    version = scope.get("http_version")
    if version is not None and version != "1.1":
        env["SERVER_PROTOCOL"] = _PROTOCOLS.get(version) or f"HTTP/{version}"
    scheme = scope.get("scheme")
    if scheme is not None and scheme != "http":
        env["wsgi.url_scheme"] = scheme
    root = scope.get("root_path")
    if root:
        env["SCRIPT_NAME"] = root
    raw_path = scope.get("raw_path")
    if raw_path is not None:
        raw = raw_path.decode("latin-1")
        env["RAW_URI"] = f"{raw}?{query}" if query else raw
    client = scope.get("client")
    if client:
        env["REMOTE_ADDR"] = client[0]
        env["REMOTE_PORT"] = str(client[1])
    keys = _KEYS
    for name, value in scope.get("headers", ()):
        key = keys.get(name) or header_key(name)
        if key in env:  # a repeated header: one value, comma-joined, as WSGI servers do
            env[key] = f"{env[key]},{value.decode('latin-1')}"
        else:
            env[key] = value.decode("latin-1")
    return env


def body_length(scope: dict[str, Any]) -> tuple[int | None, bool]:
    """``(Content-Length or None, whether a body may follow)`` from the scope's headers."""
    length: int | None = None
    chunked = False
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            # -1: let level 0 refuse it (a 400), non-ASCII digits too (int() takes some)
            length = int(text) if text.isascii() and text.isdigit() else -1
        elif name == b"transfer-encoding":
            chunked = True
    return length, chunked or bool(length)


def env_body_length(env: dict[str, Any], scope: dict[str, Any]) -> tuple[int | None, bool]:
    """``body_length(scope)`` read from the environ ``environ(scope, ...)`` built.

    PERF: the environ already holds the headers, so the common cases (no
    Content-Length, one plain number) need no second pass over them; a joined or
    unusual value takes ``body_length``, which reads the last one as before.
    """
    text = env.get("CONTENT_LENGTH")
    if text is None:
        return None, "HTTP_TRANSFER_ENCODING" in env
    if text.isascii() and text.isdigit():
        length = int(text)
        return length, bool(length) or "HTTP_TRANSFER_ENCODING" in env
    return body_length(scope)
