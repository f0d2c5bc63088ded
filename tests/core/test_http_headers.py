"""Issue 11.1: header fields that repeat, cookies, and header values checked before sending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.test import Client as WerkzeugClient

from clink_core import App, AppConf, Controller, Request, Response, mapper, stamp
from clink_core.http import CookieError, HeaderValueError
from clink_core.http.cookie import parse_cookies, set_cookie_value
from clink_core.testing import Client


@stamp()
@mapper.path("/h")
class HeaderCtl(Controller):
    @mapper.get("/cookies")
    def cookies(self, req: Request, res: Response) -> None:
        res.header["X-One"] = "1"  # the manual's dict keeps working
        res.set_cookie("sid", "abc123")
        res.set_cookie("theme", "dark", secure=False, httponly=False, samesite=None,
                       max_age=timedelta(hours=1), path="/h", domain="example.org")
        res.add_header("Link", "</a>; rel=next")
        res.add_header("Link", "</b>; rel=prev")
        res.body = {"ok": True}

    @mapper.get("/delete")
    def delete(self, req: Request, res: Response) -> None:
        res.delete_cookie("sid")

    @mapper.get("/read")
    def read(self, req: Request, res: Response) -> None:
        res.body = req.cookies

    @mapper.get("/crlf-dict")
    def crlf_dict(self, req: Request, res: Response) -> None:
        res.header["X-Evil"] = "a\r\nSet-Cookie: owned=1"
        res.body = {"never": "sent"}

    @mapper.get("/bad-name")
    def bad_name(self, req: Request, res: Response) -> None:
        res.header["X Bad"] = "v"

    @mapper.get("/crlf-add")
    def crlf_add(self, req: Request, res: Response) -> None:
        try:
            res.add_header("X-Evil", "a\nb")
        except HeaderValueError as e:
            res.body = {"refused": str(e)}

    @mapper.get("/crlf-cookie")
    def crlf_cookie(self, req: Request, res: Response) -> None:
        try:
            res.set_cookie("sid", "a\r\nb")
        except CookieError as e:
            res.body = {"refused": str(e)}


@pytest.fixture(scope="module")
def app() -> App:
    app = App(AppConf("headers"), entrypoints=False)
    app.add_ctl(HeaderCtl)
    app.load()
    return app


def wz(app: App) -> WerkzeugClient:
    """werkzeug's client, which keeps every field of a repeated header."""
    return WerkzeugClient(app, use_cookies=False)


def test_set_cookie_defaults_and_repeated_fields(app: App) -> None:
    res = wz(app).get("/h/cookies")
    assert res.status_code == 200
    cookies = res.headers.getlist("Set-Cookie")
    assert cookies[0] == "sid=abc123; Path=/; Secure; HttpOnly; SameSite=Lax"
    assert cookies[1] == "theme=dark; Max-Age=3600; Domain=example.org; Path=/h"
    assert res.headers.getlist("Link") == ["</a>; rel=next", "</b>; rel=prev"]
    assert res.headers["X-One"] == "1"
    assert res.json == {"ok": True}


def test_test_client_sees_the_cookie(app: App) -> None:
    res = Client(app).get("/h/cookies")
    assert res.status == 200 and res.json == {"ok": True}
    assert "=" in (res.header("Set-Cookie") or "")


def test_delete_cookie_expires_it(app: App) -> None:
    value = wz(app).get("/h/delete").headers["Set-Cookie"]
    assert value.startswith("sid=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/")
    assert "Secure" in value and "HttpOnly" in value


def test_req_cookies_parsed_on_first_access(app: App) -> None:
    res = wz(app).get("/h/read", headers={"Cookie": 'sid=abc; theme="dark"; sid=second'})
    assert res.json == {"sid": "abc", "theme": "dark"}
    assert wz(app).get("/h/read").json == {}
    req = Request({"HTTP_COOKIE": "a=1"})
    assert "_cookies" not in req.__dict__
    assert req.cookies == {"a": "1"}
    assert req.__dict__["_cookies"] == {"a": "1"}


def test_crlf_in_a_header_value_is_never_sent(app: App, caplog: pytest.LogCaptureFixture) -> None:
    res = wz(app).get("/h/crlf-dict")
    assert res.status_code == 500
    assert "X-Evil" not in res.headers and "Set-Cookie" not in res.headers
    assert b"never" not in res.data and res.json["status"] == 500
    res = wz(app).get("/h/bad-name")
    assert res.status_code == 500 and "X Bad" not in res.headers


def test_crlf_refused_at_once_with_a_clear_error(app: App) -> None:
    refused = wz(app).get("/h/crlf-add").json["refused"]
    assert "CR/LF" in refused and "X-Evil" in refused
    refused = wz(app).get("/h/crlf-cookie").json["refused"]
    assert "sid" in refused and "encode it" in refused


@pytest.mark.parametrize("value", ["a b", 'a"b', "a,b", "a;b", "a\\b", "é", "a\x00"])
def test_cookie_values_a_cookie_cannot_carry(value: str) -> None:
    with pytest.raises(CookieError, match="encode it"):
        set_cookie_value("n", value)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"name": "a b"}, "not a token"),
    ({"samesite": "None", "secure": False}, "SameSite=None needs secure"),
    ({"samesite": "sometimes"}, "samesite must be"),
    ({"domain": "bad domain"}, "not a host name"),
    ({"path": "/a;b"}, "semicolon"),
    ({"max_age": "10"}, "max_age must be seconds"),
    ({"name": "__Host-x", "path": "/a"}, "__Host- cookie"),
    ({"name": "__Secure-x", "secure": False}, "__Secure- cookie"),
])
def test_cookie_attributes_checked(kwargs: dict, match: str) -> None:
    name = kwargs.pop("name", "n")
    with pytest.raises(CookieError, match=match):
        set_cookie_value(name, "v", **kwargs)


def test_cookie_expires_and_samesite_strict() -> None:
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    value = set_cookie_value("n", "v", expires=when, samesite="strict")
    assert "Expires=Wed, 02 Jan 2030 03:04:05 GMT" in value and value.endswith("SameSite=Strict")
    assert "Expires=Thu, 01 Jan 1970 00:00:10 GMT" in set_cookie_value("n", "v", expires=10)
    assert "Max-Age=0" in set_cookie_value("n", "v", max_age=-5)


def test_parse_cookies_utf8_and_first_wins() -> None:
    raw = "name=J\u00c3\u00bcrgen; a=1; a=2".encode("latin-1").decode("latin-1")
    assert parse_cookies(raw) == {"name": "Jürgen", "a": "1"}
    assert parse_cookies(None) == {} and parse_cookies("") == {}


@pytest.mark.parametrize("value", ["a\rb", "a\nb", "a\x7fb", "a\x01", "€"])
def test_add_header_refuses_bad_values(value: str) -> None:
    with pytest.raises(HeaderValueError, match="refused, never sent"):
        Response().add_header("X-A", value)


def test_add_header_refuses_bad_names_and_types() -> None:
    res = Response()
    with pytest.raises(HeaderValueError, match="not a token"):
        res.add_header("X:A", "v")
    with pytest.raises(HeaderValueError, match="must be a str"):
        res.add_header("X-A", 5)  # type: ignore[arg-type]
    res.add_header("X-Tab", "a\tb")  # HTAB is allowed
    assert res.header_items() == [("X-Tab", "a\tb")]
