"""``App.add_response_header``: fields every response of an app carries, checked once."""

from __future__ import annotations

import io
from typing import Any

import pytest

from clink_core import App, AppConf, Controller, mapper, stamp
from clink_core.app.error import AppStateError
from clink_core.http import AppHeaders, HeaderValueError
from clink_core.iface import ILv5Handler
from clink_core.testing import Client

FIELDS = [("X-Content-Type-Options", "nosniff"), ("Access-Control-Allow-Origin", "*")]


@stamp()
@mapper.path("/h")
class HeadersCtl(Controller):
    @mapper.get("/plain")
    def plain(self, req: Any, res: Any) -> None:
        res.body = {"ok": True}

    @mapper.get("/own")
    def own(self, req: Any, res: Any) -> None:
        res.header["access-control-allow-origin"] = "https://app.example"  # other case
        res.header["Cache-Control"] = "no-store"
        res.body = {"ok": True}

    @mapper.get("/extra")
    def extra(self, req: Any, res: Any) -> None:
        res.header["Cache-Control"] = "no-store"
        res.body = {"ok": True}

    @mapper.get("/empty")
    def empty(self, req: Any, res: Any) -> None:
        res.status = 204

    @mapper.get("/stream")
    def stream(self, req: Any, res: Any) -> None:
        res.content_type = "text/plain"
        res.body = iter([b"a", b"b"])

    @mapper.get("/file")
    def file(self, req: Any, res: Any) -> None:
        res.send_file(io.BytesIO(b"0123456789"), "application/octet-stream")

    @mapper.get("/tagged")
    def tagged(self, req: Any, res: Any) -> None:
        res.etag = "v1"
        res.body = {"ok": True}

    @mapper.get("/cookie")
    def cookie(self, req: Any, res: Any) -> None:
        res.set_cookie("s", "1")
        res.body = {"ok": True}

    @mapper.get("/boom")
    def boom(self, req: Any, res: Any) -> None:
        raise RuntimeError("boom")

    @mapper.get("/badheader")
    def bad_header(self, req: Any, res: Any) -> None:
        res.header["X-Bad"] = "a\r\nSet-Cookie: x=1"


class BreaksTheErrorPath(ILv5Handler):
    """Fails on the error path too: the bare 500 answers."""

    def handle(self, req: Any, res: Any) -> None:
        if req.path == "/h/boom":
            raise RuntimeError("level 5 fails")


def _app(fields: list[tuple[str, str]] = FIELDS, *extra_handlers: type) -> App:
    app = App(AppConf("app-headers"), entrypoints=False)
    app.add_ctl(HeadersCtl)
    for handler in extra_handlers:
        app.add_handler(handler)
    for name, value in fields:
        app.add_response_header(name, value)
    app.load()
    return app


@pytest.fixture(params=[False, True], ids=["wsgi", "asgi"])
def client(request: pytest.FixtureRequest) -> Client:
    return Client(_app(), asgi=request.param)


def _app_fields(res: Any) -> list[tuple[str, str]]:
    names = {name.lower() for name, _ in FIELDS}
    return [(n, v) for n, v in res.header_items() if n.lower() in names]


@pytest.mark.parametrize("path", [
    "/h/plain", "/h/extra", "/h/empty", "/h/stream", "/h/file", "/h/tagged", "/h/cookie",
    "/h/boom", "/h/nowhere", "/h/badheader",
])
def test_every_answer_carries_the_fields_once(client: Client, path: str) -> None:
    res = client.get(path)
    assert _app_fields(res) == FIELDS, (path, res.status, res.header_items())


def test_head_options_and_a_304_carry_them(client: Client) -> None:
    assert _app_fields(client.head("/h/plain")) == FIELDS
    assert _app_fields(client.options("/h/plain")) == FIELDS
    tag = client.get("/h/tagged").header("ETag")
    res = client.get("/h/tagged", headers={"If-None-Match": tag})
    assert res.status == 304
    assert _app_fields(res) == FIELDS


def test_a_response_that_sets_the_name_sends_its_own(client: Client) -> None:
    res = client.get("/h/own")
    assert _app_fields(res) == [
        ("access-control-allow-origin", "https://app.example"),
        ("X-Content-Type-Options", "nosniff"),
    ]
    assert res.header("Cache-Control") == "no-store"


def test_a_bad_header_of_the_response_is_a_500_without_it(
    client: Client,
) -> None:
    res = client.get("/h/badheader")
    assert res.status == 500
    assert res.header("X-Bad") is None


def test_the_bare_500_carries_them() -> None:
    res = Client(_app(FIELDS, BreaksTheErrorPath), asgi=False).get("/h/boom")
    assert res.status == 500
    assert _app_fields(res) == FIELDS


def test_an_app_without_fields_sends_none() -> None:
    res = Client(_app([]), asgi=False).get("/h/plain")
    assert _app_fields(res) == []


@pytest.mark.parametrize(("name", "value", "message"), [
    ("X-Bad", "a\r\nb", "CR/LF"),
    ("Bad Name", "x", "not a token"),
    ("X-Num", 3, "must be a str"),
    ("content-length", "3", "kernel sends it"),
    ("Content-Type", "text/plain", "kernel sends it"),
    ("x-content-type-options", "nosniff", "already sends 'X-Content-Type-Options'"),
])
def test_bad_fields_are_refused_when_added(name: str, value: Any, message: str) -> None:
    app = App(AppConf("app-headers"), entrypoints=False)
    app.add_response_header("X-Content-Type-Options", "nosniff")
    with pytest.raises(HeaderValueError, match=message):
        app.add_response_header(name, value)
    app.load()  # the refused field left nothing behind
    assert app.injector.ref(AppHeaders).fields == (("X-Content-Type-Options", "nosniff"),)


def test_no_field_after_load() -> None:
    app = _app()
    with pytest.raises(AppStateError, match="after load"):
        app.add_response_header("X-Late", "1")


def test_kept_drops_only_the_overridden_fields() -> None:
    headers = AppHeaders(FIELDS)
    assert headers.kept({}) is headers.fields
    assert headers.kept({"Vary": "Origin"}) is headers.fields
    assert headers.kept({"ACCESS-CONTROL-ALLOW-ORIGIN": "x"}) == (FIELDS[0],)


def test_kept_learns_only_names_found_valid() -> None:
    """A level 6 of a third party may call ``kept`` before checking: a bad name must not
    join the fast check's names."""
    headers = AppHeaders(FIELDS)
    headers.kept({"Bad Name": "x", "X-Request-Id": "1"})
    assert "Bad Name" not in headers.good
    assert "X-Request-Id" in headers.good
