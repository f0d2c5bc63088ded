"""clink_mongo's readiness check (``/readyz`` pings the server with a short timeout), its
``clink_mongo_event_listeners`` hook and the clients closed at ``app.close()``; against
real SecantusDB servers (in-process, and a subprocess killed and restarted)."""

from __future__ import annotations

import json
import time
import types

import pytest
from mongo_apps import LazyCtl, http_get
from pymongo import monitoring
from pymongo.errors import InvalidOperation

import clink_mongo
from clink_core import App, AppConf, hookimpl, stamp
from clink_core.testing import Client, LiveServer
from clink_mongo import MongoConf, MongoListeners, MongoSv
from clink_mongo.embedded import free_port

pytestmark = pytest.mark.timeout(90)


def ready(app_or_client) -> tuple[int, dict]:
    res = app_or_client.get("/readyz")
    return res.status, res.json


# -- readiness ------------------------------------------------------------------
def test_readyz_names_mongo_ok_while_the_server_answers(mongo_app, mongo_conf):
    app = mongo_app(mongo_conf, LazyCtl)
    app.enable_health()
    status, body = ready(Client(app))
    assert status == 200
    assert body["status"] == "ok" and body["checks"]["mongo"]["ok"] is True


def test_readyz_is_503_naming_mongo_within_a_second_while_it_is_down(mongo_app, mongo_process):
    app = mongo_app(MongoConf(mongo_process.url, "health"), LazyCtl)
    app.enable_health()
    with LiveServer(app) as server:
        assert http_get(server.url + "/readyz")[0] == 200
        mongo_process.kill()
        for _ in range(3):  # the first meets the dead pooled connection; all are bounded
            started = time.monotonic()
            status, headers, raw = http_get(server.url + "/readyz")
            took = time.monotonic() - started
            body = json.loads(raw)
            assert status == 503, body
            assert body["failing"] == ["mongo"]
            assert body["checks"]["mongo"]["ok"] is False
            assert headers["Retry-After"] == "5"
            assert took < 3  # HEALTH_TIMEOUT is 1 s: never the 30 s of pymongo's defaults
        assert mongo_process.url.split("//")[1].rstrip("/") not in raw.decode()  # no address
        assert http_get(server.url + "/healthz")[0] == 200  # alive all the same
        mongo_process.restart()
        deadline = time.monotonic() + 15
        while http_get(server.url + "/readyz")[0] != 200:
            assert time.monotonic() < deadline, "readyz never came back after the restart"
            time.sleep(0.1)


def test_readyz_with_a_server_that_never_was(mongo_app):
    app = mongo_app(MongoConf(f"mongodb://127.0.0.1:{free_port()}/", "none"), LazyCtl)
    app.enable_health()
    started = time.monotonic()
    status, body = ready(Client(app))
    assert status == 503 and body["failing"] == ["mongo"]
    assert time.monotonic() - started < 3


def test_ping_takes_a_timeout(mongo_sv):
    mongo_sv.ping(timeout=1.0)
    mongo_sv.ping()


# -- event listeners --------------------------------------------------------------
class Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event):
        self.names.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def listener_plugin(listener):
    """A plugin that gives clink_mongo a listener without importing clink_mongo."""

    @hookimpl(optionalhook=True)
    def clink_mongo_event_listeners(app):
        return [listener]

    return types.SimpleNamespace(clink_mongo_event_listeners=clink_mongo_event_listeners)


def test_a_plugin_hands_the_client_its_listeners_through_the_hook(mongo_url):
    commands = Commands()
    app = App(AppConf("listen"), plugins=[listener_plugin(commands), clink_mongo.plugin],
              entrypoints=False)
    app.add_prim(MongoConf(mongo_url, "listen_db"))
    app.add_ctl(LazyCtl)
    try:
        client = Client(app)
        assert client.get("/lazy/find").status == 200
        assert "find" in commands.names
        sv = app.injector.ref(MongoSv)
        assert sv.client.options.event_listeners == [commands]
    finally:
        app.close()


def test_without_listeners_the_client_publishes_nothing(mongo_app, mongo_conf):
    app = mongo_app(mongo_conf, LazyCtl)
    app.load()
    client = app.injector.ref(MongoSv).client
    assert client.options.event_listeners == []
    assert not client._event_listeners.enabled_for_commands  # no cost per command


def test_a_listener_plugin_loads_in_an_app_without_clink_mongo():
    app = App(AppConf("no-mongo"), plugins=[listener_plugin(Commands())], entrypoints=False)
    app.load()  # optionalhook: no "unknown hook" error


def test_listeners_outside_an_app(mongo_conf):
    commands = Commands()
    sv = MongoSv(mongo_conf, MongoListeners([commands]))
    try:
        sv.ping()
        assert commands.names == ["ping"]
    finally:
        sv.close()


# -- shutdown -----------------------------------------------------------------------
def test_closing_the_app_closes_its_clients(mongo_app, mongo_conf):
    app = mongo_app(mongo_conf, LazyCtl)
    app.load()
    sv = app.injector.ref(MongoSv)
    sv.ping()
    app.close()
    with pytest.raises(InvalidOperation):
        sv.ping()


class ArchiveConf(MongoConf):
    """A second database's configuration."""


@stamp(ArchiveConf, MongoListeners)
class ArchiveSv(MongoSv):
    """A second MongoSv, on its own database."""


def test_each_service_gets_its_named_check(mongo_app, mongo_conf, mongo_process):
    app = mongo_app(mongo_conf, LazyCtl, prims=(ArchiveConf(mongo_process.url, "archive"),))
    app.add_com(ArchiveSv)
    app.enable_health()
    client = Client(app)
    status, body = ready(client)
    assert status == 200
    assert set(body["checks"]) == {f"mongo:{mongo_conf.dbname}", "mongo:archive"}
    mongo_process.kill()
    status, body = ready(client)
    assert status == 503 and body["failing"] == ["mongo:archive"]
