"""The plugin in an app: books over HTTP, and 503 + Retry-After when the database is away."""

from __future__ import annotations

import time
from importlib.metadata import entry_points

import pytest
from mongo_apps import BookCtl, LazyCtl
from pymongo.errors import AutoReconnect, DuplicateKeyError, NetworkTimeout, OperationFailure

import clink_mongo
from clink_core import App, AppConf, Controller, mapper, stamp
from clink_core.error.http import Http404Error
from clink_core.iface.pipe import ILv7Handler
from clink_core.testing import Client
from clink_mongo import (
    UNAVAILABLE_MESSAGE,
    MongoConf,
    MongoRetryConf,
    MongoUnavailableHandler,
    is_outage,
)
from clink_mongo.embedded import EmbeddedMongo, free_port

pytestmark = pytest.mark.timeout(60)


def down_conf(**timeouts: int) -> MongoConf:
    """A conf whose server does not exist (a closed port on 127.0.0.1)."""
    timeouts.setdefault("server_selection_timeout_ms", 300)
    return MongoConf(f"mongodb://127.0.0.1:{free_port()}", "nowhere", **timeouts)


def test_entry_points_are_declared():
    plugins = {ep.name: ep.value for ep in entry_points(group="clink.plugins")}
    assert plugins["clink_mongo"] == "clink_mongo.plugin"
    pytest_plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert pytest_plugins["clink_mongo"] == "clink_mongo.testing"


def test_the_plugin_does_not_disturb_an_app_without_mongo():
    # The entry point's module, as App(entrypoints=True) would load it; no other
    # plugin, so this test does not depend on what else is installed.
    (ep,) = [ep for ep in entry_points(group="clink.plugins") if ep.name == "clink_mongo"]
    app = App(AppConf("no-mongo"), plugins=[ep.load()], entrypoints=False)
    assert app.pm.get_plugin("clink_mongo.plugin") is not None
    res = Client(app).get("/nothing")  # loads with no MongoConf anywhere
    assert res.status == 404
    assert res.header("Retry-After") is None


def test_handler_is_a_normal_priority_level7_handler():
    assert issubclass(MongoUnavailableHandler, ILv7Handler)
    assert not MongoUnavailableHandler.tryfirst
    assert not MongoUnavailableHandler.trylast


def test_books_over_http(mongo_app, mongo_conf):
    client = Client(mongo_app(mongo_conf, BookCtl))
    res = client.post("/book/item", json={"name": "Dune", "author": "Herbert"})
    assert res.status == 201
    res = client.get("/book/item", query={"name": "Dune"})
    assert (res.status, res.json) == (200, {"name": "Dune", "author": "Herbert"})
    assert client.get("/book/item", query={"name": "Emma"}).status == 404


def test_duplicate_key_is_not_an_outage(mongo_app, mongo_conf):
    client = Client(mongo_app(mongo_conf, BookCtl))
    assert client.post("/book/item", json={"name": "Dune"}).status == 201
    res = client.post("/book/item", json={"name": "Dune"})
    assert res.status == 500
    assert res.header("Retry-After") is None


def test_unreachable_server_is_503_with_retry_after(mongo_app):
    client = Client(mongo_app(down_conf(), LazyCtl))  # loads: nothing touches the db yet
    start = time.monotonic()
    res = client.get("/lazy/ping")
    assert time.monotonic() - start < 3
    assert res.status == 503
    assert res.header("Retry-After") == "5"
    assert res.content_type == "application/json"
    assert res.json == {
        "status": 503,
        "status_name": "503 Service Unavailable",
        "message": UNAVAILABLE_MESSAGE,
    }
    assert "127.0.0.1" not in res.text


def test_default_timeouts_answer_within_3_seconds(mongo_app):
    conf = MongoConf(f"mongodb://127.0.0.1:{free_port()}", "nowhere")
    client = Client(mongo_app(conf, LazyCtl))
    start = time.monotonic()
    res = client.get("/lazy/find")
    assert res.status == 503
    assert time.monotonic() - start < 3


def test_retry_after_from_conf_and_env(mongo_app, monkeypatch):
    client = Client(mongo_app(down_conf(), LazyCtl, prims=(MongoRetryConf(17),)))
    assert client.get("/lazy/ping").header("Retry-After") == "17"
    monkeypatch.setenv("CLINK_MONGO_RETRY_AFTER", "42")
    client = Client(mongo_app(down_conf(), LazyCtl))
    assert client.get("/lazy/ping").header("Retry-After") == "42"
    # A conf the app gives wins; the bad variable is then never read.
    monkeypatch.setenv("CLINK_MONGO_RETRY_AFTER", "later")
    client = Client(mongo_app(down_conf(), LazyCtl, prims=(MongoRetryConf(3),)))
    assert client.get("/lazy/ping").header("Retry-After") == "3"


class Boom(Exception):
    pass


@stamp()
@mapper.path("/raise")
class RaiseCtl(Controller):
    """Raises the error named by ?kind=, to check what the handler turns into 503."""

    @mapper.get("/it")
    def it(self, req, res):
        kind = req.args["kind"]
        if kind == "auto-reconnect":
            raise AutoReconnect("connection closed")
        if kind == "network-timeout":
            raise NetworkTimeout("timed out")
        if kind == "wrapped":
            try:
                raise AutoReconnect("connection closed")
            except AutoReconnect as e:
                raise Boom("service failed") from e
        if kind == "http-from-outage":
            try:
                raise AutoReconnect("connection closed")
            except AutoReconnect as e:
                raise Http404Error(req, "not here") from e
        if kind == "operation-failure":
            raise OperationFailure("bad query", code=2)
        if kind == "duplicate":
            raise DuplicateKeyError("E11000", code=11000)
        raise Boom(kind)


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("auto-reconnect", 503),
        ("network-timeout", 503),
        ("wrapped", 503),
        ("http-from-outage", 404),
        ("operation-failure", 500),
        ("duplicate", 500),
        ("other", 500),
    ],
)
def test_which_errors_become_503(make_app, kind, status):
    client = Client(make_app(RaiseCtl, plugins=(clink_mongo.plugin,)))
    res = client.get("/raise/it", query={"kind": kind})
    assert res.status == status
    assert (res.header("Retry-After") is not None) == (status == 503)


def test_is_outage():
    assert is_outage(AutoReconnect("x"))
    assert not is_outage(ValueError("x"))
    e = ValueError("loop")
    e.__cause__ = e
    assert not is_outage(e)


def test_app_recovers_when_the_server_appears(mongo_app, tmp_path):
    """A server that is down at load and comes up later: 503 first, then 200, same App."""
    port = free_port()
    conf = MongoConf(f"mongodb://127.0.0.1:{port}", "late", server_selection_timeout_ms=500)
    client = Client(mongo_app(conf, LazyCtl))
    assert client.get("/lazy/ping").status == 503
    with EmbeddedMongo(tmp_path / "mongo", port=port):
        deadline = time.monotonic() + 15
        while (status := client.get("/lazy/ping").status) != 200:
            assert status == 503
            assert time.monotonic() < deadline, "the app did not recover"
            time.sleep(0.1)
