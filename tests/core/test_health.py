"""Liveness and readiness endpoints, with checks registered by plugins."""

from __future__ import annotations

import types
import urllib.error
import urllib.request

import pytest

from clink_core import App, AppConf, hookimpl
from clink_core.health import HealthCheck
from clink_core.testing import Client, LiveServer


class Flaky:
    def __init__(self) -> None:
        self.down = False

    def __call__(self) -> None:
        if self.down:
            raise ConnectionError("db at 10.0.0.5:27017 refused")


def app_with(*checks: HealthCheck, **paths) -> App:
    @hookimpl
    def clink_health_checks(app):
        return list(checks)

    plugin = types.SimpleNamespace(clink_health_checks=clink_health_checks)
    app = App(AppConf("h"), plugins=[plugin], entrypoints=False)
    app.enable_health(**paths)
    return app


def test_liveness_and_readiness_with_a_failing_check():
    flaky = Flaky()
    app = app_with(HealthCheck("db", flaky), HealthCheck("mail", lambda: None))
    client = Client(app)
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status == 200
    assert ready.json["status"] == "ok" and ready.json["checks"]["db"]["ok"] is True
    flaky.down = True
    ready = client.get("/readyz")
    assert ready.status == 503
    assert ready.header("Retry-After") == "5"
    assert ready.json["failing"] == ["db"]
    assert ready.json["checks"]["db"]["error"] == "ConnectionError"
    assert "10.0.0.5" not in ready.text  # the reason goes to the log, not to the client
    assert client.get("/healthz").status == 200  # alive all the same
    assert "/healthz" not in app.openapi()["paths"]


def test_paths_can_move_or_be_left_out():
    client = Client(app_with(liveness="/live", readiness=None))
    assert client.get("/live").status == 200
    assert client.get("/readyz").status == 404


def test_health_is_off_unless_enabled():
    assert Client(App(AppConf("h"), entrypoints=False)).get("/healthz").status == 404


def test_a_bad_check_fails_load():
    with pytest.raises(TypeError, match="HealthCheck"):
        app_with("not a check").load()  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="share the names"):
        app_with(HealthCheck("a", lambda: None), HealthCheck("a", lambda: None)).load()


def test_readiness_over_a_real_socket():
    flaky = Flaky()
    flaky.down = True
    with LiveServer(app_with(HealthCheck("db", flaky))) as server:
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(server.url + "/readyz", timeout=5)
        assert info.value.code == 503
        with urllib.request.urlopen(server.url + "/healthz", timeout=5) as res:
            assert res.status == 200
