"""clink_metrics in one process: what is counted, under which labels, and the metrics page."""

from __future__ import annotations

import http.client
import io
import threading
import urllib.request

import pytest
from metrics_helpers import requests, samples, value
from prometheus_client import REGISTRY, Counter

import clink_metrics
from clink_core import Controller, mapper, stamp
from clink_core.plugin import ConfError, Http403Error
from clink_core.testing import Client, LiveServer
from clink_metrics import MetricsConf, MetricsSetupError, MetricsSv
from clink_metrics.stats import UNMATCHED


@stamp(MetricsSv)
@mapper.path("/book")
class BookCtl(Controller):
    def __init__(self, metrics: MetricsSv) -> None:
        self.metrics = metrics

    @mapper.get("/{id:int}")
    def get_one(self, req, res):
        res.body = {"id": req.params["id"]}

    @mapper.post("/item")
    def create(self, req, res):
        res.status = 201
        res.body = {"id": 1}

    @mapper.get("/boom")
    def boom(self, req, res):
        raise RuntimeError("boom")

    @mapper.get("/forbidden")
    def forbidden(self, req, res):
        raise Http403Error("no")

    @mapper.get("/unsendable")
    def unsendable(self, req, res):
        res.body = object()  # the sending level refuses it: the error path runs level 5 again

    @mapper.get("/flight")
    def flight(self, req, res):
        res.body = {"in_flight": self.metrics.stats.snapshot().in_flight}


def client_for(make_app, conf: MetricsConf | None = None, *ctls) -> Client:
    app = make_app(BookCtl, *ctls, plugins=("metrics",))
    app.add_prim(conf or MetricsConf())
    return Client(app)


def page(client: Client, path: str = "/metrics", **kw) -> dict:
    res = client.get(path, **kw)
    assert res.status == 200, res.text
    assert res.content_type.startswith("text/plain; version=")
    return samples(res.text)


def test_the_plugin_is_enabled_by_name(make_app):
    app = make_app(BookCtl, plugins=("metrics",))
    app.add_prim(MetricsConf())
    app.load()
    assert "clink_metrics" in app.plugin_names
    assert app.injector.ref(MetricsSv).conf.path == "/metrics"


def test_requests_are_counted_by_method_route_template_and_status_class(make_app):
    client = client_for(make_app)
    for i in range(3):
        assert client.get(f"/book/{i}").status == 200
    assert client.post("/book/item", json={"name": "x"}).status == 201
    assert client.get("/book/boom").status == 500
    assert client.get("/book/forbidden").status == 403
    got = page(client)
    assert requests(got, "/book/{id:int}", "2xx") == 3
    assert requests(got, "/book/item", "2xx", method="POST") == 1
    assert requests(got, "/book/boom", "5xx") == 1
    assert requests(got, "/book/forbidden", "4xx") == 1
    # the raw paths never become labels
    assert not [k for k in got if any(v in ("/book/0", "/book/1") for _, v in k[1])]
    # the histogram counts the same requests, and their time
    assert value(got, "clink_http_request_duration_seconds_count", method="GET",
                 route="/book/{id:int}", status="2xx") == 3
    total = value(got, "clink_http_request_duration_seconds_sum", method="GET",
                  route="/book/{id:int}", status="2xx")
    assert 0 < total < 5
    assert value(got, "clink_http_request_duration_seconds_bucket", method="GET",
                 route="/book/{id:int}", status="2xx", le="+Inf") == 3


def test_unmatched_requests_share_one_label_whatever_the_path(make_app):
    client = client_for(make_app)
    for path in ("/nope", "/x/y/z", "/book/not-a-number", "/%C3%A9t%C3%A9"):
        assert client.get(path).status == 404
    assert client.delete("/book/1").status == 405
    got = page(client)
    assert requests(got, UNMATCHED, "4xx") == 4
    assert requests(got, UNMATCHED, "4xx", method="DELETE") == 1
    routes = {dict(labels).get("route") for name, labels in got
              if name == "clink_http_requests_total"}
    assert routes == {UNMATCHED}  # this scrape is counted once it is answered


def test_made_up_methods_are_one_label(make_app):
    client = client_for(make_app)
    for method in ("BREW", "FOO", "PROPFIND"):
        assert client.request(method, "/book/1").status in (400, 405, 501)
    got = page(client)
    others = [k for k in got if k[0] == "clink_http_requests_total"
              and dict(k[1])["method"] == "_OTHER"]
    assert len(others) == 1 and got[others[0]] == 3


def test_errors_are_counted_by_exception_class(make_app):
    client = client_for(make_app)
    client.get("/book/boom")
    client.get("/book/boom")
    client.get("/book/forbidden")
    client.get("/nowhere")
    got = page(client)
    errors = {dict(labels)["exception"]: v for (name, labels), v in got.items()
              if name == "clink_http_request_errors_total"}
    assert errors == {"RuntimeError": 2, "Http403Error": 1, "Http404Error": 1}


def test_in_flight_counts_the_requests_being_handled(make_app):
    client = client_for(make_app)
    assert client.get("/book/flight").json == {"in_flight": 1}
    assert client.get("/book/1").status == 200
    # the scrape is itself in flight while the page is made
    assert value(page(client), "clink_http_requests_in_flight") == 1


def test_in_flight_over_concurrent_requests_returns_to_zero(make_app):
    app = make_app(BookCtl, plugins=("metrics",))
    app.add_prim(MetricsConf())
    with LiveServer(app) as server:
        def hit() -> None:
            for i in range(25):
                with urllib.request.urlopen(f"{server.url}/book/{i}", timeout=10) as r:
                    assert r.status == 200

        threads = [threading.Thread(target=hit) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        snap = app.injector.ref(MetricsSv).stats.snapshot()
    assert snap.in_flight == 0
    assert snap.requests[("GET", "/book/{id:int}", "2xx")][:-1] != []
    assert sum(snap.requests[("GET", "/book/{id:int}", "2xx")][:-1]) == 200


def test_a_request_refused_before_routing_is_counted_once_and_not_left_in_flight(make_app):
    app = make_app(BookCtl, plugins=("metrics",))
    app.add_prim(MetricsConf())
    app.load()
    # a malformed percent-encoding: level 0 refuses it, level 1 never runs
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": "/book/%zz", "REQUEST_URI": "/book/%zz",
           "QUERY_STRING": "", "SERVER_NAME": "x", "SERVER_PORT": "80",
           "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": io.BytesIO(b"")}
    sent = []
    b"".join(app(env, lambda status, headers, exc=None: sent.append(status)))
    assert sent == ["400 Bad Request"]
    snap = app.injector.ref(MetricsSv).stats.snapshot()
    assert snap.in_flight == 0
    assert sum(snap.requests[("GET", UNMATCHED, "4xx")][:-1]) == 1
    assert snap.errors == {"Http400Error": 1}


def test_a_response_that_fails_to_send_is_counted_once_with_the_status_sent(make_app):
    client = client_for(make_app)
    assert client.get("/book/unsendable").status == 500
    got = page(client)
    assert requests(got, "/book/unsendable", "2xx") == 0
    assert requests(got, "/book/unsendable", "5xx") == 1
    assert value(got, "clink_http_requests_in_flight") == 1


def test_buckets_and_namespace_are_configurable(make_app):
    client = client_for(make_app, MetricsConf(namespace="books", buckets=(0.25, 1)))
    client.get("/book/1")
    text = client.get("/metrics").text
    got = samples(text)
    les = sorted(dict(labels)["le"] for name, labels in got
                 if name == "books_http_request_duration_seconds_bucket"
                 and dict(labels)["route"] == "/book/{id:int}")
    assert les == ["+Inf", "0.25", "1.0"]
    assert "clink_http_requests_total" not in text


def test_the_page_path_is_configurable_or_off(make_app):
    client = client_for(make_app, MetricsConf("/ops/prometheus"))
    assert client.get("/metrics").status == 404
    assert requests(page(client, "/ops/prometheus"), UNMATCHED, "4xx") == 1
    client = client_for(make_app, MetricsConf(None))
    assert client.get("/metrics").status == 404


def test_the_page_can_need_a_bearer_token(make_app):
    token = "s3cret-token-for-prometheus"
    client = client_for(make_app, MetricsConf(token=token))
    res = client.get("/metrics")
    assert res.status == 401
    assert res.header("WWW-Authenticate") == 'Bearer realm="metrics"'
    assert res.json["status"] == 401
    wrong = {"Authorization": "Bearer wrong-token-xxxxxx"}
    assert client.get("/metrics", headers=wrong).status == 401
    assert client.get("/metrics", headers={"Authorization": f"Basic {token}"}).status == 401
    assert client.get("/metrics", headers={"Authorization": f"bearer {token}"}).status == 200


def test_the_page_can_sit_behind_a_guard(make_app):
    def ops_only(method):
        def guarded(self, req, res):
            if req.env.get("HTTP_X_OPS") != "yes":
                raise Http403Error("operators only")
            return method(self, req, res)
        return guarded

    client = client_for(make_app, MetricsConf(guard=ops_only))
    assert client.get("/metrics").status == 403
    assert client.get("/metrics", headers={"X-Ops": "yes"}).status == 200


def test_an_app_serves_the_page_from_its_own_controller(make_app):
    @stamp(MetricsSv)
    @mapper.path("/admin")
    class AdminCtl(Controller):
        def __init__(self, metrics: MetricsSv) -> None:
            self.metrics = metrics

        @mapper.get("/metrics")
        def show(self, req, res):
            self.metrics.answer(req, res)

    client = client_for(make_app, MetricsConf(None), AdminCtl)
    client.get("/book/2")
    assert requests(page(client, "/admin/metrics"), "/book/{id:int}", "2xx") == 1


def test_openmetrics_when_asked(make_app):
    client = client_for(make_app)
    res = client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert res.status == 200
    assert res.content_type.startswith("application/openmetrics-text")
    assert res.text.rstrip().endswith("# EOF")


def test_the_application_s_own_metrics_are_on_the_same_page(make_app):
    name = "clink_metrics_test_books_sold"
    sold = Counter(name, "Books sold.")
    try:
        sold.inc(7)
        got = page(client_for(make_app))
        assert value(got, f"{name}_total") == 7
    finally:
        REGISTRY.unregister(sold)


def test_the_page_over_a_real_socket_and_head(make_app):
    app = make_app(BookCtl, plugins=("metrics",))
    app.add_prim(MetricsConf())
    with LiveServer(app) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", "/book/5")
        conn.getresponse().read()
        conn.request("GET", "/metrics")
        res = conn.getresponse()
        text = res.read().decode()
        assert res.status == 200 and res.getheader("Cache-Control") == "no-store"
        assert requests(samples(text), "/book/{id:int}", "2xx") == 1
        conn.request("HEAD", "/metrics")
        res = conn.getresponse()
        assert res.status == 200 and res.read() == b""
        conn.close()


def test_metrics_on_their_own_port(make_app):
    from clink_mongo.embedded import free_port

    port = free_port()
    app = make_app(BookCtl, plugins=("metrics",))
    app.add_prim(MetricsConf(None, port=port))
    client = Client(app)
    try:
        client.get("/book/3")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
            text = r.read().decode()
        assert requests(samples(text), "/book/{id:int}", "2xx") == 1
        other = make_app(BookCtl, plugins=("metrics",))
        other.add_prim(MetricsConf(None, port=port))
        with pytest.raises(MetricsSetupError, match=f"127.0.0.1:{port}"):
            other.load()
    finally:
        app.injector.ref(MetricsSv).close()


def test_conf_is_checked():
    with pytest.raises(ConfError, match="static path"):
        MetricsConf("metrics")
    with pytest.raises(ConfError, match="static path"):
        MetricsConf("/m/{x}")
    with pytest.raises(ConfError, match="at least 16"):
        MetricsConf(token="short")
    with pytest.raises(ConfError, match="port"):
        MetricsConf(port=0)
    with pytest.raises(ConfError, match="namespace"):
        MetricsConf(namespace="my-app")
    with pytest.raises(ConfError, match="increasing"):
        MetricsConf(buckets=(1, 0.5))
    with pytest.raises(ConfError, match="increasing"):
        MetricsConf(buckets=())
    with pytest.raises(ConfError, match="flush_interval"):
        MetricsConf(flush_interval=0)
    with pytest.raises(ConfError, match="decorator"):
        MetricsConf(guard="ops")  # type: ignore[arg-type]
    assert MetricsConf(buckets=(0.1, float("inf"))).buckets == (0.1,)
    assert "token=set" in repr(MetricsConf(token="x" * 20))
    assert "x" * 20 not in repr(MetricsConf(token="x" * 20))


def test_conf_from_env():
    conf = MetricsConf.from_env({
        "CLINK_METRICS_PATH": "/prom", "CLINK_METRICS_TOKEN": "t" * 20,
        "CLINK_METRICS_PORT": "9123", "CLINK_METRICS_ADDR": "0.0.0.0",
        "CLINK_METRICS_NAMESPACE": "shop", "CLINK_METRICS_BUCKETS": "0.01, 0.1,1",
        "CLINK_METRICS_FLUSH": "0.5",
    })
    assert (conf.path, conf.token, conf.port, conf.addr, conf.namespace) == (
        "/prom", "t" * 20, 9123, "0.0.0.0", "shop")
    assert conf.buckets == (0.01, 0.1, 1.0) and conf.flush_interval == 0.5
    assert MetricsConf.from_env({"CLINK_METRICS_PATH": "off"}).path is None
    assert MetricsConf.from_env({}).path == "/metrics"
    for env, what in (({"CLINK_METRICS_PORT": "http"}, "CLINK_METRICS_PORT"),
                      ({"CLINK_METRICS_FLUSH": "soon"}, "CLINK_METRICS_FLUSH"),
                      ({"CLINK_METRICS_BUCKETS": "a,b"}, "CLINK_METRICS_"),
                      ({"CLINK_METRICS_PATH": "metrics"}, "CLINK_METRICS_")):
        with pytest.raises(ConfError, match=what):
            MetricsConf.from_env(env)


def test_the_plugin_reads_the_environment_when_the_app_has_no_conf(make_app, monkeypatch):
    monkeypatch.setenv("CLINK_METRICS_PATH", "/from-env")
    client = Client(make_app(BookCtl, plugins=("metrics",)))
    assert client.get("/from-env").status == 200


def test_the_package_exports():
    assert clink_metrics.plugin.clink_setup
    assert set(clink_metrics.HANDLERS) == {
        clink_metrics.MetricsInHandler, clink_metrics.MetricsOutHandler,
        clink_metrics.MetricsErrorHandler,
    }
