"""Issue 11 over real sockets: cookies, redirects, streams, files, SSE, uploads, negotiation,
conditional requests and error formats, under the dev server of ``clink run`` and gunicorn.

Requests are written on raw sockets and the answers parsed here, so nothing between the
test and the server (no client library) merges repeated fields, de-chunks a truncated
body or follows a redirect. gunicorn serves ``make_app()`` of this module in a subprocess
(``--pythonpath tests/e2e 'test_http_sockets:make_app()'``), so the same app runs under
both servers; under gunicorn a file goes out through its ``wsgi.file_wrapper``.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from clink_core import App, AppConf, Controller, Request, Response, mapper, stamp
from clink_core.http import FormConf

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
pytestmark = [pytest.mark.timeout(120),
              pytest.mark.skipif(sys.platform == "win32", reason="POSIX servers")]

CONTENT = bytes(range(256)) * 64  # 16 KiB
BOUNDARY = "sockBoundary42"
MAX_PART = 100_000
MAX_BODY = 1_000_000
#: how long a client waits for what the server must send at once (seconds, generous).
PROMPT = 5.0


def _root() -> Path:
    """The folder the app serves files from, made once per process (both servers)."""
    path = os.environ.get("HTTP_SOCKETS_ROOT")
    if path is None:
        path = tempfile.mkdtemp(prefix="clink-http-")
        os.environ["HTTP_SOCKETS_ROOT"] = path
    root = Path(path)
    public = root / "public"
    if not public.exists():
        public.mkdir()
        (public / "data.bin").write_bytes(CONTENT)
        (root / "secret.txt").write_text("outside the root")
        os.symlink(root / "secret.txt", public / "link-out.txt")
    return public


def slow_events(gate: str) -> Iterator[dict[str, Any]]:
    yield {"n": 1}
    deadline = time.monotonic() + 10
    while not os.path.exists(gate) and time.monotonic() < deadline:
        time.sleep(0.01)
    yield {"n": 2}


def failing() -> Iterator[bytes]:
    yield b"first,"
    yield b"second,"
    raise RuntimeError("the source broke mid-way")


@stamp()
@mapper.path("/h")
class SocketCtl(Controller):
    @mapper.get("/cookies")
    def cookies(self, req: Request, res: Response) -> None:
        res.set_cookie("sid", "abc")
        res.set_cookie("theme", "dark", httponly=False)
        res.body = {"seen": req.cookies}

    @mapper.get("/inject")
    def inject(self, req: Request, res: Response) -> None:
        res.header["X-Evil"] = "a\r\nSet-Cookie: owned=1"

    @mapper.get("/redirect")
    def redirect(self, req: Request, res: Response) -> None:
        res.redirect(req.args["to"], int(req.args.get("status", "303")))

    @mapper.get("/stream")
    def stream(self, req: Request, res: Response) -> None:
        res.content_type = "text/plain"
        res.body = (f"line {i}\n".encode() for i in range(100))

    @mapper.get("/failing")
    def failing(self, req: Request, res: Response) -> None:
        res.content_type = "text/plain"
        res.body = failing()

    @mapper.get("/file")
    def file(self, req: Request, res: Response) -> None:
        res.send_file(req.args["name"], root=_root())

    @mapper.get("/events")
    def events(self, req: Request, res: Response) -> None:
        res.send_events(slow_events(req.args["gate"]))

    @mapper.post("/upload", "multipart/form-data")
    def upload(self, req: Request, res: Response) -> None:
        res.body = {"form": req.form,
                    "files": {k: [f.filename, f.size, f.read()[:4].decode()]
                              for k, f in req.files.items()}}

    @mapper.get("/doc")
    def doc(self, req: Request, res: Response) -> None:
        res.etag = "v7"
        res.body = {"v": 7}

    @mapper.put("/doc")
    def put_doc(self, req: Request, res: Response) -> None:
        req.precondition(etag="v7")
        res.body = {"v": 8}

    @mapper.get("/missing")
    def missing(self, req: Request, res: Response) -> None:
        raise LookupError("nothing")


def on_lookup(req: Request, res: Response, e: BaseException) -> None:
    res.status = 404
    res.body = {"mapped": type(e).__name__}


def make_app(error_format: str = "clink") -> App:
    """The app both servers run (gunicorn calls this)."""
    app = App(AppConf("http-sockets", max_body=MAX_BODY, error_format=error_format),
              entrypoints=False)
    app.add_ctl(SocketCtl)
    app.add_prim(FormConf(max_part=MAX_PART, spool_after=1024))
    app.add_error_handler(LookupError, on_lookup)
    app.load()
    return app


# -- a tiny HTTP/1.1 reader -----------------------------------------------------------------
@dataclass
class Reply:
    status: int
    fields: list[tuple[str, str]]
    body: bytes
    #: how the body ended: "length", "chunked" (a final chunk), "truncated", "close".
    end: str

    def get(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.fields if k.lower() == name.lower()]


class Conn:
    """One connection: send bytes, read replies as they come."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=PROMPT)
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _more(self) -> bool:
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            return False
        self.buf += data
        return bool(data)

    def _until(self, marker: bytes) -> int:
        while (at := self.buf.find(marker)) < 0:
            if not self._more():
                raise EOFError(f"closed before {marker!r}: {self.buf[:300]!r}")
        return at

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._more():
                raise EOFError(f"closed after {len(self.buf)} of {n} bytes")
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def head(self) -> tuple[int, list[tuple[str, str]]]:
        at = self._until(b"\r\n\r\n")
        lines = self.buf[:at].decode("latin-1").split("\r\n")
        self.buf = self.buf[at + 4:]
        status = int(lines[0].split()[1])
        fields = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:])]
        return status, fields

    def chunk(self) -> bytes | None:
        """The next chunk of a chunked body; b"" at the final chunk, None if cut off."""
        try:
            at = self._until(b"\r\n")
            size = int(self.buf[:at], 16)
            self.buf = self.buf[at + 2:]
            data = self._take(size + 2)[:-2]
        except EOFError:
            return None
        return data

    def reply(self, method: str = "GET") -> Reply:
        status, fields = self.head()
        reply = Reply(status, fields, b"", "length")
        values = {k.lower(): v for k, v in fields}
        if method == "HEAD" or status in (204, 304):
            return reply
        if values.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while (data := self.chunk()) is not None and data:
                parts.append(data)
            reply.body, reply.end = b"".join(parts), "chunked" if data == b"" else "truncated"
        elif "content-length" in values:
            reply.body = self._take(int(values["content-length"]))
        else:
            while self._more():
                pass
            reply.body, self.buf, reply.end = self.buf, b"", "close"
        return reply


def request(port: int, method: str, target: str, headers: tuple[str, ...] = (),
            body: bytes = b"") -> Reply:
    conn = Conn(port)
    try:
        lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", *headers]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        lines.append("Connection: close")
        conn.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        return conn.reply(method)
    finally:
        conn.close()


def part(name: str, value: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n"
    return head.encode() + value + b"\r\n"


# -- the servers --------------------------------------------------------------------------------
@dataclass
class Server:
    name: str
    port: int


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[int]:
    try:
        import gunicorn as _  # noqa: F401
    except ImportError:
        from e2e_needs import missing

        missing("needs gunicorn (the clink-auth test extra installs it)")
    port = _free_port()
    args = [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "gthread",
            "--threads", "4", "--timeout", "30", "--bind", f"127.0.0.1:{port}",
            "--pythonpath", str(HERE), "test_http_sockets:make_app()"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, **env}, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not serve:\n{log.read_text()}")
            try:
                if request(port, "GET", "/h/doc").status == 200:
                    break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


@pytest.fixture(scope="module", params=["devserver", "gunicorn"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Server]:
    _root()
    if request.param == "devserver":
        from clink_core.testing import LiveServer

        with LiveServer(make_app()) as live:
            yield Server("devserver", live.port)
    else:
        log = tmp_path_factory.mktemp("gunicorn") / "server.log"
        env = {"HTTP_SOCKETS_ROOT": os.environ["HTTP_SOCKETS_ROOT"]}
        with gunicorn(env, log) as port:
            yield Server("gunicorn", port)


# -- 11.1 headers and cookies -----------------------------------------------------------------
def test_two_set_cookie_fields_and_req_cookies(server: Server) -> None:
    reply = request(server.port, "GET", "/h/cookies", ("Cookie: a=1; b=two",))
    assert reply.status == 200
    assert reply.all("Set-Cookie") == [
        "sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax",
        "theme=dark; Path=/; Secure; SameSite=Lax",
    ]
    assert reply.body == b'{"seen":{"a":"1","b":"two"}}'


def test_crlf_never_reaches_the_wire(server: Server) -> None:
    reply = request(server.port, "GET", "/h/inject")
    assert reply.status == 500
    assert reply.all("Set-Cookie") == [] and reply.get("X-Evil") is None
    assert b"owned" not in reply.body


# -- 11.2 redirects -----------------------------------------------------------------------------
def test_redirect(server: Server) -> None:
    reply = request(server.port, "GET", "/h/redirect?to=/h/doc&status=307")
    assert (reply.status, reply.get("Location"), reply.body) == (307, "/h/doc", b"")
    assert reply.get("Content-Type") is None and reply.get("Content-Length") == "0"
    refused = request(server.port, "GET", "/h/redirect?to=//evil.example/")
    assert refused.status == 500 and refused.get("Location") is None


# -- 11.3 streams, files, SSE ---------------------------------------------------------------------
def test_stream_is_chunked_without_content_length(server: Server) -> None:
    reply = request(server.port, "GET", "/h/stream")
    assert reply.status == 200 and reply.end == "chunked"
    assert reply.get("Content-Length") is None
    assert reply.body == b"".join(f"line {i}\n".encode() for i in range(100))


def test_failure_mid_stream_closes_the_connection(server: Server) -> None:
    start = time.monotonic()
    reply = request(server.port, "GET", "/h/failing")
    assert reply.status == 200
    assert reply.end == "truncated"  # no final chunk: the client knows it is incomplete
    assert reply.body.startswith(b"first,") and b"broke" not in reply.body
    assert time.monotonic() - start < PROMPT  # closed, not left hanging
    assert request(server.port, "GET", "/h/doc").status == 200  # and the server serves on


def test_send_file(server: Server) -> None:
    reply = request(server.port, "GET", "/h/file?name=data.bin")
    assert reply.status == 200 and reply.body == CONTENT
    assert reply.get("Content-Length") == str(len(CONTENT)) and reply.end == "length"
    assert reply.get("ETag") and reply.get("Last-Modified")
    assert reply.get("Accept-Ranges") == "bytes"
    again = request(server.port, "GET", "/h/file?name=data.bin",
                    (f"If-None-Match: {reply.get('ETag')}",))
    assert (again.status, again.body) == (304, b"")
    head = request(server.port, "HEAD", "/h/file?name=data.bin")
    assert head.status == 200 and head.get("Content-Length") == str(len(CONTENT))


def test_ranges(server: Server) -> None:
    part_reply = request(server.port, "GET", "/h/file?name=data.bin", ("Range: bytes=100-199",))
    assert part_reply.status == 206 and part_reply.body == CONTENT[100:200]
    assert part_reply.get("Content-Range") == f"bytes 100-199/{len(CONTENT)}"
    past = request(server.port, "GET", "/h/file?name=data.bin", ("Range: bytes=99999-",))
    assert past.status == 416 and past.get("Content-Range") == f"bytes */{len(CONTENT)}"


@pytest.mark.parametrize("name", ["../secret.txt", "link-out.txt", "%2e%2e/secret.txt"])
def test_escaping_the_root_is_404(server: Server, name: str) -> None:
    reply = request(server.port, "GET", f"/h/file?name={name}")
    assert reply.status == 404 and b"outside" not in reply.body


def test_server_sent_events_arrive_as_they_are_made(server: Server, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    conn = Conn(server.port)
    try:
        conn.send(f"GET /h/events?gate={gate} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        status, fields = conn.head()
        assert status == 200 and ("Content-Type", "text/event-stream") in fields
        seen = b""
        while b'data: {"n":1}\n\n' not in seen:  # before the generator can go on
            data = conn.chunk()
            assert data, f"stream ended early: {seen!r}"
            seen += data
        assert b'{"n":2}' not in seen
        gate.touch()
        while (data := conn.chunk()):
            seen += data
        assert data == b"" and seen.endswith(b'data: {"n":2}\n\n')
    finally:
        conn.close()


# -- 11.4 uploads ------------------------------------------------------------------------------
def test_upload(server: Server) -> None:
    big = b"PNG!" + os.urandom(50_000)  # past spool_after: a temporary file
    data = part("title", b"Dune") + part("cover", big, "c.png") + f"--{BOUNDARY}--\r\n".encode()
    reply = request(server.port, "POST", "/h/upload",
                    (f"Content-Type: multipart/form-data; boundary={BOUNDARY}",), data)
    assert reply.status == 200, reply.body
    assert reply.body == (
        b'{"form":{"title":"Dune"},"files":{"cover":["c.png",50004,"PNG!"]}}'
    )


def test_malformed_upload_is_400(server: Server) -> None:
    reply = request(server.port, "POST", "/h/upload",
                    (f"Content-Type: multipart/form-data; boundary={BOUNDARY}",),
                    part("title", b"Dune"))
    assert reply.status == 400
    assert b"ended before its closing boundary" in reply.body


def test_body_over_the_limit_is_413_before_it_is_sent(server: Server) -> None:
    conn = Conn(server.port)
    try:
        conn.send(
            f"POST /h/upload HTTP/1.1\r\nHost: x\r\nContent-Length: {MAX_BODY + 1}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n".encode()
        )
        reply = conn.reply()  # nothing of the body sent: the answer comes anyway
        assert reply.status == 413 and b"exceeds the limit" in reply.body
    finally:
        conn.close()


def test_part_over_its_limit_is_413_while_the_rest_is_unsent(server: Server) -> None:
    conn = Conn(server.port)
    try:
        head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"f\"; "
                f"filename=\"x.bin\"\r\n\r\n").encode()
        conn.send(
            f"POST /h/upload HTTP/1.1\r\nHost: x\r\nContent-Length: {MAX_BODY - 10}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n".encode()
            + head + b"z" * (MAX_PART + 70_000)
        )
        reply = conn.reply()  # most of the announced body never sent
        assert reply.status == 413
        assert b"file part 'f' is larger than 100000 bytes" in reply.body
    finally:
        conn.close()


# -- 11.5 negotiation and conditional requests -------------------------------------------------
def test_406_and_304_and_412(server: Server) -> None:
    assert request(server.port, "GET", "/h/doc", ("Accept: application/xml",)).status == 406
    assert request(server.port, "GET", "/h/doc", ("Accept: application/*",)).status == 200
    assert request(server.port, "GET", "/h/doc", ('If-None-Match: "v7"',)).status == 304
    assert request(server.port, "PUT", "/h/doc",
                   ('If-Match: "v6"', "Content-Type: application/json"), b"{}").status == 412
    assert request(server.port, "PUT", "/h/doc",
                   ('If-Match: "v7"', "Content-Type: application/json"), b"{}").status == 200


# -- 11.6 error handlers and problem+json ------------------------------------------------------
def test_mapped_error_handler(server: Server) -> None:
    reply = request(server.port, "GET", "/h/missing")
    assert (reply.status, reply.body) == (404, b'{"mapped":"LookupError"}')


def test_problem_json_over_a_socket() -> None:
    from clink_core.testing import LiveServer

    with LiveServer(make_app("problem")) as live:
        reply = request(live.port, "GET", "/nowhere")
    assert reply.status == 404 and reply.get("Content-Type") == "application/problem+json"
    assert re.fullmatch(
        rb'\{"type":"about:blank","title":"Not Found","status":404,"detail":".*",'
        rb'"instance":"/nowhere"\}', reply.body)
