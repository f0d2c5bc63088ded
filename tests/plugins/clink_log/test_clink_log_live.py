"""clink_log over a real socket: the request id round trip, and the logged address."""

from __future__ import annotations

import http.client
import json

import pytest

from clink_core.testing import LiveServer
from clink_log_helpers import SECRET, Logs, split_text

pytestmark = pytest.mark.timeout(30)


def _get(server: LiveServer, path: str, headers: dict[str, str] | None = None):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        conn.request("GET", path, headers=headers or {})
        res = conn.getresponse()
        return res.status, res.getheader("X-Request-Id"), res.read()
    finally:
        conn.close()


def test_request_id_round_trip_over_a_socket(log_app):
    app = log_app()
    with LiveServer(app) as server:
        status, rid, body = _get(server, "/t/ok", {"X-Request-Id": "client-abc.1"})
        assert (status, rid) == (200, "client-abc.1")
        assert json.loads(body) == {"request_id": "client-abc.1", "current": "client-abc.1"}
        status, generated, body = _get(server, "/t/ok")
        assert status == 200 and generated and generated != "client-abc.1"
        assert json.loads(body) == {"request_id": generated, "current": generated}
        status, bad, _ = _get(server, "/t/ok", {"X-Request-Id": "x" * 200})
        assert status == 200 and bad != "x" * 200
        status, err_rid, _ = _get(server, "/t/boom", {"X-Request-Id": "boom-1"})
        assert (status, err_rid) == (500, "boom-1")
    logs = Logs(app)
    lines = [split_text(line) for line in logs.requests]
    assert [(f[1], f[2], f[5]) for f in lines] == [
        ("client-abc.1", "127.0.0.1", "200"),
        (generated, "127.0.0.1", "200"),
        (bad, "127.0.0.1", "200"),
        ("boom-1", "127.0.0.1", "500"),
    ]
    assert [split_text(line)[1] for line in logs.errors] == ["boom-1"]


def test_secrets_sent_over_a_socket_are_not_logged(log_app):
    app = log_app(format="json")
    with LiveServer(app) as server:
        headers = {"Authorization": f"Bearer {SECRET}", "Cookie": f"sid={SECRET}"}
        assert _get(server, f"/t/ok?password={SECRET}", headers)[0] == 200
        assert _get(server, f"/nowhere?token={SECRET}", headers)[0] == 404
    logs = Logs(app)
    assert [line["query"] for line in logs.json("request.log")] == [
        "password=[redacted]", "token=[redacted]",
    ]
    assert SECRET not in logs.raw("request.log") + logs.raw("error.log")
