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
text come from small caches, so do the decoded values of headers that repeat
between clients and carry no secret (``SHARED_NAMES``: ``Accept``, ``Host``,
``User-Agent``...; never a cookie or a token), and an ASCII path (nearly every one) is used as
it is. The caches are bounded, so a client sending made-up header names cannot
grow them without end.
"""

from __future__ import annotations

from collections.abc import Iterator
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
#: header values (bytes) -> their text, remembered for ``SHARED_NAMES`` only.
_TEXTS: dict[bytes, str] = {}
#: request headers whose values repeat from client to client and carry no secret
#: (never a cookie, a token or a referring URL): their decoded values are remembered.
SHARED_NAMES = frozenset({
    b"host", b"accept", b"accept-encoding", b"accept-language", b"accept-charset",
    b"user-agent", b"connection", b"content-type", b"origin", b"cache-control", b"pragma",
    b"upgrade-insecure-requests", b"sec-fetch-site", b"sec-fetch-mode", b"sec-fetch-dest",
    b"sec-fetch-user", b"sec-ch-ua", b"sec-ch-ua-mobile", b"sec-ch-ua-platform", b"dnt",
    b"te", b"x-requested-with",
})
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


def header_text(name: bytes, value: bytes) -> str:
    """A header ``value`` as WSGI text (latin-1), remembered if ``name`` is shared."""
    text = value.decode("latin-1")
    if name in SHARED_NAMES and value.__class__ is bytes and len(_TEXTS) < CACHE_LIMIT:
        _TEXTS[value] = text
    return text


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


class _EmptyInput:
    """``wsgi.input`` of a request without a body: always at its end, nothing to close.

    PERF: one shared, stateless object instead of a ``BytesIO()`` per request.
    """

    __slots__ = ()

    def read(self, size: int | None = -1) -> bytes:
        return b""

    def readline(self, size: int | None = -1) -> bytes:
        return b""

    def readlines(self, hint: int = -1) -> list[bytes]:
        return []

    def __iter__(self) -> Iterator[bytes]:
        return iter(())

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        """Nothing to release."""


EMPTY_INPUT = _EmptyInput()


def environ(scope: dict[str, Any], body: IO[bytes] | None) -> dict[str, Any]:
    """The WSGI environ of an ASGI ``http`` scope whose body was read into ``body``
    (a file at its start; ``None``: no body)."""
    # PERF: one C-level copy for every key that does not change between requests.
    get = scope.get
    server = get("server") or _DEFAULT_SERVER
    try:
        template = _TEMPLATES[server]
    except (KeyError, TypeError):  # a new server, or one given as a list
        template = _template(server)
    env = template.copy()
    keys = _KEYS
    texts = _TEXTS
    for name, value in get("headers", ()):
        try:
            key = keys[name]  # PERF: a subscript, not a method call: nearly always cached
        except KeyError:
            key = header_key(name)
        try:
            text = texts[value]
        except (KeyError, TypeError):
            text = header_text(name, value)
        if key in env:  # a repeated header: one value, comma-joined, as WSGI servers do
            env[key] = f"{env[key]},{text}"
        else:
            env[key] = text
    # PERF: the keys ASGI requires read with [] (try costs nothing when it succeeds).
    try:
        path: str = scope["path"]
        query_bytes = scope["query_string"]
        env["REQUEST_METHOD"] = scope["method"]
        version = scope["http_version"]
    except KeyError:
        path = scope["path"]
        query_bytes = get("query_string")
        env["REQUEST_METHOD"] = get("method", "GET")  # a WebSocket handshake is a GET
        version = get("http_version")
    query = query_bytes.decode("latin-1") if query_bytes else ""
    # WSGI carries the decoded path as latin-1 text of its UTF-8 bytes: the same
    # text for an ASCII path.
    env["PATH_INFO"] = path if path.isascii() else path.encode("utf-8").decode("latin-1")
    env["QUERY_STRING"] = query
    env["wsgi.input"] = EMPTY_INPUT if body is None else body
    env["asgi.scope"] = scope
    if version != "1.1" and version is not None:
        env["SERVER_PROTOCOL"] = _PROTOCOLS.get(version) or f"HTTP/{version}"
    scheme = get("scheme")
    if scheme != "http" and scheme is not None:
        env["wsgi.url_scheme"] = scheme
    root = get("root_path")
    if root:
        env["SCRIPT_NAME"] = root
    raw_path = get("raw_path")
    # PERF: the raw path tells more than PATH_INFO only when it holds a '%' (an escaped
    # '/' the router must not split at, an encoding level 0 checks) or bytes past ASCII.
    if raw_path is not None and (b"%" in raw_path or not raw_path.isascii()):
        raw = raw_path.decode("latin-1")
        env["RAW_URI"] = f"{raw}?{query}" if query else raw
    client = get("client")
    if client:
        # PERF: no REMOTE_PORT (not a PEP 3333 key, and a str() per request):
        # ``req.remote_port`` reads it from the scope.
        env["REMOTE_ADDR"] = client[0]
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
