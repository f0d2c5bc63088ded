"""clink_gzip: compressed JSON/text answers, what is left alone, configuration, a real socket."""

from __future__ import annotations

import gzip
import http.client
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import clink_cors
import clink_gzip
from clink_core import App, AppConf, Controller, Request, Response, mapper, stamp
from clink_core.testing import Client, LiveServer
from clink_core.type import ConfError
from clink_gzip import GzipConf, accepts_gzip

BIG = {"books": [{"id": i, "name": f"Book number {i}", "author": "Someone"} for i in range(100)]}
GZ = {"Accept-Encoding": "gzip"}


@stamp()
@mapper.path("/z")
class ZipCtl(Controller):
    text_file: Path

    @mapper.get("/big")
    def big(self, req: Request, res: Response) -> None:
        res.body = BIG

    @mapper.get("/small")
    def small(self, req: Request, res: Response) -> None:
        res.body = {"ok": True}

    @mapper.get("/text")
    def text(self, req: Request, res: Response) -> None:
        res.content_type = "text/csv; charset=utf-8"
        res.body = "id,name\n" + "".join(f"{i},book {i}\n" for i in range(300))

    @mapper.get("/png")
    def png(self, req: Request, res: Response) -> None:
        res.content_type = "image/png"
        res.body = b"\x89PNG" + b"\0" * 5000

    @mapper.get("/stream")
    def stream(self, req: Request, res: Response) -> None:
        res.content_type = "text/plain"
        res.body = (b"x" * 1000 for _ in range(5))

    @mapper.get("/file")
    def file(self, req: Request, res: Response) -> None:
        res.send_file(ZipCtl.text_file, content_type="text/plain")

    @mapper.get("/encoded")
    def encoded(self, req: Request, res: Response) -> None:
        res.content_type = "text/plain"
        res.header["Content-Encoding"] = "br"
        res.body = b"pretend-brotli" * 200

    @mapper.get("/empty")
    def empty(self, req: Request, res: Response) -> None:
        res.status = 204

    @mapper.get("/tagged")
    def tagged(self, req: Request, res: Response) -> None:
        res.etag = "v7"
        res.body = BIG

    @mapper.get("/weak")
    def weak(self, req: Request, res: Response) -> None:
        res.etag = 'W/"w1"'
        res.body = BIG

    @mapper.get("/error")
    def error(self, req: Request, res: Response) -> None:
        raise LookupError("x")


def big_error(req: Request, res: Response, e: BaseException) -> None:
    res.status = 404
    res.body = BIG


def make_app(conf: GzipConf | None = None, plugins: tuple[Any, ...] = ()) -> App:
    app = App(AppConf("gzip"), plugins=[clink_gzip.plugin, *plugins], entrypoints=False)
    if conf is not None:
        app.add_prim(conf)
    app.add_ctl(ZipCtl)
    app.add_error_handler(LookupError, big_error)
    app.load()
    return app


@pytest.fixture(scope="module", autouse=True)
def text_file(tmp_path_factory: pytest.TempPathFactory) -> None:
    ZipCtl.text_file = tmp_path_factory.mktemp("gz") / "big.txt"
    ZipCtl.text_file.write_text("hello file\n" * 1000)


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(make_app())


def test_big_json_is_compressed(client: Client) -> None:
    plain = client.get("/z/big")
    res = client.get("/z/big", headers=GZ)
    assert res.status == 200
    assert res.header("Content-Encoding") == "gzip"
    assert res.header("Vary") == "Accept-Encoding"
    assert res.header("Content-Length") == str(len(res.data)) and len(res.data) < len(plain.data)
    assert gzip.decompress(res.data) == plain.data
    assert res.content_type == "application/json"


def test_identity_without_accept_encoding_but_vary(client: Client) -> None:
    res = client.get("/z/big")
    assert res.header("Content-Encoding") is None and res.json == BIG
    assert res.header("Vary") == "Accept-Encoding"  # caches must keep both variants


@pytest.mark.parametrize(("value", "gzipped"), [
    ("gzip", True), ("deflate, gzip;q=0.5", True), ("x-gzip", True), ("*", True),
    ("GZIP", True), ("br;q=1.0, gzip;q=0.8, *;q=0.1", True), ("gzip; q=1", True),
    ("gzip;q=0", False), ("gzip;q=0.000", False), ("*;q=0", False), ("identity", False),
    ("br", False), ("*, gzip;q=0", False), ("", False),
])
def test_accept_encoding_rules(client: Client, value: str, gzipped: bool) -> None:
    res = client.get("/z/big", headers={"Accept-Encoding": value})
    assert (res.header("Content-Encoding") == "gzip") is gzipped
    assert accepts_gzip(value) is gzipped


def test_text_types_compressed(client: Client) -> None:
    res = client.get("/z/text", headers=GZ)
    assert res.header("Content-Encoding") == "gzip"
    assert gzip.decompress(res.data).startswith(b"id,name\n0,book 0\n")


@pytest.mark.parametrize("path", ["/z/small", "/z/png", "/z/stream", "/z/file", "/z/empty"])
def test_left_alone(client: Client, path: str) -> None:
    res = client.get(path, headers=GZ)
    assert res.header("Content-Encoding") is None
    assert res.header("Vary") is None


def test_stream_and_file_bodies_intact(client: Client) -> None:
    assert client.get("/z/stream", headers=GZ).data == b"x" * 5000
    res = client.get("/z/file", headers=GZ)
    assert res.data == b"hello file\n" * 1000 and res.header("Content-Length") == "11000"


def test_already_encoded_left_alone(client: Client) -> None:
    res = client.get("/z/encoded", headers=GZ)
    assert res.header("Content-Encoding") == "br" and res.data == b"pretend-brotli" * 200


def test_head_left_alone(client: Client) -> None:
    res = client.head("/z/big", headers=GZ)
    assert res.header("Content-Encoding") is None
    assert res.header("Content-Length") == str(len(client.get("/z/big").data))


def test_304_and_etags(client: Client) -> None:
    res = client.get("/z/tagged", headers=GZ)
    assert res.header("ETag") == '"v7-gzip"' and res.header("Content-Encoding") == "gzip"
    assert client.get("/z/tagged").header("ETag") == '"v7"'
    again = client.get("/z/tagged", headers={**GZ, "If-None-Match": '"v7-gzip"'})
    assert (again.status, again.data) == (304, b"")
    identity = client.get("/z/tagged", headers={"If-None-Match": '"v7"'})
    assert identity.status == 304
    assert client.get("/z/weak", headers=GZ).header("ETag") == 'W/"w1"'


def test_error_bodies_compressed_too(client: Client) -> None:
    res = client.get("/z/error", headers=GZ)
    assert res.status == 404 and res.header("Content-Encoding") == "gzip"


def test_vary_joins_cors_origin() -> None:
    from clink_cors import CorsConf

    app = App(AppConf("gzip-cors"), plugins=[clink_gzip.plugin, clink_cors.plugin],
              entrypoints=False)
    app.add_prim(CorsConf(origins=["https://app.example"]))
    app.add_ctl(ZipCtl)
    res = Client(app).get("/z/big", headers={**GZ, "Origin": "https://app.example"})
    assert res.header("Vary") == "Origin, Accept-Encoding"
    assert res.header("Content-Encoding") == "gzip"


def test_min_size_and_level_configurable() -> None:
    tiny = Client(make_app(GzipConf(min_size=5, level=1)))
    res = tiny.get("/z/small", headers=GZ)
    assert res.header("Content-Encoding") is None  # 11 bytes: gzip would be larger
    assert tiny.get("/z/text", headers=GZ).header("Content-Encoding") == "gzip"
    never = Client(make_app(GzipConf(min_size=10**9)))
    assert never.get("/z/big", headers=GZ).header("Content-Encoding") is None


def test_types_configurable() -> None:
    client = Client(make_app(GzipConf(types=["image/png"])))
    assert client.get("/z/png", headers=GZ).header("Content-Encoding") == "gzip"
    assert client.get("/z/big", headers=GZ).header("Content-Encoding") is None


def test_conf_from_env() -> None:
    conf = GzipConf.from_env({"CLINK_GZIP_MIN_SIZE": "200", "CLINK_GZIP_LEVEL": "9",
                              "CLINK_GZIP_TYPES": "application/json, text/html"})
    assert (conf.min_size, conf.level, conf.types) == (200, 9, ("application/json", "text/html"))
    assert GzipConf.from_env({}).min_size == 1024
    with pytest.raises(ConfError, match="CLINK_GZIP_LEVEL must be a whole number"):
        GzipConf.from_env({"CLINK_GZIP_LEVEL": "max"})


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"min_size": -1}, "min_size"), ({"level": 0}, "level"), ({"level": 10}, "level"),
    ({"types": ["json"]}, "media types"), ({"min_size": True}, "min_size"),
])
def test_conf_checked(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfError, match=match):
        GzipConf(**kwargs)


def test_loaded_by_name_from_the_entry_point() -> None:
    app = App(AppConf("by-name", plugins=["gzip"]))
    app.add_ctl(ZipCtl)
    assert "clink_gzip" in app.plugin_names
    assert Client(app).get("/z/big", headers=GZ).header("Content-Encoding") == "gzip"


# -- a real socket ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(make_app()) as live:
        yield live


def fetch(server: LiveServer, path: str, headers: dict[str, str]) -> tuple[Any, bytes]:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        conn.request("GET", path, headers=headers)
        reply = conn.getresponse()
        return reply, reply.read()
    finally:
        conn.close()


def test_over_a_socket(server: LiveServer) -> None:
    reply, data = fetch(server, "/z/big", GZ)
    assert reply.status == 200 and reply.getheader("Content-Encoding") == "gzip"
    assert int(reply.getheader("Content-Length")) == len(data)
    assert gzip.decompress(data) == Client(make_app()).get("/z/big").data
    reply, data = fetch(server, "/z/big", {"Accept-Encoding": "gzip;q=0"})
    assert reply.getheader("Content-Encoding") is None and reply.getheader("Vary")
    reply, data = fetch(server, "/z/stream", GZ)
    assert reply.getheader("Content-Encoding") is None and data == b"x" * 5000
    assert reply.getheader("Transfer-Encoding") == "chunked"
