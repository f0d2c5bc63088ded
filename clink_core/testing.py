"""Test clients over an ``App``: in-process over WSGI or ASGI, and live servers on a socket.

    client = Client(app)                        # WSGI (werkzeug's client underneath)
    res = client.post("/book/item", json={"name": "Dune"})
    assert res.status == 201 and res.json["name"] == "Dune"

    client = Client(app, asgi=True)             # the same calls through ``app.asgi``
    async with AsyncClient(app) as client:      # ... or awaited, from async code
        res = await client.get("/book/item")

``CLINK_TEST_CLIENT=asgi`` makes every ``Client`` that is not told otherwise
drive ``app.asgi``: how a test suite written for WSGI is rerun over ASGI. The
ASGI mode uses httpx's ``ASGITransport`` (``clink-core[asgi]``).

Cookies work as in a browser: what responses set is kept (domain, path, expiry
and ``Secure`` honoured by the standard library's ``http.cookiejar``; like
browsers, ``http://localhost`` counts as secure) and sent back on later calls;
a ``Cookie`` header given in ``headers`` is sent as given, plus the kept cookies
of other names. ``Client(app, cookies=False)`` keeps none. Requests come from
``REMOTE_ADDR`` 127.0.0.1 unless ``remote_addr`` says otherwise.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import os
import threading
import time
import urllib.request
import weakref
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from email.message import Message
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from werkzeug.test import Client as WerkzeugClient

from .app.app import App

#: the environment variable that picks the transport of ``Client`` (``wsgi`` or ``asgi``).
CLIENT_ENV = "CLINK_TEST_CLIENT"
#: hosts a browser treats as secure over plain http (``Secure`` cookies are sent to them).
_TRUSTWORTHY = ("localhost", "127.0.0.1", "[::1]", "::1")
#: characters of a path left as they are; anything else (non-ASCII, spaces) is %-encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
Headers = Mapping[str, str] | Iterable[tuple[str, str]]


class ClientModeError(ValueError):
    """``CLINK_TEST_CLIENT`` (or ``asgi=``) names no transport the client has."""


class IncompleteResponseError(RuntimeError):
    """The app started a response and ended it before its body was complete (a stream
    that failed mid-way: the server would close the connection)."""


class ClientResponse:
    """A response as the client saw it."""

    def __init__(
        self, status: int, headers: dict[str, str] | list[tuple[str, str]], data: bytes
    ) -> None:
        self.status = status
        pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
        self._items = pairs
        #: names as sent -> first value; look-ups through ``header()`` ignore case.
        self.headers: dict[str, str] = {}
        for key, value in pairs:
            self.headers.setdefault(key, value)
        self.data = data

    def header(self, name: str) -> str | None:
        """A header's (first) value, whatever the case of ``name``."""
        lower = name.lower()
        for key, value in self._items:
            if key.lower() == lower:
                return value
        return None

    def header_all(self, name: str) -> list[str]:
        """Every value of a header that repeats (``Set-Cookie``, ``Link``), in order."""
        lower = name.lower()
        return [value for key, value in self._items if key.lower() == lower]

    def header_items(self) -> list[tuple[str, str]]:
        """Every header field in the order sent, repeated names included."""
        return list(self._items)

    @property
    def content_type(self) -> str | None:
        return self.header("Content-Type")

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")

    @property
    def json(self) -> Any:
        """The body parsed as JSON (``ValueError`` when it is not JSON)."""
        return jsonlib.loads(self.data)

    def __repr__(self) -> str:
        return f"<ClientResponse {self.status} {self.data[:60]!r}>"


# -- cookies ----------------------------------------------------------------------------------
class _BrowserPolicy(DefaultCookiePolicy):
    """The standard policy, but ``Secure`` cookies go to localhost over http, as browsers do."""

    def return_ok_secure(self, cookie: Cookie, request: Any) -> bool:
        if cookie.secure and request.type not in ("https", "wss"):
            host = urlsplit(request.get_full_url()).hostname or ""
            return host in _TRUSTWORTHY or host.endswith(".localhost")
        return True


class _SetCookies:
    """What ``CookieJar.extract_cookies`` reads of a response: its ``Set-Cookie`` fields."""

    def __init__(self, values: list[str]) -> None:
        self._message = Message()
        for value in values:
            self._message["Set-Cookie"] = value

    def info(self) -> Message:
        return self._message


def _cookie_names(header: str) -> set[str]:
    return {part.split("=", 1)[0].strip() for part in header.split(";") if part.strip()}


class _Cookies:
    """A browser-like jar: cookies kept per domain and path, expired ones dropped."""

    def __init__(self) -> None:
        self.jar = CookieJar(_BrowserPolicy())

    def header_for(self, url: str, given: str | None) -> str | None:
        """The ``Cookie`` header of a request to ``url``: ``given``'s pairs, then the kept
        cookies whose names ``given`` does not have."""
        probe = urllib.request.Request(url)
        self.jar.add_cookie_header(probe)
        kept = probe.unredirected_hdrs.get("Cookie")
        if not kept:
            return given
        if not given:
            return kept
        names = _cookie_names(given)
        extra = [p.strip() for p in kept.split(";") if p.split("=", 1)[0].strip() not in names]
        return "; ".join([given, *extra]) if extra else given

    def keep(self, url: str, set_cookies: list[str]) -> None:
        if set_cookies:
            self.jar.extract_cookies(_SetCookies(set_cookies), urllib.request.Request(url))  # type: ignore[arg-type]

    def values(self) -> dict[str, str]:
        return {c.name: c.value or "" for c in self.jar}

    def set(self, name: str, value: str, domain: str, path: str) -> None:
        self.jar.set_cookie(Cookie(
            0, name, value, None, False, domain, True, domain.startswith("."), path, True,
            False, None, False, None, None, {},
        ))


# -- requests -------------------------------------------------------------------------------
class _Prepared:
    """One request, transport-neutral: what both transports send."""

    __slots__ = ("body", "headers", "method", "path", "query", "url")

    def __init__(
        self, method: str, path: str, query: str, headers: list[tuple[str, str]],
        body: bytes | None, url: str,
    ) -> None:
        self.method, self.path, self.query = method, path, query
        self.headers, self.body, self.url = headers, body, url


def _query_text(query: Mapping[str, Any] | str | None) -> str:
    if query is None:
        return ""
    if isinstance(query, str):
        return query.lstrip("?")
    return urlencode(
        {k: (list(v) if isinstance(v, (list, tuple)) else str(v)) for k, v in query.items()},
        doseq=True,
    )


def _header_pairs(headers: Headers | None) -> list[tuple[str, str]]:
    if headers is None:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(k), str(v)) for k, v in items]


class _Base:
    """What the sync and async clients share: preparing requests, keeping cookies."""

    def __init__(
        self, app: App, *, cookies: bool = True, base_url: str = "http://localhost",
        remote_addr: str = "127.0.0.1",
    ) -> None:
        if not app.loaded:
            if app.conf.check_responses is None:  # not said: tests check what routes answer
                app.router.check_responses = True
            app.load()
        self.app = app
        self.base_url = base_url.rstrip("/")
        self.remote_addr = remote_addr
        self._cookies = _Cookies() if cookies else None

    # -- cookies ------------------------------------------------------------------------
    @property
    def cookies(self) -> dict[str, str]:
        """The cookies kept (``name -> value``, every domain); ``{}`` with ``cookies=False``."""
        return self._cookies.values() if self._cookies is not None else {}

    @property
    def cookie_jar(self) -> CookieJar | None:
        """The ``http.cookiejar.CookieJar`` kept, ``None`` with ``cookies=False``."""
        return self._cookies.jar if self._cookies is not None else None

    def set_cookie(self, name: str, value: str, *, domain: str | None = None,
                   path: str = "/") -> None:
        """Keep a cookie as if a response of ``domain`` (default: the base URL's host) set it."""
        if self._cookies is None:
            raise ClientModeError("this client keeps no cookies (cookies=False)")
        host = domain or urlsplit(self.base_url).hostname or "localhost"
        self._cookies.set(name, value, host if "." in host else host + ".local", path)

    def clear_cookies(self) -> None:
        """Forget every cookie kept."""
        if self._cookies is not None:
            self._cookies.jar.clear()

    # -- requests -------------------------------------------------------------------------
    def _prepare(
        self, method: str, path: str, json: Any, data: bytes | str | Mapping[str, Any] | None,
        content_type: str | None, headers: Headers | None, query: Mapping[str, Any] | str | None,
    ) -> _Prepared:
        path, _, inline_query = path.partition("?")
        query_text = "&".join(q for q in (inline_query, _query_text(query)) if q)
        pairs = _header_pairs(headers)
        body: bytes | None
        if json is not None:
            body = jsonlib.dumps(json).encode("utf-8")
            content_type = content_type or "application/json"
        elif isinstance(data, Mapping):
            body = urlencode(data, doseq=True).encode("ascii")
            content_type = content_type or "application/x-www-form-urlencoded"
        elif isinstance(data, str):
            body = data.encode("utf-8")
        else:
            body = data
        if content_type is not None:
            pairs = [p for p in pairs if p[0].lower() != "content-type"]
            pairs.append(("Content-Type", content_type))
        quoted = quote(path, safe=_PATH_SAFE)
        url = self.base_url + quoted + (f"?{query_text}" if query_text else "")
        if self._cookies is not None:
            given = [v for k, v in pairs if k.lower() == "cookie"]
            cookie = self._cookies.header_for(url, "; ".join(given) if given else None)
            if cookie is not None:
                pairs = [p for p in pairs if p[0].lower() != "cookie"]
                pairs.append(("Cookie", cookie))
        return _Prepared(method.upper(), quoted, query_text, pairs, body, url)

    def _answer(self, prepared: _Prepared, status: int,
                headers: list[tuple[str, str]], data: bytes) -> ClientResponse:
        res = ClientResponse(status, headers, data)
        if self._cookies is not None:
            self._cookies.keep(prepared.url, res.header_all("Set-Cookie"))
        return res


def _asgi_mode(asgi: bool | None) -> bool:
    if asgi is not None:
        return asgi
    mode = os.environ.get(CLIENT_ENV, "wsgi").strip().lower() or "wsgi"
    if mode not in ("wsgi", "asgi"):
        raise ClientModeError(f"{CLIENT_ENV} must be 'wsgi' or 'asgi', got {mode!r}")
    return mode == "asgi"


class AsyncClient(_Base):
    """Awaitable requests through ``app.asgi`` (httpx's ``ASGITransport``), in-process.

    ``async with AsyncClient(app)`` also runs the ASGI lifespan: startup on
    entry, shutdown (the plugins' ``clink_shutdown``) on exit.
    """

    def __init__(
        self, app: App, *, cookies: bool = True, base_url: str = "http://localhost",
        remote_addr: str = "127.0.0.1",
    ) -> None:
        try:
            import httpx
        except ImportError:
            raise ClientModeError(
                "the ASGI test client uses httpx, which is not installed: "
                "pip install 'clink-core[asgi]'"
            ) from None
        super().__init__(app, cookies=cookies, base_url=base_url, remote_addr=remote_addr)
        self._httpx = httpx
        self._transport = httpx.ASGITransport(
            app=_complete_or_raise(app.asgi), client=(remote_addr, 50000)
        )
        self._lifespan: _Lifespan | None = None

    async def request(
        self, method: str, path: str, *, json: Any = None,
        data: bytes | str | Mapping[str, Any] | None = None, content_type: str | None = None,
        headers: Headers | None = None, query: Mapping[str, Any] | str | None = None,
    ) -> ClientResponse:
        """Send one request (the arguments of ``Client.request``)."""
        prepared = self._prepare(method, path, json, data, content_type, headers, query)
        httpx = self._httpx
        url = httpx.URL(self.base_url).copy_with(
            raw_path=(prepared.path + (f"?{prepared.query}" if prepared.query else "")).encode()
        )
        request = httpx.Request(prepared.method, url, headers=prepared.headers,
                                content=prepared.body)
        response = await self._transport.handle_async_request(request)
        data_out = await response.aread()
        pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw]
        return self._answer(prepared, response.status_code, pairs, data_out)

    async def get(self, path: str, **kw: Any) -> ClientResponse:
        return await self.request("GET", path, **kw)

    async def head(self, path: str, **kw: Any) -> ClientResponse:
        return await self.request("HEAD", path, **kw)

    async def post(self, path: str, **kw: Any) -> ClientResponse:
        return await self.request("POST", path, **kw)

    async def put(self, path: str, **kw: Any) -> ClientResponse:
        return await self.request("PUT", path, **kw)

    async def patch(self, path: str, **kw: Any) -> ClientResponse:
        return await self.request("PATCH", path, **kw)

    async def delete(self, path: str, **kw: Any) -> ClientResponse:
        return await self.request("DELETE", path, **kw)

    async def options(self, path: str, **kw: Any) -> ClientResponse:
        return await self.request("OPTIONS", path, **kw)

    async def startup(self) -> None:
        """Run the ASGI lifespan's startup (``async with`` does it)."""
        self._lifespan = _Lifespan(self.app.asgi)
        await self._lifespan.startup()

    async def shutdown(self) -> None:
        """Run the lifespan's shutdown: the plugins' ``clink_shutdown``."""
        if self._lifespan is not None:
            lifespan, self._lifespan = self._lifespan, None
            await lifespan.shutdown()

    async def __aenter__(self) -> AsyncClient:
        await self.startup()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.shutdown()


class Client(_Base):
    """Sends requests to an app in-process; loads the app if it is not loaded.

    ``asgi=True`` drives ``app.asgi`` (on an event loop of the client's own,
    kept across calls), ``asgi=False`` the WSGI app; ``None`` (default) reads
    ``CLINK_TEST_CLIENT``. ``with Client(app)`` closes the app on exit (over
    ASGI: the lifespan's startup on entry and shutdown on exit).
    """

    def __init__(
        self, app: App, *, cookies: bool = True, asgi: bool | None = None,
        base_url: str = "http://localhost", remote_addr: str = "127.0.0.1",
    ) -> None:
        super().__init__(app, cookies=cookies, base_url=base_url, remote_addr=remote_addr)
        self.asgi = _asgi_mode(asgi)
        self._async: AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wsgi: WerkzeugClient | None = None
        if self.asgi:
            # One jar for both: the async client keeps this client's cookies.
            self._async = AsyncClient(app, cookies=False, base_url=base_url,
                                      remote_addr=remote_addr)
            self._loop = loop = asyncio.new_event_loop()
            weakref.finalize(self, loop.close)
        else:
            self._wsgi = WerkzeugClient(app, use_cookies=False)

    def request(
        self, method: str, path: str, *, json: Any = None,
        data: bytes | str | Mapping[str, Any] | None = None, content_type: str | None = None,
        headers: Headers | None = None, query: Mapping[str, Any] | str | None = None,
    ) -> ClientResponse:
        """Send one request. ``json`` encodes a JSON body; ``data`` is sent as is (a mapping:
        url-encoded); ``query`` is a mapping (lists repeat a name) or a query string;
        ``headers`` a mapping or ``(name, value)`` pairs (names may repeat)."""
        prepared = self._prepare(method, path, json, data, content_type, headers, query)
        if self.asgi:
            if self._async is None:
                raise ClientModeError("the client is closed: make a new one")
            res = self._run(self._async.request(
                prepared.method, prepared.path, data=prepared.body, headers=prepared.headers,
                query=prepared.query or None,
            ))
            return self._answer(prepared, res.status, res.header_items(), res.data)
        assert self._wsgi is not None  # not asgi: made in __init__
        wsgi_res = self._wsgi.open(
            prepared.path, method=prepared.method, data=prepared.body,
            headers=prepared.headers, query_string=prepared.query or None,
            base_url=self.base_url, environ_base={"REMOTE_ADDR": self.remote_addr},
        )
        with wsgi_res:
            return self._answer(prepared, wsgi_res.status_code,
                                list(wsgi_res.headers.items()), wsgi_res.get_data())

    def get(self, path: str, **kw: Any) -> ClientResponse:
        return self.request("GET", path, **kw)

    def head(self, path: str, **kw: Any) -> ClientResponse:
        return self.request("HEAD", path, **kw)

    def post(self, path: str, **kw: Any) -> ClientResponse:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> ClientResponse:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> ClientResponse:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> ClientResponse:
        return self.request("DELETE", path, **kw)

    def options(self, path: str, **kw: Any) -> ClientResponse:
        return self.request("OPTIONS", path, **kw)

    def _run(self, coro: Any) -> Any:
        """Run ``coro`` on the client's loop; from inside a running loop (an async test),
        in a thread, since a thread runs one loop at a time."""
        loop = self._loop
        if loop is None:
            raise ClientModeError("the client is closed")
        if asyncio._get_running_loop() is None:
            return loop.run_until_complete(coro)
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(loop.run_until_complete, coro).result()

    def close(self) -> None:
        """Stop the client's event loop (ASGI mode); the app stays as it is."""
        if self._loop is not None:
            self._loop.close()
            self._loop = None
            self._async = None

    def __enter__(self) -> Client:
        if self._async is not None and self._loop is not None:
            self._run(self._async.startup())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._async is not None and self._loop is not None:
            self._run(self._async.shutdown())
            self.close()
        else:
            self.app.close()


def _complete_or_raise(asgi_app: Callable[..., Any]) -> Callable[..., Any]:
    """``asgi_app`` raising ``IncompleteResponseError`` where a server would close the
    connection on a response left unfinished (httpx's transport would fail an assert)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        state = {"started": False, "done": False}

        async def tracked(message: dict[str, Any]) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                state["started"] = True
            elif kind == "http.response.body" and not message.get("more_body", False):
                state["done"] = True
            await send(message)

        await asgi_app(scope, receive, tracked)
        if scope["type"] == "http" and not state["done"]:
            raise IncompleteResponseError(
                f"{scope.get('method')} {scope.get('path')}: the app "
                + ("ended the response before its body was complete (a stream failed)"
                   if state["started"] else "sent no response")
            )

    return app


class _Lifespan:
    """Drives an ASGI app's lifespan scope from a task: startup now, shutdown later."""

    def __init__(self, asgi_app: Callable[..., Any]) -> None:
        self._app = asgi_app
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[Any] | None = None

    async def _expect(self, sent: str) -> None:
        await self._inbox.put({"type": sent})
        answer = asyncio.ensure_future(self._outbox.get())
        assert self._task is not None
        await asyncio.wait({answer, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if not answer.done():
            answer.cancel()
            self._task.result()  # the app's own exception, if it raised
            raise RuntimeError(f"the ASGI app ended its lifespan without answering {sent}")
        message = answer.result()
        if message["type"].endswith(".failed"):
            raise RuntimeError(f"ASGI {sent} failed: {message.get('message', '')}")

    async def startup(self) -> None:
        self._task = asyncio.ensure_future(self._app(
            {"type": "lifespan", "asgi": {"version": "3.0"}}, self._inbox.get, self._outbox.put,
        ))
        await self._expect("lifespan.startup")

    async def shutdown(self) -> None:
        await self._expect("lifespan.shutdown")
        if self._task is not None:
            await self._task


class LiveServer:
    """Serves an app on a real socket for the length of a ``with``: the server of
    ``clink run`` (``clink_core.cli.serve``), threaded, with its ``limits``; or with
    ``asgi=True``, ``app.asgi`` under uvicorn (lifespan on, WebSockets served).

        with LiveServer(app) as server:
            urllib.request.urlopen(server.url + "/book/item")
    """

    def __init__(
        self, app: App, host: str = "127.0.0.1", port: int = 0, limits: Any = None,
        *, asgi: bool | None = None, uvicorn_options: Mapping[str, Any] | None = None,
    ) -> None:
        if not app.loaded:
            app.load()
        self.app = app
        self.host = host
        self.port = port
        #: a ``clink_core.cli.serve.ServerLimits``; ``None``: the defaults of ``clink run``.
        self.limits = limits
        #: ``None``: uvicorn when ``CLINK_TEST_CLIENT=asgi`` and no ``limits`` (which are
        #: the development server's) are given.
        self.asgi = _asgi_mode(asgi) if limits is None else bool(asgi)
        #: more ``uvicorn.Config`` arguments (``ws_max_size``, ``timeout_keep_alive``...).
        self.uvicorn_options = dict(uvicorn_options or {})
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> LiveServer:
        if self.asgi:
            self._start_uvicorn()
            return self
        from .cli.serve import make_server

        self._server = make_server(self.host, self.port, self.app, self.limits)
        self.port = self._server.server_port
        # A short poll interval so leaving the ``with`` takes milliseconds, not 0.5 s.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def _start_uvicorn(self) -> None:
        import socket

        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        options = {"log_level": "warning", "lifespan": "on", **self.uvicorn_options}
        server = self._server = uvicorn.Server(uvicorn.Config(self.app.asgi, **options))
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not self._thread.is_alive():
                raise RuntimeError("uvicorn stopped before serving: see its log (the app's "
                                   "lifespan startup failed?)")
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start within 10 s: see its log")
            time.sleep(0.01)

    def __exit__(self, *exc: object) -> None:
        if self.asgi:
            self._server.should_exit = True
        else:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)


__all__ = [
    "CLIENT_ENV",
    "AsyncClient",
    "Client",
    "ClientModeError",
    "ClientResponse",
    "IncompleteResponseError",
    "LiveServer",
]
