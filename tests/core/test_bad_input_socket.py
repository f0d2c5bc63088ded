"""Bad input over a real socket: every malformed request gets its status and a JSON error body.

Requests are written byte by byte on a raw socket (werkzeug's server behind
``LiveServer``), so nothing between the test and the app fixes them up.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from clink_core import App, AppConf, Controller, Request, Response, mapper, stamp
from clink_core.error.http import code_to_str
from clink_core.testing import LiveServer

pytestmark = pytest.mark.timeout(10)

MAX_BODY = 16
SECRET = "secret-detail-7f3a"


@stamp()
@mapper.path("/")
class EchoCtl(Controller):
    @mapper.get("/echo")
    def get_echo(self, req: Request, res: Response) -> None:
        info = {
            "args": req.args,
            "args_all": req.args_all,
            "tags": req.header_values("X_TAG"),
        }
        res.body = json.dumps(info).encode("utf-8")

    @mapper.post("/echo", "text/plain")
    def post_echo(self, req: Request, res: Response) -> None:
        res.content_type = "text/plain"
        res.body = req.body or b""

    @mapper.post("/json")
    def post_json(self, req: Request, res: Response) -> None:
        res.body = req.body

    @mapper.get("/boom")
    def boom(self, req: Request, res: Response) -> None:
        raise RuntimeError(SECRET)


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    """One server for the module (stopping one takes up to half a second)."""
    app = App(AppConf("bad-input", max_body=MAX_BODY), entrypoints=False)
    app.add_ctl(EchoCtl)
    with LiveServer(app) as server:
        yield server.port


def raw_request(
    method: str, target: str, headers: tuple[str, ...] = (), body: bytes = b""
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", *headers, "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def exchange(port: int, data: bytes, *, shut_wr: bool = False, method: str = "GET") -> Reply:
    """Send ``data`` as is and parse the answer; a server that waits makes it time out."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        if shut_wr:
            sock.shutdown(socket.SHUT_WR)
        res = http.client.HTTPResponse(sock, method=method)
        res.begin()
        try:
            return Reply(res.status, res.headers, res.read())
        finally:
            res.close()


def read_all(port: int, data: bytes) -> bytes:
    """Send ``data`` and return every byte the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def assert_error(reply: Reply, status: int) -> str:
    """The manual's JSON error body with ``status``; returns its message."""
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == "application/json"
    assert b"Traceback" not in reply.body
    assert b'File "' not in reply.body
    body: dict[str, Any] = json.loads(reply.body)
    assert set(body) == {"status", "status_name", "message"}
    assert body["status"] == status
    assert body["status_name"] == code_to_str(status)
    assert isinstance(body["message"], str)
    assert body["message"]
    return body["message"]


def echo_info(port: int, target: str, headers: tuple[str, ...] = ()) -> dict[str, Any]:
    reply = exchange(port, raw_request("GET", target, headers))
    assert reply.status == 200, reply.body
    info: dict[str, Any] = json.loads(reply.body)
    return info


# -- body size and framing ----------------------------------------------------------
def test_body_over_limit_is_413_without_reading_the_body(port: int) -> None:
    # Only the headers go out: a server that tried to read the body would time out.
    data = raw_request("POST", "/echo", ("Content-Type: text/plain", "Content-Length: 1000000000"))
    message = assert_error(exchange(port, data), 413)
    assert str(MAX_BODY) in message


def test_body_one_byte_over_limit_is_413(port: int) -> None:
    headers = ("Content-Type: text/plain", f"Content-Length: {MAX_BODY + 1}")
    assert_error(exchange(port, raw_request("POST", "/echo", headers)), 413)


def test_body_at_limit_is_accepted(port: int) -> None:
    body = b"x" * MAX_BODY
    data = raw_request(
        "POST", "/echo", ("Content-Type: text/plain", f"Content-Length: {len(body)}"), body
    )
    reply = exchange(port, data)
    assert (reply.status, reply.body) == (200, body)


@pytest.mark.parametrize("length", ["abc", "-1", "+5", "1.5", "0x10"])
def test_invalid_content_length_is_400(port: int, length: str) -> None:
    data = raw_request("POST", "/echo", ("Content-Type: text/plain", f"Content-Length: {length}"))
    assert "Content-Length" in assert_error(exchange(port, data), 400)


def test_body_shorter_than_content_length_is_400(port: int) -> None:
    data = raw_request("POST", "/echo", ("Content-Type: text/plain", "Content-Length: 10"), b"abc")
    message = assert_error(exchange(port, data, shut_wr=True), 400)
    assert "3 of the 10 bytes" in message


def test_chunked_body_is_read(port: int) -> None:
    chunked = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    data = raw_request(
        "POST", "/echo", ("Content-Type: text/plain", "Transfer-Encoding: chunked"), chunked
    )
    reply = exchange(port, data)
    assert (reply.status, reply.body) == (200, b"hello world")


def test_chunked_body_over_limit_is_413(port: int) -> None:
    payload = b"x" * (MAX_BODY + 4)
    chunked = f"{len(payload):x}\r\n".encode() + payload + b"\r\n0\r\n\r\n"
    data = raw_request(
        "POST", "/echo", ("Content-Type: text/plain", "Transfer-Encoding: chunked"), chunked
    )
    assert_error(exchange(port, data), 413)


# -- query and path encoding ------------------------------------------------------------
@pytest.mark.parametrize("target", ["/echo?a=%zz", "/echo?a=%2", "/echo?a=1&b=%"])
def test_invalid_percent_encoding_in_query_is_400(port: int, target: str) -> None:
    message = assert_error(exchange(port, raw_request("GET", target)), 400)
    assert "percent-encoding" in message


@pytest.mark.parametrize("target", ["/ec%zzho", "/echo%", "/echo%2"])
def test_invalid_percent_encoding_in_path_is_400(port: int, target: str) -> None:
    message = assert_error(exchange(port, raw_request("GET", target)), 400)
    assert "percent-encoding" in message


@pytest.mark.parametrize("target", ["/echo?a=%ff", "/echo?%c3%28=1", "/echo?a=%e2%82"])
def test_non_utf8_query_is_400(port: int, target: str) -> None:
    message = assert_error(exchange(port, raw_request("GET", target)), 400)
    assert "UTF-8" in message


@pytest.mark.parametrize("target", ["/%ff", "/echo%ff", "/ech%c3%28"])
def test_non_utf8_path_is_400(port: int, target: str) -> None:
    message = assert_error(exchange(port, raw_request("GET", target)), 400)
    assert "UTF-8" in message


def test_percent_encoded_utf8_query_is_decoded(port: int) -> None:
    assert echo_info(port, "/echo?a=%C3%A9&b=x%20y")["args"] == {"a": "é", "b": "x y"}


def test_percent_encoded_path_is_decoded(port: int) -> None:
    assert echo_info(port, "/%65cho?a=1")["args"] == {"a": "1"}


@pytest.mark.parametrize(
    ("target", "path"), [("/echo%25zz", "/echo%zz"), ("/caf%C3%A9", "/caf%C3%A9")]
)
def test_valid_encoded_unknown_path_is_404_not_400(port: int, target: str, path: str) -> None:
    """The message shows the decoded path, with non-ASCII characters percent-encoded."""
    message = assert_error(exchange(port, raw_request("GET", target)), 404)
    assert message.endswith(path)


# -- repeated names ---------------------------------------------------------------------
def test_repeated_query_name(port: int) -> None:
    info = echo_info(port, "/echo?tag=a&tag=b")
    assert info["args"] == {"tag": "a"}
    assert info["args_all"] == {"tag": ["a", "b"]}


def test_repeated_header_gives_every_value(port: int) -> None:
    assert echo_info(port, "/echo", ("X-Tag: a", "X-Tag: b"))["tags"] == ["a", "b"]


# -- routing ------------------------------------------------------------------------------
def test_unknown_path_is_404(port: int) -> None:
    assert "/nope" in assert_error(exchange(port, raw_request("GET", "/nope")), 404)


def test_wrong_method_is_405_with_allow(port: int) -> None:
    reply = exchange(port, raw_request("DELETE", "/echo"))
    assert_error(reply, 405)
    allow = {m.strip() for m in reply.headers["Allow"].split(",")}
    assert allow == {"GET", "HEAD", "OPTIONS", "POST"}


@pytest.mark.parametrize("ctype", ["text/plain", None])
def test_wrong_content_type_is_415(port: int, ctype: str | None) -> None:
    headers = ("Content-Length: 2",) + ((f"Content-Type: {ctype}",) if ctype else ())
    message = assert_error(exchange(port, raw_request("POST", "/json", headers, b"{}")), 415)
    assert "application/json" in message


@pytest.mark.parametrize(
    "ctype", ["text/plain; charset=utf-8", "Text/Plain;charset=UTF-8", "text/plain ; q=1"]
)
def test_content_type_parameters_are_ignored(port: int, ctype: str) -> None:
    data = raw_request("POST", "/echo", (f"Content-Type: {ctype}", "Content-Length: 2"), b"hi")
    reply = exchange(port, data)
    assert (reply.status, reply.body) == (200, b"hi")


def test_json_route_accepts_json_with_charset(port: int) -> None:
    headers = ("Content-Type: application/json; charset=utf-8", "Content-Length: 2")
    reply = exchange(port, raw_request("POST", "/json", headers, b"{}"))
    assert (reply.status, reply.body) == (200, b"{}")


def test_trailing_slash_equals_no_slash(port: int) -> None:
    assert echo_info(port, "/echo/?a=1") == echo_info(port, "/echo?a=1")


def test_head_is_answered_like_get_without_body(port: int) -> None:
    get = exchange(port, raw_request("GET", "/echo"))
    raw = read_all(port, raw_request("HEAD", "/echo"))
    head, sep, rest = raw.partition(b"\r\n\r\n")
    assert sep
    assert rest == b""
    assert head.startswith(b"HTTP/1.1 200 ")
    lines = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.decode().partition(":") for line in head.split(b"\r\n")[1:])
    }
    assert lines["content-type"] == "application/json"
    assert lines["content-length"] == str(len(get.body))


# -- unexpected errors ---------------------------------------------------------------------
def test_unexpected_exception_is_generic_500(port: int, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="clink.error"):
        reply = exchange(port, raw_request("GET", "/boom"))
    message = assert_error(reply, 500)
    assert SECRET not in message
    assert SECRET.encode() not in reply.body
    assert b"RuntimeError" not in reply.body
    # The details go to the error log, with the traceback.
    logged = [r for r in caplog.records if r.name == "clink.error" and r.exc_info]
    assert logged
    assert SECRET in logged[0].getMessage()


def test_error_path_sees_the_raw_path_when_the_path_is_rejected(make_app) -> None:
    """A level-0 rejection still leaves method and path for the error-path handlers."""
    from clink_core import hookimpl
    from clink_core.testing import Client

    seen = []

    class Spy:
        @hookimpl
        def clink_error(self, req, res, e):
            seen.append((req.method, req.path, req.content_type))

    client = Client(make_app(plugins=(Spy(),)))
    assert client.get("/bad%zzpath").status == 400
    assert seen == [("GET", "/bad%zzpath", None)]
