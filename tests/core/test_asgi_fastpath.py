"""The ASGI adapter's fast paths answer exactly as the plain code they replace.

``scope.environ`` (a cached template per server, cached header keys) is checked
against the straightforward construction; ``env_body_length`` against
``body_length``; ``headers.encode_headers`` against encoding each field; the
runner of plain levels against the awaited one (``_async_runner``), over the
cases where it hands over to a coroutine (threaded and ``async def``
controllers, async bodies, a plain level 8 that returns an awaitable).
"""

from __future__ import annotations

import asyncio
import threading
import types
from io import BytesIO
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from clink_core import App, AppConf, Controller, hookimpl, mapper
from clink_core.asgi import headers as asgi_headers
from clink_core.asgi import scope as asgi_scope
from clink_core.asgi.headers import encode_headers, status_code
from clink_core.asgi.scope import body_length, env_body_length, environ


def reference_environ(scope: dict[str, Any], body: Any) -> dict[str, Any]:
    """The environ as the adapter built it before its fast path: key by key."""
    path: str = scope["path"]
    raw_path = scope.get("raw_path")
    query = scope.get("query_string", b"").decode("latin-1")
    server = scope.get("server") or ("127.0.0.1", 80)
    client = scope.get("client")
    env: dict[str, Any] = {
        "REQUEST_METHOD": scope.get("method", "GET"),
        "SCRIPT_NAME": scope.get("root_path", ""),
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1]) if server[1] is not None else "",
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.input_terminated": True,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        "asgi.scope": scope,
    }
    if raw_path is not None and (b"%" in raw_path or not raw_path.isascii()):
        raw = raw_path.decode("latin-1")
        env["RAW_URI"] = f"{raw}?{query}" if query else raw
    if client:
        env["REMOTE_ADDR"] = client[0]
    special = {b"content-type": "CONTENT_TYPE", b"content-length": "CONTENT_LENGTH"}
    for name, value in scope.get("headers", ()):
        key = special.get(name) or "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        text = value.decode("latin-1")
        env[key] = f"{env[key]},{text}" if key in env else text
    return env


header_names = st.sampled_from(
    [b"host", b"accept", b"content-type", b"content-length", b"x-a", b"transfer-encoding",
     b"cookie", b"x-\xe9"]
)
header_values = st.binary(max_size=8).filter(lambda v: b"\r" not in v and b"\n" not in v) | (
    st.sampled_from([b"5", b"0", b" 7", b"12", b"\xd9\xa3", b"chunked"]))
scopes = st.fixed_dictionaries(
    {
        "type": st.just("http"),
        "path": st.sampled_from(["/", "/book/item", "/caf\xe9", "/\u4e2d"]),
        "query_string": st.sampled_from([b"", b"a=1&b=%20"]),
        "headers": st.lists(st.tuples(header_names, header_values), max_size=6),
    },
    optional={
        "method": st.sampled_from(["GET", "POST"]),
        "raw_path": st.sampled_from([b"/caf%C3%A9", b"/book/item", b"/caf\xc3\xa9"]),
        "root_path": st.sampled_from(["", "/api"]),
        "http_version": st.sampled_from(["1.0", "1.1", "2", "3"]),
        "scheme": st.sampled_from(["http", "https"]),
        "client": st.sampled_from([None, ("10.0.0.1", 5000), ["10.0.0.2", 1]]),
        "server": st.sampled_from([None, ("127.0.0.1", 8000), ["h", 81], ("/sock", None)]),
    },
)


@settings(max_examples=300, deadline=None)
@given(scopes)
def test_the_environ_is_the_one_built_key_by_key(scope):
    body = BytesIO(b"x")
    assert environ(scope, body) == reference_environ(scope, body)
    empty = environ(scope, None)["wsgi.input"]
    assert empty.read() == b"" and empty.readline() == b"" and list(empty) == []


@settings(max_examples=100, deadline=None)
@given(scopes, st.sampled_from(["tuple", "generator", "lists"]))
def test_headers_in_any_iterable_give_the_same_environ(scope, kind):
    pairs = scope["headers"]
    given_as = {"tuple": lambda: tuple(pairs), "generator": lambda: iter(pairs),
                "lists": lambda: [list(p) for p in pairs]}[kind]
    env, expected = environ({**scope, "headers": given_as()}, None), environ(scope, None)
    assert env.pop("asgi.scope")["headers"] is not expected.pop("asgi.scope")["headers"]
    assert env == expected


def test_a_header_name_seen_the_first_time_and_again(monkeypatch):
    monkeypatch.setattr(asgi_scope, "_KEYS", dict(asgi_scope._KEYS))
    scope = {"type": "http", "path": "/", "query_string": b"",
             "headers": [(b"x-new", b"1"), (b"accept", b"a"), (b"x-new", b"2")]}
    for _ in range(2):  # the first time the name is new; the second, known and repeated
        env = environ(scope, None)
        assert env["HTTP_X_NEW"] == "1,2" and env["HTTP_ACCEPT"] == "a"


@settings(max_examples=300, deadline=None)
@given(scopes)
def test_the_body_length_read_from_the_environ_is_the_scope_s(scope):
    assert env_body_length(environ(scope, None), scope) == body_length(scope)


def test_non_ascii_digits_in_content_length_are_refused_not_crashed():
    # int() reads "٣" (Arabic-Indic 3): it must not count as a length.
    scope = {"type": "http", "path": "/", "query_string": b"",
             "headers": [(b"content-length", "\u0663".encode("utf-8"))]}
    assert body_length(scope) == (-1, True)
    assert env_body_length(environ(scope, None), scope) == (-1, True)


def test_made_up_header_names_do_not_grow_the_key_cache_without_end(monkeypatch):
    monkeypatch.setattr(asgi_scope, "_KEYS", dict(asgi_scope._KEYS))
    limit = asgi_scope.CACHE_LIMIT
    headers = [(f"x-made-up-{i}".encode(), b"v") for i in range(limit + 50)]
    env = environ({"type": "http", "path": "/", "query_string": b"", "headers": headers}, None)
    assert env[f"HTTP_X_MADE_UP_{limit + 49}"] == "v"
    assert len(asgi_scope._KEYS) == limit


def test_only_values_of_shared_headers_are_remembered(monkeypatch):
    monkeypatch.setattr(asgi_scope, "_TEXTS", {})
    headers = [(b"accept", b"*/*"), (b"cookie", b"sid=secret"), (b"authorization", b"Bearer t"),
               (b"x-a", bytearray(b"v")), (b"accept-language", b"caf\xe9")]
    scope = {"type": "http", "path": "/", "query_string": b"", "headers": headers}
    for _ in range(2):
        env = environ(scope, None)
        got = (env["HTTP_ACCEPT"], env["HTTP_COOKIE"], env["HTTP_X_A"])
        assert got == ("*/*", "sid=secret", "v")
        assert env["HTTP_ACCEPT_LANGUAGE"] == "caf\xe9"
    assert asgi_scope._TEXTS == {b"*/*": "*/*", b"caf\xe9": "caf\xe9"}
    many = [(b"accept", f"type/{i}".encode()) for i in range(asgi_scope.CACHE_LIMIT + 10)]
    environ({**scope, "headers": many}, None)
    assert len(asgi_scope._TEXTS) == asgi_scope.CACHE_LIMIT


def test_the_template_of_a_server_is_not_shared_with_the_request():
    scope = {"type": "http", "path": "/", "query_string": b"", "headers": [],
             "server": ("example.org", 8443)}
    first = environ(scope, None)
    first["SERVER_NAME"] = "changed"
    first["HTTP_X"] = "1"
    again = environ(scope, None)
    assert again["SERVER_NAME"] == "example.org" and "HTTP_X" not in again


# -- response headers ----------------------------------------------------------------------
@given(st.lists(st.tuples(
    st.sampled_from(["Content-Type", "Content-Length", "Set-Cookie", "X-A", "vary"]),
    st.text(st.characters(max_codepoint=255), max_size=6),
), max_size=5))
def test_encoded_headers_are_each_field_in_latin_1(headers):
    out = encode_headers(headers)
    assert out == [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    assert encode_headers(headers) is not out  # a new list each time: middleware may change it


def test_only_shared_values_are_remembered(monkeypatch):
    monkeypatch.setattr(asgi_headers, "_PAIRS", {})
    encode_headers([("Content-Type", "application/json"), ("Set-Cookie", "sid=secret"),
                    ("Location", "/u/1")])
    assert list(asgi_headers._PAIRS) == [("Content-Type", "application/json")]


def test_fields_given_as_lists_and_odd_status_lines_still_encode():
    assert encode_headers([["X-A", "1"], ("X-B", "2")]) == [(b"X-A", b"1"), (b"X-B", b"2")]
    assert status_code("200 OK") == 200 and status_code("599 Made Up") == 599


# -- the runner ------------------------------------------------------------------------------
SEEN: dict[str, str] = {}


class Body:
    """An async iterable body (no sync iteration)."""

    def __aiter__(self):
        return self._gen()

    async def _gen(self):
        yield b"a"
        yield b"b"


@mapper.path("/f")
class FastCtl(Controller):
    @mapper.get("/inline")
    @mapper.inline
    def inline(self, req, res):
        SEEN["inline"] = threading.current_thread().name
        res.body = {"kind": "inline"}

    @mapper.get("/thread")
    def thread(self, req, res):
        SEEN["thread"] = threading.current_thread().name
        res.body = {"kind": "thread"}

    @mapper.get("/async")
    async def coro(self, req, res):
        await asyncio.sleep(0)
        res.body = {"kind": "async"}

    @mapper.get("/returns-awaitable")
    @mapper.inline
    def returns_awaitable(self, req, res):
        async def later():
            await asyncio.sleep(0)
            res.body = {"kind": "awaited"}

        return later()

    @mapper.get("/async-body")
    @mapper.inline
    def async_body(self, req, res):
        res.content_type = "text/plain"
        res.body = Body()

    @mapper.get("/thread-fails")
    def thread_fails(self, req, res):
        raise RuntimeError("hidden")


def make(*plugins: Any) -> App:
    app = App(AppConf("fast"), plugins=list(plugins), entrypoints=False)
    app.add_ctl(FastCtl)
    app.load()
    return app


async def answers(app: App, *paths: str) -> list[tuple[int, str]]:
    transport = httpx.ASGITransport(app=app.asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return [((r := await client.get(p)).status_code, r.text) for p in paths]


PATHS = ("/f/inline", "/f/thread", "/f/async", "/f/returns-awaitable", "/f/async-body",
         "/f/thread-fails", "/nowhere")


def test_plain_levels_take_the_plain_runner_and_answer_as_the_awaited_one():
    app = make()
    run = app.asgi._runner()
    assert run.__qualname__.startswith("_sync_runner")
    got = asyncio.run(answers(app, *PATHS))
    assert [status for status, _ in got] == [200, 200, 200, 200, 200, 500, 404]
    assert got[4][1] == "ab" and "hidden" not in got[5][1]
    assert SEEN["inline"] == threading.current_thread().name
    assert SEEN["thread"].startswith("clink-asgi")

    awaited = make(AsyncPreMain())
    assert awaited.asgi._runner().__qualname__.startswith("_async_runner")
    assert asyncio.run(answers(awaited, *PATHS)) == got


class AsyncPreMain:
    @hookimpl
    async def clink_pre_main(self, req, res):
        await asyncio.sleep(0)


def test_an_inline_answer_is_no_coroutine_and_a_waiting_one_is():
    app = make()
    run = app.asgi._runner()

    def env(path: str) -> dict[str, Any]:
        return environ({"type": "http", "method": "GET", "path": path, "query_string": b"",
                        "headers": []}, None)

    code, fields, chunks = run(env("/f/inline"))
    assert (code, chunks) == (200, [b'{"kind":"inline"}'])
    assert fields == [(b"Content-Type", b"application/json"), (b"Content-Length", b"17")]
    assert run(env("/nowhere"))[0] == 404
    later = run(env("/f/async"))
    assert isinstance(later, types.CoroutineType)
    code, _, chunks = asyncio.run(later)
    assert (code, chunks) == (200, [b'{"kind":"async"}'])


def test_a_plain_error_logger_returning_an_awaitable_is_awaited():
    logged = []

    class Logger:
        @hookimpl(tryfirst=True)
        def clink_error_logging(self, req, res, e):
            async def record():
                logged.append(type(e).__name__)

            return record()

    app = make(Logger())
    assert asyncio.run(answers(app, "/nowhere", "/f/thread-fails"))[0][0] == 404
    assert logged == ["Http404Error", "RuntimeError"]


def test_a_failing_error_path_is_a_bare_500_on_both_runners():
    class Broken:
        @hookimpl(tryfirst=True)
        def clink_error_sending(self, req, res, wsgi_send):
            raise ValueError("error path broken")

    class BrokenAsync:
        @hookimpl(tryfirst=True)
        async def clink_error_sending(self, req, res, wsgi_send):
            raise ValueError("error path broken")

    for plugin in (Broken(), BrokenAsync()):
        status, text = asyncio.run(answers(make(plugin), "/nowhere"))[0]
        assert status == 500 and "broken" not in text



# -- the plain answer ------------------------------------------------------------------------
class _Sent:
    def __init__(self):
        self.started = None

    def __call__(self, status, headers, exc_info=None):
        self.started = (status, headers)


@settings(max_examples=400, deadline=None)
@given(
    body=st.one_of(st.binary(max_size=40), st.just(b"x" * 5000), st.none(), st.text(max_size=5)),
    status=st.sampled_from([200, 201, 204, 304, 404, 500, 200.0, 299, 700, "200"]),
    ctype=st.sampled_from([None, "", "application/json", "text/plain; charset=utf-8"]),
    header=st.sampled_from([{}, {"X-Request-Id": "a"}, {"Vary": "Origin"}]),
    method=st.sampled_from(["GET", "HEAD", "POST"]),
    app_fields=st.sampled_from([(), (("Access-Control-Allow-Origin", "*"),)]),
)
def test_the_plain_answer_is_what_send_sends_encoded(
    body, status, ctype, header, method, app_fields
):
    from clink_core import Request, Response
    from clink_core.asgi.answer import plain_answer
    from clink_core.handler.send import make_send
    from clink_core.http import AppHeaders

    send = make_send(AppHeaders(app_fields))
    encoded = tuple((n.encode(), v.encode()) for n, v in app_fields)

    req = object.__new__(Request)
    req.method = method
    res = Response()
    res.body, res.status, res.content_type = body, status, ctype
    res.header.update(header)
    answer = plain_answer(req, res, encoded)
    sent = _Sent()
    try:
        out = send(req, res, sent)
    except Exception:
        assert answer is None  # whatever send refuses, plain_answer leaves to it
        return
    if answer is None:  # left to send: not bytes, extra fields, or a status without a body
        assert body.__class__ is not bytes or header or status in (204, 304, 700, "200")
        return
    line, fields = sent.started
    assert answer == (status_code(line), encode_headers(fields), out)
    assert answer[0].__class__ is int


def test_the_remote_port_comes_from_the_scope():
    @mapper.path("/peer")
    class PeerCtl(Controller):
        @mapper.get("")
        @mapper.inline
        def peer(self, req, res):
            res.body = {"addr": req.remote_addr, "port": req.remote_port,
                        "in_environ": "REMOTE_PORT" in req.env}

    app = App(AppConf("peer"), entrypoints=False)
    app.add_ctl(PeerCtl)
    app.load()

    async def ask(client: Any) -> Any:
        transport = httpx.ASGITransport(app=app.asgi, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            return (await http.get("/peer")).json()

    assert asyncio.run(ask(("10.1.2.3", 4567))) == {
        "addr": "10.1.2.3", "port": 4567, "in_environ": False}
