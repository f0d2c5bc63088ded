"""Routes, the router and the mapper."""

from __future__ import annotations

import pytest

from clink_core import Controller, Request, Route, Router, mapper, stamp
from clink_core.error.http import Http404Error, Http405Error, Http415Error
from clink_core.mime.type import MIME_JSON, MIME_PLAINTEXT
from clink_core.routing import (
    CtlMethod,
    CtlSpecError,
    HandleNotFoundError,
    PathNotFoundError,
    RouteExistError,
    RouteHandleError,
    RouteMethodError,
    RoutePathError,
)
from clink_core.testing import Client


def h_a(req, res):
    res.body = b"a"


def h_b(req, res):
    res.body = b"b"


def request(path, method="GET", content_type=None):
    req = Request()
    req.path, req.method, req.content_type = path, method, content_type
    return req


def test_static_lookup_by_path_method_and_type():
    router = Router([
        Route("/book", "get", None, h_a),
        Route("/book", "post", MIME_JSON, h_a),
        Route("/book", "post", MIME_PLAINTEXT, h_b),
    ])
    assert router.handle(request("/book")) is h_a
    assert router.handle(request("/book", "POST", MIME_JSON)) is h_a
    assert router.handle(request("/book", "POST", MIME_PLAINTEXT)) is h_b


def test_trailing_slash_never_matters():
    router = Router([Route("/book/", "GET", None, h_a), Route("/", "GET", None, h_b)])
    assert router.handle(request("/book")) is h_a
    assert router.handle(request("/book/")) is h_a
    assert router.handle(request("/")) is h_b


def test_unknown_path_404_wrong_method_405_with_allow_wrong_type_415():
    router = Router([Route("/book", "GET", None, h_a), Route("/book", "POST", MIME_JSON, h_b)])
    with pytest.raises(Http404Error):
        router.handle(request("/nope"))
    with pytest.raises(Http405Error) as e405:
        router.handle(request("/book", "PUT"))
    assert e405.value.headers == {"Allow": "GET, HEAD, OPTIONS, POST"}
    with pytest.raises(Http415Error, match="application/json"):
        router.handle(request("/book", "POST", MIME_PLAINTEXT))
    with pytest.raises(Http415Error):
        router.handle(request("/book", "POST", None))


def test_head_is_served_wherever_get_is_and_get_ignores_content_type():
    router = Router([Route("/book", "GET", "text/plain", h_a)])
    assert router.handle(request("/book", "HEAD")) is h_a
    assert router.handle(request("/book", "GET", "image/png")) is h_a


def test_options_is_answered_with_allow_unless_routed(make_app):
    @stamp()
    @mapper.path("/o")
    class OptCtl(Controller):
        @mapper.get("/auto")
        def auto(self, req, res):
            res.body = b"x"

        @mapper.map("/own", "OPTIONS", None)
        def own(self, req, res):
            res.body = b"own options"

    client = Client(make_app(OptCtl))
    res = client.options("/o/auto/")
    assert (res.status, res.data) == (204, b"")
    assert res.header("Allow") == "GET, HEAD, OPTIONS"
    assert client.options("/o/own").data == b"own options"
    assert client.options("/o/none").status == 404


def test_duplicate_route_raises():
    router = Router([Route("/book", "POST", MIME_JSON, h_a)])
    router.add_route(Route("/book", "POST", MIME_PLAINTEXT, h_a))
    with pytest.raises(RouteExistError, match="POST /book"):
        router.add_route(Route("/book/", "POST", MIME_JSON, h_b))
    router.add_route(Route("/book", "GET", None, h_a))
    with pytest.raises(RouteExistError):
        router.add_route(Route("/book", "get", None, h_b))


def test_route_validation():
    with pytest.raises(RoutePathError):
        Route("/a b", "GET", None, h_a)
    with pytest.raises(RoutePathError):
        Route(42, "GET", None, h_a)
    with pytest.raises(RouteMethodError, match="TRACE"):
        Route("/a", "TRACE", None, h_a)
    with pytest.raises(RouteHandleError):
        Route("/a", "GET", None, "not callable")


def test_find_raises_routing_errors():
    router = Router([Route("/book", "GET", None, h_a)])
    assert router.find("/book", "get") is h_a
    with pytest.raises(PathNotFoundError, match="/nope"):
        router.find("/nope", "GET")
    with pytest.raises(HandleNotFoundError, match="DELETE"):
        router.find("/book", "DELETE")


def test_mapper_joins_paths():
    @stamp()
    @mapper.path("/newsparer")
    class NewsCtl(Controller):
        @mapper.post("/", MIME_PLAINTEXT)
        def publish(self, req, res):
            res.body = b"published"

        @mapper.get("item")
        def item(self, req, res):
            res.body = b"item"

        @mapper.delete("/item")
        def remove(self, req, res):
            res.body = b"deleted"

    router = Router()
    router.add_ctl(NewsCtl())
    assert sorted(str(r) for r in router.routes) == [
        "DELETE /newsparer/item",
        "GET /newsparer/item",
        "POST /newsparer [text/plain]",
    ]
    assert NewsCtl.publish.__clink_stamps__["ctl_method"] == CtlMethod("/", "POST", MIME_PLAINTEXT)


def test_controller_without_path_is_rejected():
    @stamp()
    class Bare(Controller):
        @mapper.get("/x")
        def x(self, req, res):
            pass

    with pytest.raises(CtlSpecError, match="Bare"):
        Router().add_ctl(Bare())


def test_mapper_rejects_bad_method():
    with pytest.raises(RouteMethodError):
        mapper.map("/x", "FETCH", None)


def test_app_routes_with_media_type_parameters(make_app):
    @stamp()
    @mapper.path("/text")
    class TextCtl(Controller):
        @mapper.post("/", MIME_PLAINTEXT)
        def echo(self, req, res):
            res.body = req.body

    client = Client(make_app(TextCtl))
    res = client.post("/text", data=b"hi", content_type="Text/Plain; charset=utf-8")
    assert (res.status, res.data) == (200, b"hi")
    res = client.post("/text/", data=b"hi", content_type="application/json")
    assert res.status == 415
    assert res.json["status_name"] == "415 Unsupported Media Type"
    res = client.get("/text")
    assert res.status == 405
    assert res.header("Allow") == "OPTIONS, POST"
