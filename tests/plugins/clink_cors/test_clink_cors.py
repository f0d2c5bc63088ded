"""clink_cors: CORS headers, preflights, configuration."""

from __future__ import annotations

import http.client

import pytest

import clink_cors
from clink_core import Controller, mapper, stamp
from clink_core.error.http import Http403Error
from clink_core.testing import Client, LiveServer
from clink_core.type import ConfError
from clink_cors import CorsConf

SITE = "https://app.example"


@stamp()
@mapper.path("/c")
class CorsCtl(Controller):
    @mapper.get("/item")
    def item(self, req, res):
        res.body = b"{}"

    @mapper.post("/item")
    def create(self, req, res):
        res.status = 201
        res.body = b"{}"

    @mapper.get("/forbidden")
    def forbidden(self, req, res):
        raise Http403Error(req, "no")

    @mapper.get("/boom")
    def boom(self, req, res):
        raise RuntimeError("x")


def client_for(make_app, conf=None):
    app = make_app(CorsCtl, plugins=(clink_cors.plugin,))
    if conf is not None:
        app.add_prim(conf)
    return Client(app)


def test_no_origin_is_allowed_until_one_is_configured(make_app, monkeypatch):
    for key in ("ORIGINS", "CREDENTIALS", "METHODS", "HEADERS", "EXPOSE", "MAX_AGE"):
        monkeypatch.delenv(f"CLINK_CORS_{key}", raising=False)
    client = client_for(make_app)
    res = client.get("/c/item", headers={"Origin": SITE})
    assert res.status == 200
    assert [h for h in res.headers if h.startswith("Access-Control-")] == []
    preflight = client.options(
        "/c/item", headers={"Origin": SITE, "Access-Control-Request-Method": "POST"}
    )
    assert [h for h in preflight.headers if h.startswith("Access-Control-")] == []


def test_any_origin_when_configured(make_app, monkeypatch):
    monkeypatch.setenv("CLINK_CORS_ORIGINS", "*")
    res = client_for(make_app).get("/c/item", headers={"Origin": SITE})
    assert res.header("Access-Control-Allow-Origin") == "*"
    assert res.header("Access-Control-Expose-Headers") == "X-Request-Id"
    assert res.header("Access-Control-Allow-Credentials") is None


def test_no_origin_no_headers(make_app):
    res = client_for(make_app).get("/c/item")
    assert res.header("Access-Control-Allow-Origin") is None


def test_listed_origin_is_echoed_with_vary(make_app):
    client = client_for(make_app, CorsConf(origins=[SITE], credentials=True))
    res = client.get("/c/item", headers={"Origin": SITE})
    assert res.header("Access-Control-Allow-Origin") == SITE
    assert res.header("Access-Control-Allow-Credentials") == "true"
    assert res.header("Vary") == "Origin"


def test_disallowed_origin_gets_no_cors_headers(make_app):
    client = client_for(make_app, CorsConf(origins=[SITE]))
    res = client.get("/c/item", headers={"Origin": "https://evil.example"})
    assert res.status == 200
    assert res.header("Access-Control-Allow-Origin") is None
    assert res.header("Access-Control-Expose-Headers") is None
    res = client.options("/c/item", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert res.header("Access-Control-Allow-Methods") is None


def test_preflight_is_answered_without_an_options_route(make_app):
    client = client_for(make_app, CorsConf(origins=[SITE], max_age=120))
    res = client.options("/c/item", headers={
        "Origin": SITE,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    })
    assert (res.status, res.data) == (204, b"")
    assert res.header("Access-Control-Allow-Origin") == SITE
    assert res.header("Access-Control-Allow-Methods") == "GET, HEAD, OPTIONS, POST"
    assert res.header("Access-Control-Allow-Headers") == "Authorization, Content-Type"
    assert res.header("Access-Control-Max-Age") == "120"


def test_configured_methods_win_over_allow(make_app):
    client = client_for(make_app, CorsConf(origins=[SITE], methods="get,post"))
    res = client.options("/c/item", headers={
        "Origin": SITE, "Access-Control-Request-Method": "GET"})
    assert res.header("Access-Control-Allow-Methods") == "GET, POST"


@pytest.mark.parametrize(("path", "status"), [("/c/forbidden", 403), ("/c/boom", 500),
                                              ("/c/nowhere", 404)])
def test_error_responses_carry_cors_headers(make_app, path, status):
    res = client_for(make_app, CorsConf(origins=[SITE])).get(path, headers={"Origin": SITE})
    assert res.status == status
    assert res.header("Access-Control-Allow-Origin") == SITE
    assert res.json["status"] == status


def test_wildcard_with_credentials_is_refused():
    with pytest.raises(ConfError, match=r"'\*' together with credentials"):
        CorsConf(origins="*", credentials=True)


def test_wildcard_with_credentials_from_env_fails_load(make_app, monkeypatch):
    monkeypatch.setenv("CLINK_CORS_ORIGINS", "*")
    monkeypatch.setenv("CLINK_CORS_CREDENTIALS", "true")
    app = make_app(CorsCtl, plugins=(clink_cors.plugin,))
    with pytest.raises(ConfError, match="credentials"):
        app.load()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"origins": ["https://a\r\nX: y"]}, "line break"), ({"max_age": -1}, "max_age"),
     ({"credentials": "yes"}, "True"),
     ({"headers": ["X-A\r\nX-B"]}, "line break")],
)
def test_bad_conf_values(kwargs, message):
    with pytest.raises(ConfError, match=message):
        CorsConf(**kwargs)


def test_from_env():
    conf = CorsConf.from_env({
        "CLINK_CORS_ORIGINS": "https://a.example, https://b.example",
        "CLINK_CORS_METHODS": "get, put",
        "CLINK_CORS_HEADERS": "X-Api-Key",
        "CLINK_CORS_EXPOSE": "",
        "CLINK_CORS_CREDENTIALS": "true",
        "CLINK_CORS_MAX_AGE": "60",
    })
    assert conf.origins == ("https://a.example", "https://b.example")
    assert (conf.methods, conf.headers, conf.expose) == (("GET", "PUT"), ("X-Api-Key",), ())
    assert (conf.credentials, conf.max_age) == (True, 60)
    with pytest.raises(ConfError, match="CLINK_CORS_MAX_AGE"):
        CorsConf.from_env({"CLINK_CORS_MAX_AGE": "soon"})
    with pytest.raises(ConfError, match="CLINK_CORS_CREDENTIALS"):
        CorsConf.from_env({"CLINK_CORS_CREDENTIALS": "maybe"})


def test_preflight_over_a_real_socket(make_app):
    app = make_app(CorsCtl, plugins=(clink_cors.plugin,))
    app.add_prim(CorsConf(origins=[SITE]))
    with LiveServer(app) as server:
        conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
        conn.request("OPTIONS", "/c/item", headers={
            "Origin": SITE, "Access-Control-Request-Method": "POST"})
        res = conn.getresponse()
        res.read()
        conn.close()
    assert res.status == 204
    assert res.getheader("Access-Control-Allow-Origin") == SITE
    assert "POST" in res.getheader("Access-Control-Allow-Methods")


# -- any origin: app-wide fields -----------------------------------------------------
ANY = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", "X-Request-Id")]


def _cors_fields(res):
    return [(n, v) for n, v in res.header_items() if n.startswith("Access-Control-")]


@pytest.mark.parametrize(("path", "status"), [
    ("/c/item", 200), ("/c/forbidden", 403), ("/c/boom", 500), ("/c/nowhere", 404),
])
@pytest.mark.parametrize("origin", [None, SITE])
def test_any_origin_fields_go_on_every_response(make_app, path, status, origin):
    """With ``*`` nothing depends on the request: the fields go out with or without
    ``Origin`` (so no cache serves a copy without them), once each, no ``Vary``."""
    headers = {"Origin": origin} if origin else {}
    res = client_for(make_app, CorsConf("*")).get(path, headers=headers)
    assert res.status == status
    assert _cors_fields(res) == ANY
    assert res.header("Vary") is None


def test_any_origin_preflight_is_answered(make_app):
    client = client_for(make_app, CorsConf("*", max_age=60))
    res = client.options("/c/item", headers={
        "Origin": SITE, "Access-Control-Request-Method": "POST"})
    assert res.status == 204
    assert dict(_cors_fields(res)) == {
        **dict(ANY),
        "Access-Control-Max-Age": "60",
        "Access-Control-Allow-Headers": "Authorization, Content-Type",
        "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS, POST",
    }
    # an OPTIONS that is no preflight gets the app-wide fields only
    assert _cors_fields(client.options("/c/item", headers={"Origin": SITE})) == ANY
    assert _cors_fields(client.options("/c/item")) == ANY


def test_the_handler_added_without_the_plugin_still_sends_any_origin(make_app):
    """``ResCorsHandler`` on its own (no plugin, so no app-wide fields) adds them per
    response, as before: to responses of requests with ``Origin``."""
    app = make_app(CorsCtl)
    app.add_prim(CorsConf("*"))
    app.add_handler(clink_cors.ResCorsHandler)
    client = Client(app)
    assert _cors_fields(client.get("/c/item", headers={"Origin": SITE})) == ANY
    assert _cors_fields(client.get("/c/item")) == []


def test_any_origin_fields_helper():
    assert clink_cors.any_origin_fields(CorsConf("*")) == tuple(ANY)
    assert clink_cors.any_origin_fields(CorsConf("*", expose=())) == (ANY[0],)
    assert clink_cors.any_origin_fields(CorsConf([SITE])) == ()
