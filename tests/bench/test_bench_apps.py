"""The benchmark's apps answer alike, so the benchmark compares like with like.

No timing here: only that every app (raw WSGI, Falcon twice, Flask, clink, the
optional clink rows and the ASGI peers FastAPI, Litestar and BlackSheep, called
in-process through ``asgi.AsgiApp`` and over their servers) gives the same status,
content type and JSON body for every scenario, and the same status for more bad
requests. Apps whose framework or plugin is not installed are skipped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import bench_apps as ba  # noqa: E402


@pytest.fixture(autouse=True)
def _log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """clink_log (when installed) writes under the test's folder, not /var/tmp."""
    monkeypatch.setenv("CLINK_LOG_DIR", str(tmp_path / "logs"))



_BUILT: list[Any] = []


@pytest.fixture(autouse=True)
def _close_asgi_apps() -> Any:
    """The ASGI apps a test built run their lifespan shutdown when it ends (as a server
    would before exiting), not at interpreter exit."""
    yield
    while _BUILT:
        _BUILT.pop().close()


def app_for(key: str) -> Any:
    try:
        app = ba.build(key)
    except ba.Unavailable as e:
        pytest.skip(f"{ba.APPS[key].label}: {e}")
    if ba.APPS[key].is_asgi:
        _BUILT.append(app)
    return app


def _cases() -> list[Any]:
    cases = []
    for key in ba.APPS:
        for s in ba.SCENARIOS:
            if ba.runs(key, s):
                cases.append(pytest.param(key, s, id=f"{key}-{s}"))
    return cases


@pytest.mark.parametrize(("key", "scenario"), _cases())
def test_every_app_answers_every_scenario_alike(key: str, scenario: str) -> None:
    app = app_for(key)
    scen = ba.SCENARIOS[scenario]
    answer = ba.call(app, ba.scenario_environ(scen, ba.APPS[key]), scen.body)
    assert ba.check_answer(scen, answer) == []


COMPARED = ba.CORE_APPS + ba.CLINK_ASGI_APPS + ba.PEER_APPS


@pytest.mark.parametrize("key", COMPARED)
def test_bodies_equal_the_raw_apps(key: str) -> None:
    """Parsed bodies equal across apps (the invalid POST's message aside)."""
    raw = ba.build("raw")
    app = app_for(key)
    for scen in ba.SCENARIOS.values():
        if scen.apps is not None:  # a limit of clink's own (the others differ)
            continue
        mine = ba.call(app, ba.scenario_environ(scen), scen.body)
        ref = ba.call(raw, ba.scenario_environ(scen), scen.body)
        assert mine.status == ref.status, scen.key
        mine_body, ref_body = mine.json, ref.json
        if not scen.same_message:
            mine_body.pop("message")
            ref_body.pop("message")
        assert mine_body == ref_body, scen.key


BAD_POSTS = {
    "missing author": (json.dumps({"name": "Dead Note"}).encode(), ba.MIME_JSON, 400),
    "extra property": (
        json.dumps({"name": "Dead Note", "author": "Death", "x": 1}).encode(), ba.MIME_JSON, 400,
    ),
    "wrong type": (json.dumps({"name": 7, "author": "Death"}).encode(), ba.MIME_JSON, 400),
    "not an object": (b"[]", ba.MIME_JSON, 400),
    "malformed JSON": (b'{"name": ', ba.MIME_JSON, 400),
    "charset parameter": (
        json.dumps({"name": "Dead Note", "author": "Death"}).encode(),
        "application/json; charset=utf-8",
        201,
    ),
}


@pytest.mark.parametrize("key", COMPARED)
@pytest.mark.parametrize("case", sorted(BAD_POSTS))
def test_more_posts_get_the_same_status(key: str, case: str) -> None:
    app = app_for(key)
    body, ctype, status = BAD_POSTS[case]
    answer = ba.call(app, ba.make_environ("POST", "/book/item", body, ctype), body)
    assert answer.status == status
    assert (answer.header("Content-Type") or "").startswith(ba.MIME_JSON)
    data = answer.json
    if status >= 400:
        assert data["status"] == status
        assert data["status_name"] == ba.STATUS_LINES[status]
        assert data["message"]


BAD_QUERIES = {
    "page below its minimum": "page=0&size=10",
    "page not an integer": "page=abc&size=10",
    "page missing": "size=10",
    "size above its maximum": "page=1&size=51",
    "size missing": "page=1",
}


@pytest.mark.parametrize("key", COMPARED)
@pytest.mark.parametrize("case", sorted(BAD_QUERIES))
def test_bad_query_arguments_are_a_400_everywhere(key: str, case: str) -> None:
    app = app_for(key)
    answer = ba.call(app, ba.make_environ("GET", "/book/list", query=BAD_QUERIES[case]))
    assert answer.status == 400
    assert (answer.header("Content-Type") or "").startswith(ba.MIME_JSON)
    data = answer.json
    assert data["status"] == 400
    assert data["status_name"] == ba.STATUS_LINES[400]
    assert data["message"]


@pytest.mark.parametrize("key", COMPARED)
def test_other_ids_and_arguments_are_converted(key: str) -> None:
    app = app_for(key)
    answer = ba.call(app, ba.make_environ("GET", "/book/7"))
    assert (answer.status, answer.json) == (200, ba.book_with_id(7))
    answer = ba.call(app, ba.make_environ("GET", "/book/list", query="size=50&page=3"))
    assert (answer.status, answer.json) == (200, {"page": 3, "size": 50})
    # not an integer id: no such resource (FastAPI, as it documents, answers its
    # validation error, rendered here as the 400 error body)
    answer = ba.call(app, ba.make_environ("GET", "/book/abc"))
    assert answer.status == (400 if key == "fastapi" else 404)
    assert answer.json["status"] == answer.status


def test_the_null_app_and_the_harness_loop() -> None:
    """The harness's own loop runs an app and consumes its body (no timing checked)."""
    import inprocess

    scen = ba.SCENARIOS["post"]
    env = ba.scenario_environ(scen)
    assert inprocess.batch(ba.null_app, env, scen.body, 3) > 0
    assert inprocess.batch(ba.build("raw"), env, scen.body, 3) > 0


def test_the_asgi_harness_hands_over_the_request_and_reads_the_answer() -> None:
    """The scope carries method, path, query, headers and body as a server sends them."""
    import asgi

    seen: dict = {}

    async def echo(scope, receive, send):
        if scope["type"] != "http":
            return
        message = await receive()
        seen.update(scope=scope, body=message["body"], more=message["more_body"])
        data = json.dumps({"n": 1}).encode()
        await send({"type": "http.response.start", "status": 201,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": data})

    app = asgi.AsgiApp(echo, "echo")
    try:
        env = ba.make_environ("POST", "/book/item", b'{"a": 1}', ba.MIME_JSON,
                              {"HTTP_ORIGIN": "http://x"}, query="q=1")
        answer = ba.call(app, env, b'{"a": 1}')
        assert (answer.status, answer.json) == (201, {"n": 1})
        scope = seen["scope"]
        assert (scope["method"], scope["path"], scope["query_string"]) == (
            "POST", "/book/item", b"q=1"
        )
        headers = dict(scope["headers"])
        assert headers[b"content-type"] == ba.MIME_JSON.encode()
        assert headers[b"content-length"] == b"8"
        assert headers[b"origin"] == b"http://x"
        assert (seen["body"], seen["more"]) == (b'{"a": 1}', False)
        assert app.batch(asgi.scope_from_environ(env), b"{}", 3) > 0
    finally:
        app.close()


@pytest.mark.parametrize("key", ba.CLINK_ASGI_APPS + ba.PEER_APPS)
def test_the_asgi_peers_answer_alike_over_their_servers(key: str, tmp_path: Path) -> None:
    """Each ASGI app (clink's and the peers') under uvicorn (and granian, when installed),
    over a real socket."""
    import servers

    app_for(key)  # skips when the framework is not installed
    kinds = [k for k in servers.available_servers()[0]
             if k.interface == "asgi" and k.workers == 1]
    if not kinds:
        pytest.skip("no ASGI server is installed (uvicorn, granian)")
    for kind in kinds:
        server = servers.start(kind, key, tmp_path)
        try:
            servers.wait_ready(server)
            for scen in socket_scenarios(server.app):
                answer = servers.fetch(server, scen)
                assert ba.check_answer(scen, answer) == [], (kind.id, scen.key)
        finally:
            server.stop()


def socket_scenarios(key: str) -> list[ba.Scenario]:
    """The scenarios app ``key`` is checked on over a real socket."""
    return [s for s in ba.SCENARIOS.values() if ba.runs(key, s.key) and s.over_sockets]


def test_clink_answers_alike_over_every_wsgi_server(tmp_path: Path) -> None:
    """clink under gunicorn, bjoern and granian's WSGI mode (those installed)."""
    import servers

    kinds = [k for k in servers.available_servers()[0]
             if k.interface == "wsgi" and k.workers == 2]
    if not kinds:
        pytest.skip("no WSGI server is installed")
    for kind in kinds:
        server = servers.start(kind, "clink", tmp_path)
        try:
            servers.wait_ready(server)
            for scen in socket_scenarios(server.app):
                answer = servers.fetch(server, scen)
                assert ba.check_answer(scen, answer) == [], (kind.id, scen.key)
        finally:
            server.stop()
