"""HTTP errors, Request, Response and the kernel's sending level."""

from __future__ import annotations

import io
import logging

import pytest

from clink_core import Controller, Request, Response, mapper, stamp
from clink_core.error import http
from clink_core.error.http import (
    Http401Error,
    Http404Error,
    HttpArgumentError,
    HttpError,
    HttpStatusError,
    code_to_str,
)
from clink_core.testing import Client


def test_code_to_str():
    assert code_to_str(404) == "404 Not Found"
    assert code_to_str(406) == "406 Not Acceptable"
    with pytest.raises(HttpStatusError, match="999"):
        code_to_str(999)
    with pytest.raises(HttpStatusError):
        code_to_str("404")


@pytest.mark.parametrize("code", [*range(400, 418), 500, 501, 502, 503, 504, 505])
def test_every_manual_error_class_exists(code):
    cls = getattr(http, f"Http{code}Error")
    e = cls(None, "why")
    assert isinstance(e, HttpError)
    assert (e.status, e.msg) == (code, "why")
    assert str(e) == f"{code_to_str(code)}: why"


def test_generic_http_error_and_argument_error():
    e = HttpError(418, None, "teapot")
    assert e.status == 418
    with pytest.raises(HttpStatusError):
        HttpError(999)
    arg = HttpArgumentError("id must be a number")
    assert arg.status == 400
    assert "id must be a number" in str(arg)


def test_standalone_request_has_manual_defaults():
    req = Request()
    assert (req.method, req.path, req.query_str, req.content_type) == (None, None, None, None)
    assert (req.header, req.args, req.body, req.content_length) == ({}, {}, None, 0)
    assert (req.server_name, req.server_port, req.remote_addr, req.remote_port) == (None,) * 4
    req.body = {"name": "x"}
    assert req.body == {"name": "x"}


def test_request_reads_environ_lazily():
    env = {
        "REQUEST_METHOD": "POST",
        "QUERY_STRING": "a=1&b=x+y&a=2",
        "HTTP_USER_AGENT": "curl/8",
        "HTTP_X_TAG": "a, b,c",
        "CONTENT_TYPE": "text/plain",
        "CONTENT_LENGTH": "5",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8080",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": 5555,
        "wsgi.input": io.BytesIO(b"hello"),
    }
    req = Request(env)
    assert req.header["USER_AGENT"] == "curl/8"
    assert req.header_values("X_TAG") == ["a", "b", "c"]
    assert req.header_values("NOPE") == []
    assert req.args == {"a": "1", "b": "x y"}
    assert req.args_all == {"a": ["1", "2"], "b": ["x y"]}
    assert req.body == b"hello"
    assert req.body == b"hello"  # read once, kept
    assert (req.server_name, req.server_port) == ("localhost", 8080)
    assert req.server_protocol == "HTTP/1.1"
    assert (req.remote_addr, req.remote_port, req.content_length) == ("127.0.0.1", 5555, 5)
    req.query_str = "c=3"
    assert req.args == {"c": "3"}


def test_response_defaults():
    res = Response()
    assert (res.status, res.content_type) == (200, "application/json")
    assert (res.header, res.body) == ({}, None)


@stamp()
@mapper.path("/r")
class RespCtl(Controller):
    @mapper.get("/no-content")
    def no_content(self, req, res):
        res.status = 204
        res.body = b"ignored"

    @mapper.get("/text")
    def text(self, req, res):
        res.body = "héllo"
        res.content_type = "text/plain; charset=utf-8"

    @mapper.get("/no-auth")
    def no_auth(self, req, res):
        raise Http401Error(req, "Go back. You are alien", {"WWW-Authenticate": "Bearer"})

    @mapper.get("/not-found")
    def not_found(self, req, res):
        raise Http404Error(req, "Nothing here")

    @mapper.get("/bad-status")
    def bad_status(self, req, res):
        res.status = 999

    @mapper.get("/inject")
    def inject(self, req, res):
        res.header["X-Evil"] = "a\r\nSet-Cookie: x=1"

    @mapper.get("/info")
    def info(self, req, res):
        res.body = {
            "path": req.path, "query_str": req.query_str, "args": req.args,
            "content_type": req.content_type, "body": req.body,
        }


def test_status_204_sends_no_body_and_no_length(make_app):
    res = Client(make_app(RespCtl)).get("/r/no-content")
    assert (res.status, res.data) == (204, b"")
    assert res.header("Content-Length") is None


def test_str_body_is_sent_as_utf8(make_app):
    res = Client(make_app(RespCtl)).get("/r/text")
    assert res.data == "héllo".encode()
    assert res.header("Content-Length") == str(len("héllo".encode()))
    assert res.content_type == "text/plain; charset=utf-8"


def test_http_errors_render_the_manual_body(make_app):
    client = Client(make_app(RespCtl))
    res = client.get("/r/not-found")
    assert res.json == {"status": 404, "status_name": "404 Not Found", "message": "Nothing here"}
    res = client.get("/r/no-auth")
    assert res.status == 401
    assert res.header("WWW-Authenticate") == "Bearer"
    assert res.json["message"] == "Go back. You are alien"


def test_unknown_status_and_header_injection_are_500(make_app, caplog):
    client = Client(make_app(RespCtl))
    with caplog.at_level(logging.ERROR, logger="clink.error"):
        assert client.get("/r/bad-status").status == 500
        res = client.get("/r/inject")
    assert res.status == 500
    assert res.header("Set-Cookie") is None
    assert "X-Evil" in caplog.text


def test_controller_sees_request_data(make_app):
    res = Client(make_app(RespCtl)).get("/r/info", query={"q": "dune"})
    assert res.json == {
        "path": "/r/info", "query_str": "q=dune", "args": {"q": "dune"},
        "content_type": None, "body": None,
    }


@pytest.mark.parametrize("name", ["a/b", "evil\r\nBcc: x", "tab\there", "..", ""])
def test_app_name_that_cannot_be_a_directory_or_header_is_refused(name):
    from clink_core.type import AppConf, ConfError

    with pytest.raises(ConfError):
        AppConf(name)


def test_every_request_carries_its_arrival_time_and_a_context(make_app):
    import time

    seen = {}

    @mapper.path("/s")
    class StartCtl(Controller):
        @mapper.get("/t")
        def t(self, req, res):
            seen["start"] = req.start
            seen["now"] = time.perf_counter()
            req.context.user = "ann"
            seen["context"] = (req.context.get("user"), "user" in req.context,
                               req.context.get("other", 7))
            res.body = {}

    before = time.perf_counter()
    assert Client(make_app(StartCtl)).get("/s/t").status == 200
    assert before <= seen["start"] <= seen["now"]
    assert seen["context"] == ("ann", True, 7)
    from clink_core import Request

    assert Request().start is None
    assert repr(Request().context) == "Context()"
