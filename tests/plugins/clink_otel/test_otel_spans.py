"""clink_otel's server spans, in-process and over a real socket: one per request, with
the HTTP semantic-convention attributes, the caller's traceparent continued, clink-log's
request id, exceptions recorded and the status set."""

from __future__ import annotations

import urllib.request

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from otel_ctls import BookCtl

import clink_log
from clink_core.testing import Client, LiveServer
from clink_log import LogConf
from clink_otel import (
    REQUEST_ID_ATTRIBUTE,
    OtelConf,
    SpanEndHandler,
    SpanErrorHandler,
    SpanStartHandler,
)

pytestmark = pytest.mark.timeout(30)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"


def test_one_server_span_per_request_with_the_conventions(otel_app, traces):
    client = Client(otel_app(BookCtl))
    res = client.get("/book/7", headers={"User-Agent": "tests/1", "Host": "books.test:8080"})
    assert res.status == 200
    span = traces.server()
    assert span.kind is SpanKind.SERVER
    assert span.name == "GET /book/{id:int}"
    attrs = dict(span.attributes)
    assert attrs["http.request.method"] == "GET"
    assert attrs["http.route"] == "/book/{id:int}"  # the template: never the raw path
    assert attrs["url.path"] == "/book/7"
    assert attrs["http.response.status_code"] == 200
    assert attrs["url.scheme"] == "http"
    assert (attrs["server.address"], attrs["server.port"]) == ("books.test", 8080)
    assert attrs["user_agent.original"] == "tests/1"
    assert "url.query" not in attrs
    assert span.status.status_code is StatusCode.UNSET
    assert span.parent is None  # no traceparent: a new trace
    assert len(traces.servers()) == 1
    client.get("/book/8")
    assert len(traces.servers()) == 2  # one each


def test_the_callers_traceparent_is_continued(otel_app, traces):
    res = Client(otel_app(BookCtl)).get("/book/current", headers={"traceparent": TRACEPARENT})
    span = traces.server()
    assert f"{span.context.trace_id:032x}" == TRACE_ID
    assert span.parent is not None and f"{span.parent.span_id:016x}" == PARENT_ID
    assert span.parent.is_remote
    # the server span is the current span while the controller runs
    assert res.json == {"trace_id": TRACE_ID, "span_id": f"{span.context.span_id:016x}"}


def test_propagate_false_starts_a_trace_of_its_own(otel_app, traces):
    app = otel_app(BookCtl, conf=OtelConf(traces.provider, propagate=False))
    Client(app).get("/book/7", headers={"traceparent": TRACEPARENT})
    span = traces.server()
    assert span.parent is None and f"{span.context.trace_id:032x}" != TRACE_ID


def test_a_malformed_traceparent_starts_a_new_trace(otel_app, traces):
    Client(otel_app(BookCtl)).get("/book/7", headers={"traceparent": "00-zz-yy-01"})
    assert traces.server().parent is None


def test_an_exception_is_recorded_and_the_status_set(otel_app, traces):
    assert Client(otel_app(BookCtl)).get("/book/boom").status == 500
    span = traces.server()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["http.response.status_code"] == 500
    assert span.attributes["error.type"] == "ValueError"
    (event,) = [e for e in span.events if e.name == "exception"]
    assert event.attributes["exception.type"] == "ValueError"
    assert event.attributes["exception.message"] == "the shelf collapsed"


def test_a_4xx_is_an_answer_not_an_error(otel_app, traces):
    client = Client(otel_app(BookCtl))
    assert client.get("/book/0").status == 404  # an Http404Error from the controller
    span = traces.server()
    assert span.attributes["http.response.status_code"] == 404
    assert span.attributes["http.route"] == "/book/{id:int}"
    assert span.status.status_code is StatusCode.UNSET
    assert "error.type" not in span.attributes and not span.events


def test_an_unmatched_path_has_no_route(otel_app, traces):
    assert Client(otel_app(BookCtl)).get("/nothing/here").status == 404
    span = traces.server()
    assert span.name == "GET" and "http.route" not in span.attributes
    assert span.attributes["url.path"] == "/nothing/here"


def test_an_unknown_method_is_other(otel_app, traces):
    Client(otel_app(BookCtl)).request("BREW", "/book/7")
    span = traces.server()
    assert span.attributes["http.request.method"] == "_OTHER"
    assert span.attributes["http.request.method_original"] == "BREW"
    assert span.name == "HTTP"


def test_a_request_refused_before_routing_gets_its_span(otel_app, traces):
    client = Client(otel_app(BookCtl, max_body=10))
    res = client.post("/book/item", data=b'{"name": "far too long a body"}',
                      headers={"Content-Type": "application/json"})
    assert res.status == 413
    span = traces.server()
    assert span.attributes["http.response.status_code"] == 413
    assert span.attributes["http.request.method"] == "POST"


def test_the_request_id_of_clink_log(otel_app, traces, tmp_path):
    app = otel_app(BookCtl, plugins=(clink_log.plugin,))
    app.add_prim(LogConf(tmp_path))
    res = Client(app).get("/book/7")
    rid = res.header("X-Request-Id")
    assert rid and traces.server().attributes[REQUEST_ID_ATTRIBUTE] == rid
    Client(app).get("/book/7", headers={"X-Request-Id": "from-the-proxy-1"})
    assert traces.servers()[-1].attributes[REQUEST_ID_ATTRIBUTE] == "from-the-proxy-1"


def test_without_clink_log_there_is_no_request_id(otel_app, traces):
    Client(otel_app(BookCtl)).get("/book/7")
    assert REQUEST_ID_ATTRIBUTE not in traces.server().attributes


def test_no_context_is_left_behind(otel_app, traces):
    client = Client(otel_app(BookCtl))
    client.get("/book/7")
    client.get("/book/boom")
    assert trace.get_current_span() is trace.INVALID_SPAN


def test_over_a_real_socket(otel_app, traces):
    with LiveServer(otel_app(BookCtl)) as server:
        req = urllib.request.Request(server.url + "/book/5", headers={"traceparent": TRACEPARENT})
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.status == 200
    span = traces.server()
    assert span.name == "GET /book/{id:int}"
    assert f"{span.context.trace_id:032x}" == TRACE_ID
    assert span.attributes["client.address"] == "127.0.0.1"
    assert span.attributes["network.protocol.version"] in ("1.0", "1.1")


def level_sizes(app) -> tuple[int, int, int]:
    return len(app.levels[1]), len(app.levels[5]), len(app.levels[7])


def test_tracing_adds_one_handler_at_levels_1_5_and_7(otel_app, traces, make_app):
    plain, traced = make_app(BookCtl), otel_app(BookCtl)
    plain.load()
    traced.load()
    assert level_sizes(traced) == tuple(n + 1 for n in level_sizes(plain))
    assert {SpanStartHandler, SpanErrorHandler, SpanEndHandler} <= set(
        type(c) for c in traced.injector.sub_ref(object))


def test_disabled_adds_nothing(otel_app, traces, make_app):
    plain = make_app(BookCtl)
    plain.load()
    app = otel_app(BookCtl, conf=OtelConf(traces.provider, enabled=False))
    Client(app).get("/book/7")
    assert traces.spans == ()
    assert level_sizes(app) == level_sizes(plain)
