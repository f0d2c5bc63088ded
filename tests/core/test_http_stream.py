"""Issue 11.3: streamed bodies, files (ranges, validators, the root), failures mid-stream, SSE."""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client as WerkzeugClient

from clink_core import App, AppConf, Controller, Request, Response, mapper, stamp
from clink_core.http import Event, EventError, StreamAbortedError
from clink_core.http.files import etag_of, open_file
from clink_core.http.ranges import RangeNotSatisfiableError, byte_range
from clink_core.testing import Client

CONTENT = bytes(range(256)) * 40  # 10240 bytes
CLOSED: list[str] = []


def numbers(n: int) -> Iterator[bytes]:
    try:
        for i in range(n):
            yield f"{i}\n".encode()
    finally:
        CLOSED.append("numbers")


class Closable:
    """An iterable body with a ``close()``, as WSGI servers call it."""

    def __iter__(self) -> Iterator[bytes]:
        return iter([b"never read"])

    def close(self) -> None:
        CLOSED.append("closable")


def failing() -> Iterator[bytes]:
    yield b"first,"
    yield b"second,"
    raise RuntimeError("the source broke")


def failing_at_once() -> Iterator[bytes]:
    raise LookupError("before the first byte")
    yield b""  # pragma: no cover


@stamp()
@mapper.path("/s")
class StreamCtl(Controller):
    root: Path

    @mapper.get("/numbers")
    def numbers(self, req: Request, res: Response) -> None:
        res.content_type = "text/plain"
        res.body = numbers(int(req.args.get("n", "5")))

    @mapper.get("/closable")
    def closable(self, req: Request, res: Response) -> None:
        res.content_type = "text/plain"
        res.body = Closable()

    @mapper.get("/ndjson")
    def ndjson(self, req: Request, res: Response) -> None:
        res.body = (f'{{"n": {i}}}\n' for i in range(3))  # str chunks, a JSON response

    @mapper.get("/failing")
    def failing(self, req: Request, res: Response) -> None:
        res.content_type = "text/plain"
        res.body = failing()

    @mapper.get("/failing-at-once")
    def failing_at_once(self, req: Request, res: Response) -> None:
        res.content_type = "text/plain"
        res.body = failing_at_once()

    @mapper.get("/bad-chunk")
    def bad_chunk(self, req: Request, res: Response) -> None:
        res.body = iter([b"ok", 42])

    @mapper.get("/file")
    def file(self, req: Request, res: Response) -> None:
        res.send_file(req.args["name"], root=StreamCtl.root,
                      download_name=req.args.get("as"))

    @mapper.get("/open-file")
    def open_file(self, req: Request, res: Response) -> None:
        res.send_file(io.BytesIO(CONTENT), content_type="application/octet-stream")

    @mapper.get("/events")
    def events(self, req: Request, res: Response) -> None:
        res.send_events(iter([
            Event("hello", event="greet", id="1"), {"n": 2}, None, "two\nlines",
        ]), retry=1500)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("files")
    root = base / "public"
    root.mkdir()
    (root / "data.bin").write_bytes(CONTENT)
    (root / "notes.txt").write_text("hello notes\n")
    (root / "sub").mkdir()
    (root / "sub" / "inner.json").write_text('{"a": 1}')
    (base / "secret.txt").write_text("outside the root")
    os.symlink(base / "secret.txt", root / "link-out.txt")
    os.symlink(root / "notes.txt", root / "link-in.txt")
    os.symlink(base, root / "dir-out")
    StreamCtl.root = root
    return root


@pytest.fixture(scope="module")
def app(root: Path) -> App:
    app = App(AppConf("streams"), entrypoints=False)
    app.add_ctl(StreamCtl)
    app.load()
    return app


@pytest.fixture(scope="module")
def client(app: App) -> Client:
    return Client(app)


def test_iterable_body_streamed_without_content_length(client: Client) -> None:
    CLOSED.clear()
    res = client.get("/s/numbers", query={"n": "4"})
    assert (res.status, res.data) == (200, b"0\n1\n2\n3\n")
    assert res.header("Content-Length") is None
    assert res.content_type == "text/plain"
    assert CLOSED == ["numbers"]  # the server's close() reached the generator


def test_str_chunks_on_a_json_response(client: Client) -> None:
    res = client.get("/s/ndjson")
    assert res.data == b'{"n": 0}\n{"n": 1}\n{"n": 2}\n'
    assert res.content_type == "application/json"


def test_head_of_a_stream_sends_no_body_and_closes_it(client: Client) -> None:
    CLOSED.clear()
    res = client.head("/s/closable")
    assert (res.status, res.data) == (200, b"")
    assert CLOSED == ["closable"]


def test_failure_before_the_first_byte_is_an_error_answer(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, "clink.error"):
        res = client.get("/s/failing-at-once")
    assert res.status == 500 and res.json["status"] == 500
    assert "before the first byte" not in res.text
    assert "LookupError" in caplog.text


def test_failure_mid_stream_is_logged_and_aborts(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    got: list[bytes] = []
    with caplog.at_level(logging.ERROR, "clink.error"):
        body = WerkzeugClient(app).get("/s/failing", buffered=False)
        assert body.status_code == 200
        with pytest.raises(StreamAbortedError, match="after 13 bytes"):
            for chunk in body.response:
                got.append(chunk)
    assert b"".join(got) == b"first,second,"
    assert "RuntimeError" in caplog.text and "the source broke" in caplog.text
    assert "GET /s/failing -> 500" in caplog.text  # the error level's line


def test_a_chunk_that_is_not_bytes(app: App, caplog: pytest.LogCaptureFixture) -> None:
    res = WerkzeugClient(app).get("/s/bad-chunk", buffered=False)
    with caplog.at_level(logging.ERROR, "clink.error"), pytest.raises(StreamAbortedError):
        list(res.response)
    assert "yield bytes or str" in caplog.text


# -- files --------------------------------------------------------------------------------
def test_send_file_whole(client: Client, root: Path) -> None:
    res = client.get("/s/file", query={"name": "data.bin"})
    assert res.status == 200 and res.data == CONTENT
    assert res.header("Content-Length") == str(len(CONTENT))
    assert res.header("Accept-Ranges") == "bytes"
    assert res.content_type == "application/octet-stream"
    st = (root / "data.bin").stat()
    assert res.header("ETag") == f'"{st.st_mtime_ns:x}-{st.st_size:x}"'
    assert res.header("Last-Modified") and res.header("Last-Modified").endswith(" GMT")
    assert client.get("/s/file", query={"name": "notes.txt"}).content_type == "text/plain"
    assert client.get("/s/file", query={"name": "sub/inner.json"}).json == {"a": 1}


def test_send_file_uses_the_servers_file_wrapper(app: App) -> None:
    wrapped: list[Any] = []

    class Wrapper:
        def __init__(self, file: Any, block: int) -> None:
            wrapped.append(block)
            self.file = file

        def __iter__(self) -> Iterator[bytes]:
            return iter(lambda: self.file.read(4096), b"")

        def close(self) -> None:
            self.file.close()

    res = WerkzeugClient(app).get(
        "/s/file", query_string={"name": "data.bin"},
        environ_overrides={"wsgi.file_wrapper": Wrapper},
    )
    assert res.data == CONTENT and wrapped == [64 * 1024]


def test_download_name(client: Client) -> None:
    res = client.get("/s/file", query={"name": "notes.txt", "as": "rapport été.txt"})
    assert res.header("Content-Disposition") == (
        "attachment; filename=\"rapport _t_.txt\"; filename*=UTF-8''rapport%20%C3%A9t%C3%A9.txt"
    )
    res = client.get("/s/file", query={"name": "notes.txt", "as": "../../x.txt"})
    assert res.header("Content-Disposition") == 'attachment; filename="x.txt"'


def test_an_open_file(client: Client) -> None:
    res = client.get("/s/open-file")
    assert res.data == CONTENT and res.header("Content-Length") == str(len(CONTENT))
    assert res.header("ETag") is None  # no modification time: no validator made up


@pytest.mark.parametrize(("spec", "start", "stop"), [
    ("bytes=0-99", 0, 100), ("bytes=10000-", 10000, 10240), ("bytes=-40", 10200, 10240),
    ("bytes=100-99999", 100, 10240), ("bytes=5-5", 5, 6),
])
def test_range_206(client: Client, spec: str, start: int, stop: int) -> None:
    res = client.get("/s/file", query={"name": "data.bin"}, headers={"Range": spec})
    assert res.status == 206
    assert res.data == CONTENT[start:stop]
    assert res.header("Content-Range") == f"bytes {start}-{stop - 1}/{len(CONTENT)}"
    assert res.header("Content-Length") == str(stop - start)


@pytest.mark.parametrize("spec", ["bytes=10240-", "bytes=99999-100000", "bytes=-0"])
def test_range_416(client: Client, spec: str) -> None:
    res = client.get("/s/file", query={"name": "data.bin"}, headers={"Range": spec})
    assert res.status == 416
    assert res.header("Content-Range") == f"bytes */{len(CONTENT)}"
    assert res.json["status"] == 416


@pytest.mark.parametrize("spec", ["items=0-5", "bytes=0-1,5-6", "bytes=9-3", "bytes=x-"])
def test_ranges_ignored_send_the_whole_file(client: Client, spec: str) -> None:
    res = client.get("/s/file", query={"name": "data.bin"}, headers={"Range": spec})
    assert (res.status, len(res.data)) == (200, len(CONTENT))


def test_if_range(client: Client) -> None:
    etag = client.get("/s/file", query={"name": "data.bin"}).header("ETag")
    hit = client.get("/s/file", query={"name": "data.bin"},
                     headers={"Range": "bytes=0-9", "If-Range": etag})
    assert (hit.status, hit.data) == (206, CONTENT[:10])
    miss = client.get("/s/file", query={"name": "data.bin"},
                      headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert (miss.status, len(miss.data)) == (200, len(CONTENT))


def test_file_conditional_get(client: Client) -> None:
    first = client.get("/s/file", query={"name": "data.bin"})
    again = client.get("/s/file", query={"name": "data.bin"},
                       headers={"If-None-Match": first.header("ETag")})
    assert (again.status, again.data) == (304, b"")
    assert again.header("ETag") == first.header("ETag")
    since = client.get("/s/file", query={"name": "data.bin"},
                       headers={"If-Modified-Since": first.header("Last-Modified")})
    assert since.status == 304


@pytest.mark.parametrize("name", [
    "../secret.txt", "sub/../../secret.txt", "link-out.txt", "dir-out/secret.txt",
    "/etc/passwd", "missing.txt", "sub", "a\x00b", "",
])
def test_paths_out_of_the_root_are_404(client: Client, name: str) -> None:
    res = client.get("/s/file", query={"name": name})
    assert res.status == 404
    assert b"outside the root" not in res.data and res.json["message"] == "no such file"


def test_a_link_inside_the_root_is_served(client: Client) -> None:
    assert client.get("/s/file", query={"name": "link-in.txt"}).data == b"hello notes\n"


def test_open_file_and_etag_helpers(root: Path) -> None:
    body = open_file("data.bin", root)
    try:
        assert body.size == len(CONTENT) and etag_of(body) is not None
    finally:
        body.close()
    with pytest.raises(TypeError, match="path or an open binary file"):
        open_file(42)


def test_byte_range_parser() -> None:
    assert byte_range(None, 10) is None
    assert byte_range("bytes=2-4", 10) == (2, 5)
    with pytest.raises(RangeNotSatisfiableError):
        byte_range("bytes=10-", 10)
    with pytest.raises(RangeNotSatisfiableError):
        byte_range("bytes=-5", 0)


# -- server-sent events -------------------------------------------------------------------
def test_server_sent_events(client: Client) -> None:
    res = client.get("/s/events")
    assert res.status == 200
    assert res.content_type == "text/event-stream"
    assert res.header("Cache-Control") == "no-cache"
    assert res.header("Content-Length") is None
    assert res.text == (
        "retry: 1500\n\n"
        "event: greet\nid: 1\ndata: hello\n\n"
        'data: {"n":2}\n\n'
        ":\n\n"
        "data: two\ndata: lines\n\n"
    )


def test_event_fields_checked() -> None:
    with pytest.raises(EventError, match="line breaks"):
        Event("x", event="a\nb")
    with pytest.raises(EventError, match="line breaks"):
        Event("x", id="1\r")
    with pytest.raises(EventError, match="milliseconds"):
        Event("x", retry=-1)
    assert Event(b"raw").encode() == b"data: raw\n\n"


@pytest.mark.parametrize(("spec", "status"), [
    ("bytes=" + "9" * 5000 + "-", 416), ("bytes=-" + "9" * 5000, 206),
    ("bytes=0-" + "9" * 5000, 206), ("bytes=" + "0" * 5000 + "1-1", 206),
])
def test_range_numbers_of_any_length(client: Client, spec: str, status: int) -> None:
    """int() refuses over 4300 digits: such numbers count as huge, never a 500."""
    res = client.get("/s/file", query={"name": "data.bin"}, headers={"Range": spec})
    assert res.status == status
