"""Route templates: converters, precedence, conflicts, methods and types on templates."""

from __future__ import annotations

import http.client
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clink_core import App, AppConf, Controller, Request, Route, Router, mapper
from clink_core.error.http import Http404Error, Http405Error
from clink_core.mime.type import MIME_JSON, MIME_PLAINTEXT
from clink_core.routing import RouteExistError, RoutePathError
from clink_core.testing import Client, LiveServer


@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/new")
    def new(self, req, res):
        res.body = {"static": "new"}

    @mapper.get("/{id:int}")
    def one(self, req, res):
        res.body = {"id": req.params["id"], "route": req.route.path}

    @mapper.delete("/{id:int}")
    def remove(self, req, res):
        res.status = 204

    @mapper.put("/{id:int}")
    def replace(self, req, res):
        res.body = {"id": req.params["id"], "body": req.body}

    @mapper.get("/{slug}")
    def by_slug(self, req, res):
        res.body = {"slug": req.params["slug"]}

    @mapper.get("/ratio/{ratio:float}")
    def ratio(self, req, res):
        res.body = {"ratio": req.params["ratio"]}

    @mapper.get("/key/{key:uuid}")
    def key(self, req, res):
        assert isinstance(req.params["key"], uuid.UUID)
        res.body = {"key": str(req.params["key"])}

    @mapper.get("/files/{rest:path}")
    def files(self, req, res):
        res.body = {"rest": req.params["rest"]}

    @mapper.get("/doc/{name}.{ext}")
    def doc(self, req, res):
        res.body = dict(req.params)


@mapper.path("/shelf")
class ShelfCtl(Controller):
    @mapper.get("/{shelf:int}/book/{id:int}")
    def book(self, req, res):
        res.body = dict(req.params)

    @mapper.get("/all")
    def all(self, req, res):
        res.body = {"params": dict(req.params)}


@pytest.fixture(scope="module")
def client():
    app = App(AppConf("t"), entrypoints=False)
    app.add_ctl(BookCtl)
    app.add_ctl(ShelfCtl)
    return Client(app)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/book/42", {"id": 42, "route": "/book/{id:int}"}),
        ("/book/-1", {"id": -1, "route": "/book/{id:int}"}),
        ("/book/007", {"id": 7, "route": "/book/{id:int}"}),
        ("/book/12345678901234567890", {"id": 12345678901234567890, "route": "/book/{id:int}"}),
        ("/book/1e3", {"slug": "1e3"}),  # not an int: the str template takes it
        ("/book/" + "9" * 5000, {"slug": "9" * 5000}),  # too long for int(): str again
        ("/book/dune", {"slug": "dune"}),
        ("/book/new", {"static": "new"}),  # static beats templated
        ("/book/42/", {"id": 42, "route": "/book/{id:int}"}),  # trailing slash
        ("/book/ratio/2.5", {"ratio": 2.5}),
        ("/book/ratio/-3", {"ratio": -3.0}),
        ("/book/ratio/1e3", {"ratio": 1000.0}),
        ("/book/key/12345678-1234-1234-1234-123456789abc",
         {"key": "12345678-1234-1234-1234-123456789abc"}),
        ("/book/files/a/b/c.txt", {"rest": "a/b/c.txt"}),
        ("/book/doc/readme.md", {"name": "readme", "ext": "md"}),
        ("/shelf/3/book/9", {"shelf": 3, "id": 9}),
        ("/shelf/all", {"params": {}}),  # static routes have empty params
        ("/book/caf%C3%A9", {"slug": "café"}),
        ("/book/a%2Fb", {"slug": "a/b"}),  # %2F inside a segment is no separator
    ],
)
def test_templates_convert_and_match(client, path, body):
    res = client.get(path)
    assert res.status == 200, res.text
    assert res.json == body


@pytest.mark.parametrize(
    "path",
    ["/book/ratio/abc", "/book/ratio/nan", "/book/ratio/inf", "/book/key/not-a-uuid",
     "/book/key/" + "g" * 32, "/shelf/x/book/1", "/shelf/1/book/x", "/shelf/1/book",
     "/book/1/2", "/shelf/" + "9" * 5000 + "/book/1"],
)
def test_a_value_that_does_not_convert_is_404(client, path):
    res = client.get(path)
    assert res.status == 404
    assert res.json["status_name"] == "404 Not Found"


def test_methods_on_a_template_405_options_head_and_415(client):
    res = client.post("/book/42", json={})
    assert res.status == 405
    assert res.header("Allow") == "DELETE, GET, HEAD, OPTIONS, PUT"
    res = client.options("/book/42")
    assert (res.status, res.header("Allow")) == (204, "DELETE, GET, HEAD, OPTIONS, PUT")
    assert client.head("/book/42").status == 200
    assert client.delete("/book/42").status == 204
    res = client.put("/book/42", data="x", content_type=MIME_PLAINTEXT)
    assert res.status == 415
    assert client.put("/book/42", json={"a": 1}).json == {"id": 42, "body": {"a": 1}}


def h(req, res):
    res.body = b""


def h2(req, res):
    res.body = b""


def route_error(*routes: Route, converters=None) -> Exception:
    router = Router()
    for name, conv in (converters or {}).items():
        router.add_converter(name, *conv)
    with pytest.raises((RouteExistError, RoutePathError)) as info:
        router.add_routes(routes)
    return info.value


def test_two_templates_matching_the_same_urls_are_refused_naming_both():
    e = route_error(Route("/b/{id:int}", "GET", None, h), Route("/b/{id:int}", "GET", None, h2))
    assert isinstance(e, RouteExistError)
    assert "GET /b/{id:int}" in str(e) and "h2" in str(e) and "h " in str(e) + " "
    e = route_error(Route("/b/{id}", "GET", None, h), Route("/b/{name}", "DELETE", None, h2))
    assert isinstance(e, RoutePathError)
    assert "other parameter names" in str(e)
    # the same template with another method or media type is fine
    router = Router([
        Route("/b/{id}", "GET", None, h), Route("/b/{id}", "POST", MIME_JSON, h),
        Route("/b/{id}", "POST", MIME_PLAINTEXT, h2), Route("/b/{id:int}", "GET", None, h2),
    ])
    assert len(router.routes) == 4


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("/b/{id", "brace is not closed"),
        ("/b/id}", "brace is not closed"),
        ("/b/{id:nope}", "unknown converter 'nope'"),
        ("/b/{id}/{id}", "used twice"),
        ("/b/{}", "needs a name"),
        ("/b/{1x}", "needs a name"),
        ("/b/{rest:path}/more", "must be the last segment"),
        ("/b/x{rest:path}", "whole segment"),
        ("/b/{a b}", "needs a name"),
    ],
)
def test_a_malformed_template_names_itself_and_the_problem(template, problem):
    e = route_error(Route(template, "GET", None, h))
    assert isinstance(e, RoutePathError)
    assert template.rstrip("/") in str(e) and problem in str(e)


def test_custom_converter_and_value_error_means_no_match():
    def even(text: str) -> int:
        value = int(text)
        if value % 2:
            raise ValueError("odd")
        return value

    @mapper.path("/n")
    class NumCtl(Controller):
        @mapper.get("/{n:even}")
        def get(self, req, res):
            res.body = {"even": req.params["n"]}

    app = App(AppConf("t"), entrypoints=False)
    app.add_converter("even", r"[0-9]+", even, {"type": "integer", "multipleOf": 2})
    app.add_ctl(NumCtl)
    client = Client(app)
    assert client.get("/n/4").json == {"even": 4}
    assert client.get("/n/3").status == 404
    assert client.get("/n/x").status == 404
    param = app.openapi()["paths"]["/n/{n}"]["get"]["parameters"][0]
    assert param == {"name": "n", "in": "path", "required": True,
                     "schema": {"type": "integer", "multipleOf": 2}}


@pytest.mark.parametrize(
    ("name", "regex"), [("bad name", "x"), ("x", "(a)"), ("x", "a/b"), ("x", "[")]
)
def test_a_bad_converter_is_refused(name, regex):
    with pytest.raises(RoutePathError):
        Router().add_converter(name, regex, str)


def test_router_sets_params_and_route_on_the_request():
    router = Router([Route("/b/{id:int}", "GET", None, h), Route("/s", "GET", None, h2)])
    req = Request()
    req.path, req.method = "/b/5", "GET"
    assert router.handle(req) is h
    assert req.params == {"id": 5} and req.route.path == "/b/{id:int}"
    req = Request()
    req.path, req.method = "/s", "GET"
    assert router.handle(req) is h2
    assert req.params == {} and req.route.path == "/s"
    with pytest.raises(Http404Error):
        router.handle(_req("/b/x"))
    with pytest.raises(Http405Error):
        router.handle(_req("/b/1", "POST"))


def _req(path, method="GET"):
    req = Request()
    req.path, req.method = path, method
    return req


def test_openapi_lists_path_parameters_with_schemas():
    app = App(AppConf("t"), entrypoints=False)
    app.add_ctl(BookCtl)
    app.add_ctl(ShelfCtl)
    app.load()
    paths = app.openapi()["paths"]
    assert "/book/{id}" in paths and "/book/{id:int}" not in paths
    params = paths["/shelf/{shelf}/book/{id}"]["get"]["parameters"]
    assert params == [
        {"name": "shelf", "in": "path", "required": True, "schema": {"type": "integer"}},
        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
    ]
    assert paths["/book/key/{key}"]["get"]["parameters"][0]["schema"] == {
        "type": "string", "format": "uuid"}
    assert paths["/book/ratio/{ratio}"]["get"]["parameters"][0]["schema"] == {"type": "number"}
    from openapi_spec_validator import validate

    validate(app.openapi())


def test_clink_routes_shows_templates(tmp_path, monkeypatch, capsys):
    from clink_core.cli import main

    (tmp_path / "tplapp.py").write_text(
        "from clink_core import App, AppConf, Controller, mapper\n"
        "app = App(AppConf('t'), entrypoints=False)\n"
        "@mapper.path('/book')\nclass C(Controller):\n"
        "    @mapper.get('/{id:int}')\n    def get(self, req, res): pass\n"
        "app.add_ctl(C)\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["routes", "tplapp:app"]) == 0
    assert "/book/{id:int}" in capsys.readouterr().out


def test_templates_over_a_real_socket():
    app = App(AppConf("t"), entrypoints=False)
    app.add_ctl(BookCtl)
    app.add_ctl(ShelfCtl)
    with LiveServer(app) as server:
        for path, status in [("/shelf/3/book/9", 200), ("/book/a%2Fb", 200),
                             ("/book/ratio/x", 404), ("/book/007", 200)]:
            conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
            conn.request("GET", path)
            res = conn.getresponse()
            body = res.read()
            conn.close()
            assert res.status == status, (path, body)
            if path == "/book/a%2Fb":
                assert b'"slug":"a/b"' in body


_SEGMENT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#"),
    max_size=12,
)
_SPECIAL = st.sampled_from(["book", "shelf", "files", "key", "ratio", "42", "-1", "1e3",
                            "%2F", "%", "..", "", "9" * 50])


@pytest.fixture(scope="module")
def wsgi_app():
    app = App(AppConf("t"), entrypoints=False)
    app.add_ctl(BookCtl)
    app.add_ctl(ShelfCtl)
    app.load()
    return app


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_SEGMENT, _SPECIAL), max_size=6),
       st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]))
def test_random_paths_never_give_a_500(wsgi_app, segments, method):
    """Any path (as a server would decode it into PATH_INFO) is answered below 500."""
    from io import BytesIO
    from urllib.parse import quote

    raw = "/" + "/".join(quote(s, safe="%") for s in segments)
    path_info = "/" + "/".join(segments)
    env = {
        "REQUEST_METHOD": method, "PATH_INFO": path_info.encode().decode("latin-1"),
        "RAW_URI": raw, "QUERY_STRING": "", "wsgi.input": BytesIO(b""),
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": "0",
    }
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])

    b"".join(wsgi_app(env, start_response))
    assert answer["status"] < 500, (raw, method)
