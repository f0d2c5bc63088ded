"""Issue 11.5: 406 negotiation (RFC 9110 §12.5.1) and conditional requests (304, 412)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clink_core import App, AppConf, Controller, Request, Response, mapper, stamp
from clink_core.error.http import Http412Error
from clink_core.http import ETagError, ProducesError, precondition, produces
from clink_core.http.conditional import evaluate, format_etag
from clink_core.http.negotiate import acceptable, parse_accept, quality
from clink_core.testing import Client

CHANGED = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
STATE = {"etag": "v1"}


@stamp()
@mapper.path("/n")
class NegCtl(Controller):
    @mapper.get("/json")
    def json(self, req: Request, res: Response) -> None:
        res.body = {"ok": 1}

    @produces("text/csv", "application/json")
    @mapper.get("/csv")
    def csv(self, req: Request, res: Response) -> None:
        res.content_type = "text/csv"
        res.body = "a,b\n"

    @mapper.get("/any")
    @produces("*/*")
    def any(self, req: Request, res: Response) -> None:
        res.content_type = "text/plain"
        res.body = "whatever"

    @mapper.get("/doc")
    def doc(self, req: Request, res: Response) -> None:
        res.etag = STATE["etag"]
        res.last_modified = CHANGED
        res.body = {"doc": STATE["etag"]}

    @mapper.get("/weak")
    def weak(self, req: Request, res: Response) -> None:
        res.etag = 'W/"w1"'
        res.body = {"weak": True}

    @mapper.put("/doc")
    def put_doc(self, req: Request, res: Response) -> None:
        req.precondition(etag=STATE["etag"], last_modified=CHANGED)
        STATE["etag"] = req.body["etag"]
        res.body = {"doc": STATE["etag"]}

    @mapper.delete("/doc")
    def delete_doc(self, req: Request, res: Response) -> None:
        req.precondition(etag=STATE["etag"])
        res.status = 204

    @mapper.put("/new")
    def put_new(self, req: Request, res: Response) -> None:
        req.precondition(exists=False)  # If-None-Match: * creates only
        res.status = 201


@pytest.fixture(scope="module")
def client() -> Client:
    app = App(AppConf("negotiate"), entrypoints=False)
    app.add_ctl(NegCtl)
    return Client(app)


@pytest.mark.parametrize("accept", [
    None, "*/*", "application/*", "application/json", "application/json; charset=utf-8",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",  # a browser
    "text/plain;q=0.5, application/json;q=0.1", "APPLICATION/JSON", "garbage",
])
def test_acceptable_json(client: Client, accept: str | None) -> None:
    headers = {} if accept is None else {"Accept": accept}
    assert client.get("/n/json", headers=headers).status == 200


@pytest.mark.parametrize("accept", [
    "application/xml", "text/*", "application/json;q=0", "*/*;q=0",
    "application/json;q=0, */*", "application/*;q=0, */*;q=1", "text/html, image/png",
])
def test_406_names_what_the_route_answers(client: Client, accept: str) -> None:
    res = client.get("/n/json", headers={"Accept": accept})
    assert res.status == 406, accept
    assert res.json["message"] == (
        "GET /n/json answers application/json; the request's Accept allows none of them"
    )


def test_produces_several_and_any(client: Client) -> None:
    assert client.get("/n/csv", headers={"Accept": "text/csv"}).status == 200
    assert client.get("/n/csv", headers={"Accept": "application/json"}).status == 200
    res = client.get("/n/csv", headers={"Accept": "application/xml"})
    assert res.status == 406 and "text/csv, application/json" in res.json["message"]
    assert client.get("/n/any", headers={"Accept": "image/png"}).status == 200


def test_errors_and_options_are_not_refused(client: Client) -> None:
    assert client.get("/n/missing", headers={"Accept": "text/html"}).status == 404
    assert client.options("/n/json", headers={"Accept": "text/html"}).status in (200, 204)


def test_quality_rules() -> None:
    ranges = parse_accept("text/*;q=0.3, text/html;q=0.7, text/html;level=1, */*;q=0.5")
    assert quality(ranges, "text/html") == 1.0  # the most specific range decides
    assert quality(ranges, "text/plain") == 0.3
    assert quality(ranges, "image/png") == 0.5
    assert parse_accept("*/json, a/b;q=2, c/d;q=0.5") == (("c", "d", 0.5, 3),)
    assert acceptable(None, ("application/json",))
    assert not acceptable("text/csv", ("application/json",))


def test_produces_checked() -> None:
    with pytest.raises(ProducesError, match="media types"):
        produces("csv")
    with pytest.raises(ProducesError, match="at least one"):
        produces()


# -- conditional requests -----------------------------------------------------------------
def test_etag_and_last_modified_sent(client: Client) -> None:
    res = client.get("/n/doc")
    assert res.status == 200
    assert res.header("ETag") == '"v1"'
    assert res.header("Last-Modified") == "Sun, 01 Mar 2026 12:00:00 GMT"


@pytest.mark.parametrize("headers", [
    {"If-None-Match": '"v1"'}, {"If-None-Match": 'W/"v1"'}, {"If-None-Match": '"x", "v1"'},
    {"If-None-Match": "*"}, {"If-Modified-Since": "Sun, 01 Mar 2026 12:00:00 GMT"},
    {"If-Modified-Since": "Mon, 02 Mar 2026 00:00:00 GMT"},
])
def test_304(client: Client, headers: dict[str, str]) -> None:
    res = client.get("/n/doc", headers=headers)
    assert (res.status, res.data) == (304, b"")
    assert res.header("ETag") == '"v1"' and res.content_type is None
    assert client.head("/n/doc", headers=headers).status == 304


@pytest.mark.parametrize("headers", [
    {"If-None-Match": '"v0"'}, {"If-Modified-Since": "Sat, 28 Feb 2026 00:00:00 GMT"},
    {"If-Modified-Since": "not a date"},
    # If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2)
    {"If-None-Match": '"v0"', "If-Modified-Since": "Mon, 02 Mar 2026 00:00:00 GMT"},
])
def test_200_when_changed(client: Client, headers: dict[str, str]) -> None:
    assert client.get("/n/doc", headers=headers).json == {"doc": "v1"}


def test_weak_etags(client: Client) -> None:
    assert client.get("/n/weak", headers={"If-None-Match": '"w1"'}).status == 304
    assert client.get("/n/weak", headers={"If-Match": 'W/"w1"'}).status == 412


def test_failed_if_match_on_get_is_412(client: Client) -> None:
    res = client.get("/n/doc", headers={"If-Match": '"other"'})
    assert res.status == 412 and res.header("ETag") is None


def test_412_on_put_and_delete_before_the_change(client: Client) -> None:
    STATE["etag"] = "v1"
    res = client.put("/n/doc", json={"etag": "v2"}, headers={"If-Match": '"stale"'})
    assert res.status == 412 and "fetch it again" in res.json["message"]
    assert STATE["etag"] == "v1"
    res = client.put("/n/doc", json={"etag": "v2"},
                     headers={"If-Unmodified-Since": "Sat, 28 Feb 2026 00:00:00 GMT"})
    assert res.status == 412 and STATE["etag"] == "v1"
    res = client.put("/n/doc", json={"etag": "v2"}, headers={"If-Match": '"v1"'})
    assert (res.status, STATE["etag"]) == (200, "v2")
    assert client.delete("/n/doc", headers={"If-Match": '"v1"'}).status == 412
    assert client.delete("/n/doc", headers={"If-Match": '"v2"'}).status == 204
    assert client.delete("/n/doc", headers={"If-Match": "*"}).status == 204
    STATE["etag"] = "v1"


def test_if_none_match_star_creates_only(client: Client) -> None:
    assert client.put("/n/new", json={}, headers={"If-None-Match": "*"}).status == 201
    assert client.put("/n/new", json={}, headers={"If-Match": "*"}).status == 412


def test_precondition_and_evaluate_directly() -> None:
    class Req:
        method = "PATCH"
        env = {"HTTP_IF_NONE_MATCH": '"a"'}

    with pytest.raises(Http412Error):
        precondition(Req(), etag="a")
    precondition(Req(), etag="b")
    assert evaluate({"HTTP_IF_MATCH": '"a"'}, "GET", None, None, exists=False) == 412
    assert evaluate({}, "GET", '"a"', 10) == 0


@pytest.mark.parametrize(("given", "sent"), [
    ("abc", '"abc"'), ('"abc"', '"abc"'), ('W/"abc"', 'W/"abc"'), ("", '""'),
])
def test_format_etag(given: str, sent: str) -> None:
    assert format_etag(given) == sent


@pytest.mark.parametrize("bad", ['a"b', "a b", "a\nb", 5])
def test_bad_etags(bad: object) -> None:
    with pytest.raises(ETagError):
        format_etag(bad)  # type: ignore[arg-type]
    res = Response()
    with pytest.raises(ETagError):
        res.etag = bad  # type: ignore[assignment]
