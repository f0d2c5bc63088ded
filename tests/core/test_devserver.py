"""The development server (``clink run``, ``LiveServer``) over real sockets.

Requests are written by hand on raw sockets and every reply is read until the
server closes, so a server that keeps a connection open fails the test (the
client socket times out) instead of passing by accident.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import clink_core
from clink_core import App, AppConf, Controller, Request, Response, mapper, stamp
from clink_core.cli import main
from clink_core.cli.serve import ServerLimits, ServerLimitsError, make_server
from clink_core.codec.json import loads
from clink_core.error.http import STATUS_LINES
from clink_core.testing import LiveServer

pytestmark = pytest.mark.timeout(60)

REPO = Path(clink_core.__file__).resolve().parent.parent
MAX_BODY = 64
TIMEOUT = 0.5
LIMITS = ServerLimits(
    timeout=TIMEOUT, max_request_line=1024, max_header_count=20, max_header_bytes=4096
)
#: how long a client waits for the server to answer and close.
CLIENT_WAIT = 10.0


@stamp()
@mapper.path("/")
class EchoCtl(Controller):
    @mapper.get("/echo")
    def get_echo(self, req: Request, res: Response) -> None:
        res.body = b'{"ok": true}'

    @mapper.post("/echo", "text/plain")
    def post_echo(self, req: Request, res: Response) -> None:
        res.content_type = "text/plain"
        res.body = req.body or b""

    @mapper.post("/ignore", "text/plain")
    def ignore(self, req: Request, res: Response) -> None:
        """Answers without reading the body."""
        res.content_type = "text/plain"
        res.body = b"ignored"


def echo_app() -> App:
    app = App(AppConf("devserver", max_body=MAX_BODY), entrypoints=False)
    app.add_ctl(EchoCtl)
    app.load()
    return app


@dataclass
class Server:
    port: int
    #: PATH_INFO of every request the app was called for.
    calls: list[str]


@contextmanager
def serving(limits: ServerLimits | None = LIMITS) -> Iterator[Server]:
    """The dev server on a free port, in front of an app that records its calls."""
    app = echo_app()
    calls: list[str] = []

    def counting(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        calls.append(environ["PATH_INFO"])
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, counting, limits)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield Server(server.server_port, calls)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def srv() -> Iterator[Server]:
    with serving() as server:
        yield server


@dataclass
class Reply:
    status: int
    #: header names lower-case
    headers: dict[str, str]
    body: bytes
    #: whatever the server sent after the first response
    rest: bytes

    @property
    def json(self) -> Any:
        return loads(self.body)


def request(method: str, target: str, *headers: str, body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def read_to_eof(sock: socket.socket) -> bytes:
    """Every byte until the server closes; fails if it keeps the connection open."""
    chunks: list[bytes] = []
    while True:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            pytest.fail(f"the server kept the connection open; got {b''.join(chunks)[:200]!r}")
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def parse(raw: bytes) -> Reply:
    head, sep, rest = raw.partition(b"\r\n\r\n")
    assert sep, f"no complete response: {raw[:200]!r}"
    status_line, *lines = head.decode("latin-1").split("\r\n")
    version, status, _ = status_line.split(" ", 2)
    assert version == "HTTP/1.1"
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    return Reply(int(status), headers, rest[:length], rest[length:])


def talk(port: int, data: bytes, *, shut_wr: bool = False) -> Reply:
    """Send ``data``, read until the server closes, parse the one response."""
    with socket.create_connection(("127.0.0.1", port), timeout=CLIENT_WAIT) as sock:
        sock.sendall(data)
        if shut_wr:
            sock.shutdown(socket.SHUT_WR)
        return parse(read_to_eof(sock))


def assert_json_error(reply: Reply, status: int) -> str:
    """Clink's JSON error body with ``status``, on a closing connection; returns the message."""
    assert reply.status == status, reply
    assert reply.headers["content-type"] == "application/json"
    assert reply.headers["connection"] == "close"
    assert b"<html" not in reply.body.lower()
    body = reply.json
    assert set(body) == {"status", "status_name", "message"}
    assert (body["status"], body["status_name"]) == (status, STATUS_LINES[status])
    assert isinstance(body["message"], str)
    assert body["message"]
    assert reply.rest == b""
    return body["message"]


def nothing_received(sock: socket.socket) -> bool:
    return not select.select([sock], [], [], 0)[0]


# -- read timeout ---------------------------------------------------------------------------
def test_short_body_gets_408_then_close_and_the_thread_ends(srv: Server) -> None:
    """Content-Length: 10 with 3 bytes sent and the socket left open."""
    data = request("POST", "/echo", "Content-Type: text/plain", "Content-Length: 10", body=b"abc")
    before = set(threading.enumerate())
    with socket.create_connection(("127.0.0.1", srv.port), timeout=CLIENT_WAIT) as sock:
        sock.sendall(data)
        time.sleep(TIMEOUT / 5)
        handlers = [t for t in set(threading.enumerate()) - before if "request" in t.name]
        assert len(handlers) == 1, handlers
        message = assert_json_error(parse(read_to_eof(sock)), 408)
    assert f"{TIMEOUT:g} seconds" in message
    handlers[0].join(timeout=CLIENT_WAIT)
    assert not handlers[0].is_alive()


def test_other_clients_are_served_while_one_stalls(srv: Server) -> None:
    data = request("POST", "/echo", "Content-Type: text/plain", "Content-Length: 10", body=b"abc")
    with socket.create_connection(("127.0.0.1", srv.port), timeout=CLIENT_WAIT) as stalled:
        stalled.sendall(data)
        other = talk(srv.port, request("GET", "/echo"))
        assert (other.status, other.json) == (200, {"ok": True})
        # The stalled request is still waiting for its body: nothing answered yet.
        assert nothing_received(stalled)
        assert_json_error(parse(read_to_eof(stalled)), 408)


def test_trickled_request_line_times_out_as_a_whole(srv: Server) -> None:
    """One byte every 0.1 s never trips a per-read timeout; the request deadline ends it."""
    data = request("GET", "/echo")
    with socket.create_connection(("127.0.0.1", srv.port), timeout=CLIENT_WAIT) as sock:
        started = time.monotonic()
        for byte in data[:-2]:
            if not nothing_received(sock) or time.monotonic() - started > CLIENT_WAIT:
                break
            sock.sendall(bytes([byte]))
            time.sleep(0.1)
        assert_json_error(parse(read_to_eof(sock)), 408)


def test_partial_headers_get_408(srv: Server) -> None:
    data = b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: "
    assert_json_error(talk(srv.port, data), 408)


def test_chunked_body_that_stalls_gets_408(srv: Server) -> None:
    data = request(
        "POST", "/echo", "Content-Type: text/plain", "Transfer-Encoding: chunked",
        body=b"5\r\nab",
    )
    assert_json_error(talk(srv.port, data), 408)


def test_connection_that_sends_nothing_is_closed_without_answer(srv: Server) -> None:
    with socket.create_connection(("127.0.0.1", srv.port), timeout=CLIENT_WAIT) as sock:
        assert read_to_eof(sock) == b""


def test_short_body_with_client_eof_is_still_the_kernels_400(srv: Server) -> None:
    data = request("POST", "/echo", "Content-Type: text/plain", "Content-Length: 10", body=b"abc")
    message = assert_json_error(talk(srv.port, data, shut_wr=True), 400)
    assert "3 of the 10 bytes" in message


# -- close after an answer that left the body unread -------------------------------------------
def test_413_from_content_length_then_eof(srv: Server) -> None:
    """Only part of the announced body is sent and the socket stays open: 413, then EOF."""
    data = request("POST", "/echo", "Content-Type: text/plain", "Content-Length: 1000", body=b"x")
    message = assert_json_error(talk(srv.port, data), 413)
    assert str(MAX_BODY) in message


def test_413_reaches_a_client_that_sends_the_whole_large_body() -> None:
    """Closing with unread input resets the connection (the client's send fails with a
    broken pipe); the server drops the input a while after the answer instead."""
    body = b"x" * 5_000_000
    data = request(
        "POST", "/echo", "Content-Type: text/plain", f"Content-Length: {len(body)}", body=body
    )
    with serving(ServerLimits(timeout=5)) as server:
        assert_json_error(talk(server.port, data), 413)


def test_unread_body_is_not_parsed_as_a_next_request(srv: Server) -> None:
    smuggled = b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    data = request(
        "POST", "/ignore", "Content-Type: text/plain", f"Content-Length: {len(smuggled)}",
        body=smuggled,
    )
    before = len(srv.calls)
    reply = talk(srv.port, data)
    assert (reply.status, reply.body, reply.rest) == (200, b"ignored", b"")
    assert reply.headers["connection"] == "close"
    assert srv.calls[before:] == ["/ignore"]


# -- body framing (RFC 9112 §6) -----------------------------------------------------------------
@pytest.mark.parametrize(
    "lengths",
    [("Content-Length: 3", "Content-Length: 5"), ("Content-Length: 3, 5",),
     ("Content-Length: 5", "Content-Length: 3")],
)
def test_different_content_lengths_are_400_before_the_app(
    srv: Server, lengths: tuple[str, ...]
) -> None:
    data = request("POST", "/echo", "Content-Type: text/plain", *lengths, body=b"abcde")
    before = len(srv.calls)
    message = assert_json_error(talk(srv.port, data), 400)
    assert "Content-Length" in message
    assert srv.calls[before:] == []


@pytest.mark.parametrize(
    "lengths", [("Content-Length: 3", "Content-Length: 3"), ("Content-Length: 3, 3",)]
)
def test_repeated_equal_content_length_is_one_length(srv: Server, lengths: tuple[str, ...]) -> None:
    data = request("POST", "/echo", "Content-Type: text/plain", *lengths, body=b"abc")
    reply = talk(srv.port, data)
    assert (reply.status, reply.body) == (200, b"abc")


def test_content_length_with_transfer_encoding_is_400_before_the_app(srv: Server) -> None:
    data = request(
        "POST", "/echo", "Content-Type: text/plain", "Content-Length: 3",
        "Transfer-Encoding: chunked", body=b"3\r\nabc\r\n0\r\n\r\n",
    )
    before = len(srv.calls)
    message = assert_json_error(talk(srv.port, data), 400)
    assert "Content-Length and Transfer-Encoding" in message
    assert srv.calls[before:] == []


@pytest.mark.parametrize(
    ("coding", "status"), [("gzip", 400), ("chunked, gzip", 400), ("gzip, chunked", 501)]
)
def test_transfer_coding_other_than_chunked_is_refused(
    srv: Server, coding: str, status: int
) -> None:
    data = request(
        "POST", "/echo", "Content-Type: text/plain", f"Transfer-Encoding: {coding}",
        body=b"3\r\nabc\r\n0\r\n\r\n",
    )
    before = len(srv.calls)
    assert_json_error(talk(srv.port, data), status)
    assert srv.calls[before:] == []


def test_chunked_body_with_extensions_and_trailer_is_read(srv: Server) -> None:
    chunked = b"3;name=v\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n"
    data = request(
        "POST", "/echo", "Content-Type: text/plain", "Transfer-Encoding: chunked", body=chunked
    )
    reply = talk(srv.port, data)
    assert (reply.status, reply.body) == (200, b"abcde")


@pytest.mark.parametrize(
    "chunked",
    [b"zz\r\nabc\r\n0\r\n\r\n", b"0x3\r\nabc\r\n0\r\n\r\n", b"3\r\nabcXX0\r\n\r\n",
     b"3\r\nab", b"3\r\nabc\r\n"],
)
def test_malformed_chunked_body_is_400(srv: Server, chunked: bytes) -> None:
    data = request(
        "POST", "/echo", "Content-Type: text/plain", "Transfer-Encoding: chunked", body=chunked
    )
    assert "chunk" in assert_json_error(talk(srv.port, data, shut_wr=True), 400)


# -- server-level errors are clink's JSON ----------------------------------------------------------
def test_long_request_line_is_414_json(srv: Server) -> None:
    target = "/echo?q=" + "a" * LIMITS.max_request_line
    message = assert_json_error(talk(srv.port, request("GET", target)), 414)
    assert str(LIMITS.max_request_line) in message


def test_request_line_at_the_limit_is_served(srv: Server) -> None:
    line = "GET /echo?q= HTTP/1.1\r\n"
    target = "/echo?q=" + "a" * (LIMITS.max_request_line - len(line))
    reply = talk(srv.port, request("GET", target))
    assert reply.status == 200


def test_too_many_headers_is_431_json(srv: Server) -> None:
    headers = [f"X-H{i}: v" for i in range(LIMITS.max_header_count)]  # plus Host: one too many
    message = assert_json_error(talk(srv.port, request("GET", "/echo", *headers)), 431)
    assert str(LIMITS.max_header_count) in message


def test_headers_at_the_count_limit_are_served(srv: Server) -> None:
    headers = [f"X-H{i}: v" for i in range(LIMITS.max_header_count - 1)]
    assert talk(srv.port, request("GET", "/echo", *headers)).status == 200


def test_large_header_block_is_431_json(srv: Server) -> None:
    big = "X-Big: " + "b" * LIMITS.max_header_bytes
    message = assert_json_error(talk(srv.port, request("GET", "/echo", big)), 431)
    assert str(LIMITS.max_header_bytes) in message


def test_head_request_error_has_no_body(srv: Server) -> None:
    with socket.create_connection(("127.0.0.1", srv.port), timeout=CLIENT_WAIT) as sock:
        sock.sendall(request("HEAD", "/echo", *[f"X-H{i}: v" for i in range(50)]))
        raw = read_to_eof(sock)
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 ")
    assert rest == b""


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GET /echo\r\n\r\n", 400),
        (b"GET /echo HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        (b"GET /echo HTTP/one\r\nHost: x\r\n\r\n", 400),
        (b"G(T /echo HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET /echo HTTP/1.1\r\nno colon here\r\n\r\n", 400),
        (b"GET /echo HTTP/1.1\r\nX-A : 1\r\n\r\n", 400),
        (b"GET /echo HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n", 400),
        (b"GET /echo HTTP/1.1\r\nX-A: 1\rContent-Length: 5\r\n\r\n", 400),
        (b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        (b"GET /a\xffb HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ],
)
def test_malformed_request_is_json_error_before_the_app(
    srv: Server, data: bytes, status: int
) -> None:
    before = len(srv.calls)
    assert_json_error(talk(srv.port, data), status)
    assert srv.calls[before:] == []


# -- defaults and configuration ------------------------------------------------------------
def test_live_server_uses_the_dev_server_with_its_default_limits() -> None:
    defaults = ServerLimits()
    assert (defaults.max_request_line, defaults.max_header_count) == (8192, 100)
    with LiveServer(echo_app()) as server:
        line = "GET /echo?q= HTTP/1.1\r\n"
        fits = "/echo?q=" + "a" * (defaults.max_request_line - len(line))
        assert talk(server.port, request("GET", fits)).status == 200
        assert_json_error(talk(server.port, request("GET", fits + "a")), 414)


def test_live_server_takes_limits() -> None:
    with LiveServer(echo_app(), limits=ServerLimits(timeout=0.2)) as server:
        assert_json_error(talk(server.port, b"GET /echo HTTP/1.1\r\n"), 408)


@pytest.mark.parametrize(
    "kwargs",
    [{"timeout": 0}, {"timeout": -1.0}, {"timeout": float("inf")}, {"timeout": float("nan")},
     {"timeout": "10"}, {"max_request_line": 0},
     {"max_header_count": 1.5}, {"max_header_bytes": True}],
)
def test_bad_limits_are_refused(kwargs: dict[str, Any]) -> None:
    name = next(iter(kwargs))
    with pytest.raises(ServerLimitsError, match=name):
        ServerLimits(**kwargs)


@pytest.mark.parametrize(
    "argv",
    [["--timeout", "0"], ["--timeout", "inf"], ["--timeout", "soon"], ["--max-header-count", "-3"]],
)
def test_run_refuses_bad_limit_options(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run", "nomodule:app", *argv])
    assert info.value.code == 2
    assert "expected a positive" in capsys.readouterr().err


# -- through the clink command -------------------------------------------------------------
APP_MODULE = """
from clink_core import App, AppConf, Controller, mapper, stamp


@stamp()
@mapper.path("/")
class PingCtl(Controller):
    @mapper.get("/ping")
    def ping(self, req, res):
        res.body = b'{"pong": true}'


app = App(AppConf("ping-api"), entrypoints=False)
app.add_ctl(PingCtl)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            pytest.fail(f"clink run exited with {proc.returncode} before serving")
        try:
            reply = talk(port, request("GET", "/ping"))
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail("clink run did not serve in time")
            time.sleep(0.1)
            continue
        assert (reply.status, reply.json) == (200, {"pong": True})
        return


@pytest.mark.parametrize("reload", [False, True], ids=["plain", "reload"])
def test_clink_run_answers_long_url_with_414_json(tmp_path: Path, reload: bool) -> None:
    (tmp_path / "pingapi.py").write_text(APP_MODULE)
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    argv = [sys.executable, "-m", "clink_core", "run", "pingapi:app", "--port", str(port),
            "--timeout", "1", "--max-request-line", "2048"]
    log = (tmp_path / "server.log").open("wb")
    # Its own process group: the reloader's child is stopped with its parent.
    proc = subprocess.Popen(
        argv + (["--reload"] if reload else []), cwd=tmp_path, env=env,
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_until_serving(port, proc)
        message = assert_json_error(talk(port, request("GET", "/ping?q=" + "a" * 3000)), 414)
        assert "2048" in message
        assert_json_error(talk(port, b"GET /ping HTTP/1.1\r\nHost: x\r\n"), 408)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_raw_non_ascii_in_the_target_echoes_nothing(srv: Server) -> None:
    reply = talk(srv.port, b"GET /a\xffb HTTP/1.1\r\nHost: x\r\n\r\n")
    message = assert_json_error(reply, 400)
    assert "percent-encode" in message
    assert b"\xff" not in reply.body and "\xff" not in reply.body.decode("utf-8")
