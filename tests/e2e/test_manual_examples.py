"""The manual's curl transcripts replayed against the ported examples over real sockets.

Documented deviations: 415 instead of 406, error messages instead of null, validation
errors without the echoed value, compact JSON (same data).
"""

from __future__ import annotations

import http.client
import json
import re
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(60)


def call(
    port: int, method: str, path: str, body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
    finally:
        conn.close()


def json_of(headers: dict[str, str], body: bytes) -> Any:
    assert headers["content-type"] == "application/json"
    return json.loads(body)


def test_quickstart(serve_example):
    port = serve_example("quickstart/app.py")
    status, headers, body = call(port, "GET", "/book/item")
    assert status == 200
    assert json_of(headers, body) == {"name": "How to Die", "author": "Death"}


def test_routing(serve_example):
    port = serve_example("routing.py")
    status, headers, body = call(port, "GET", "/book/item")
    assert (status, json_of(headers, body)) == (200, {"name": "How to Die", "author": "Death"})
    status, headers, body = call(port, "POST", "/book/item", b"", {"Content-Type": "text/plain"})
    assert (status, json_of(headers, body)) == (200, {"msg": "created"})
    for method, msg in (("PATCH", "patched"), ("PUT", "putted"), ("DELETE", "deleted")):
        status, headers, body = call(
            port, method, "/book/item", b"{}", {"Content-Type": "application/json"}
        )
        assert (status, json_of(headers, body)) == (200, {"msg": msg})
    status, headers, body = call(
        port, "POST", "/book/item", b"", {"Content-Type": "application/json"}
    )
    error = json_of(headers, body)
    assert (status, error["status"], error["status_name"]) == (
        415, 415, "415 Unsupported Media Type")
    status, headers, body = call(port, "GET", "/not-exist-path")
    assert status == 404
    assert json_of(headers, body)["status_name"] == "404 Not Found"


def test_controller(serve_example):
    port = serve_example("controller.py")
    status, headers, body = call(port, "GET", "/req/info", headers={"User-Agent": "curl/8.0"})
    info = json_of(headers, body)
    assert status == 200
    assert info["path"] == "/req/info"
    assert (info["query_str"], info["content_type"], info["body"]) == (None, None, None)
    assert info["content_length"] == 0
    assert (info["server_port"], info["remote_addr"]) == (port, "127.0.0.1")
    assert info["server_protocol"].startswith("HTTP/1.")
    assert info["header"]["USER_AGENT"] == "curl/8.0"
    assert info["header"]["HOST"] == f"127.0.0.1:{port}"

    status, headers, body = call(port, "GET", "/req/no-content")
    assert (status, body) == (204, b"")
    status, headers, body = call(port, "GET", "/req/not-found")
    assert json_of(headers, body) == {
        "status": 404, "status_name": "404 Not Found", "message": "Nothing here"}
    status, headers, body = call(port, "GET", "/req/no-auth")
    assert json_of(headers, body) == {
        "status": 401, "status_name": "401 Unauthorized", "message": "Go back. You are alien"}


@pytest.mark.parametrize(("path", "kind"), [("/newsparer", "NEWSPAPER"),
                                            ("/magazine", "MAGAZINE")])
def test_service(serve_example, path, kind):
    port = serve_example("service.py")
    text = f"This is awesome {path[1:]}"
    status, headers, body = call(
        port, "POST", path, text.encode(), {"Content-Type": "text/plain"})
    assert status == 200
    assert headers["content-type"] == "text/plain"
    assert re.fullmatch(
        r"Id: [0-9a-f]{24}\nType: " + kind + r"\nContent:\n\n" + re.escape(text)
        + r"\n\nbook-api v0\.1\.0\nHell Corporation\n1st, Hell street",
        body.decode(),
    )


def test_data_conversion(serve_example):
    port = serve_example("data_conversion.py")
    status, headers, body = call(
        port, "POST", "/text", b"my name is kevin", {"Content-Type": "text/plain"})
    assert (status, headers["content-type"], body) == (200, "text/plain", b"MY NAME IS KEVIN")


def test_data_validation(serve_example):
    port = serve_example("data_validation.py")
    status, headers, body = call(
        port, "POST", "/book/item", b'{"name": "Dead Note"}',
        {"Content-Type": "application/json"})
    error = json_of(headers, body)
    assert status == 400
    assert error["status_name"] == "400 Bad Request"
    assert error["message"]["name"] == "book"
    assert error["message"]["rule"] == "required"
    assert "Dead Note" not in body.decode()
    status, headers, body = call(
        port, "POST", "/book/item", b'{"name": "Dead Note", "author": "Death"}',
        {"Content-Type": "application/json"})
    assert (status, json_of(headers, body)) == (200, {"message": "created"})


@pytest.mark.parametrize(
    ("body", "ctype", "status", "says"),
    [
        (b'{"name": "Dead Note",', "application/json", 400, "malformed JSON"),
        (b'{"name": "\xff"}', "application/json", 400, "UTF-8"),
        (b"[" * 100 + b"]" * 100, "application/json", 400, "deeper"),
        (b"name=Dead+Note", "application/x-www-form-urlencoded", 415, "not accepted"),
    ],
    ids=["malformed", "not-utf8", "too-deep", "wrong-type"],
)
def test_bad_json_input_over_a_socket(serve_example, body, ctype, status, says):
    port = serve_example("data_validation.py")
    got, headers, raw = call(port, "POST", "/book/item", body, {"Content-Type": ctype})
    error = json_of(headers, raw)
    assert (got, error["status"]) == (status, status)
    assert says in error["message"]
    assert "Traceback" not in raw.decode("utf-8", "replace")


def test_oversized_body_is_refused_before_it_is_sent(serve_example):
    import socket

    port = serve_example("data_validation.py")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST /book/item HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1048577\r\n\r\n"
        )
        res = http.client.HTTPResponse(sock)
        res.begin()
        body = res.read()
    assert res.status == 413
    assert json.loads(body)["status_name"] == "413 Content Too Large"
