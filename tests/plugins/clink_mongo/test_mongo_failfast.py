"""Fail fast while the database is known down, over real sockets (issue 18, point 2).

A real secantusd-py subprocess is killed under an App served by LiveServer:
every 503 comes at once (not after server selection), the App serves again
within about a second of the server's return, and no acknowledged write is
lost. The measured times are printed (``pytest -s``); the bounds asserted are
generous behavioural ones, not speed targets.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from mongo_apps import BookCtl, LazyCtl, http_get
from pymongo import MongoClient
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError

from clink_core.testing import Client, LiveServer
from clink_mongo import UNAVAILABLE_MESSAGE, DatabaseDownError, MongoConf, MongoSv
from clink_mongo.embedded import EmbeddedMongo, free_port
from clink_mongo.failfast import FailFastClient, down_reasons

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes"),
]

#: A 503 while the server is known down must come well within this (seconds);
#: the target is 250 ms, server selection alone would take 2 s.
DOWN_BOUND = 1.0
#: The App must serve again within this after the server is back (target: 1 s).
RECOVERY_BOUND = 2.0


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> float:
    """Wait until ``check()``; the seconds it took."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout, f"timed out waiting for {what}"
        time.sleep(0.02)
    return time.monotonic() - start


def timed_get(url: str) -> tuple[float, int, dict[str, str], bytes]:
    start = time.monotonic()
    status, headers, body = http_get(url, timeout=20)
    return time.monotonic() - start, status, headers, body


def assert_fast_503s(url: str, count: int = 20) -> float:
    """``count`` GETs of ``url``, each answered 503 + Retry-After; the worst time."""
    worst = 0.0
    for _ in range(count):
        took, status, headers, body = timed_get(url)
        assert status == 503, body
        assert headers.get("Retry-After") == "5"
        assert json.loads(body)["message"] == UNAVAILABLE_MESSAGE
        worst = max(worst, took)
    assert worst < DOWN_BOUND, f"a 503 took {worst * 1000:.0f} ms"
    return worst


def test_the_client_selects_servers_through_the_hooked_method():
    # FailFastClient relies on this pymongo internal; if a release renames it,
    # this test says so (the behaviour tests below would fail too).
    assert "_select_server" in vars(MongoClient)
    assert "_select_server" in vars(FailFastClient)


def test_a_new_client_is_not_down_before_its_first_check(mongo_conf):
    sv = MongoSv(mongo_conf)
    try:
        assert isinstance(sv.client, FailFastClient)
        assert sv.down is False
        assert down_reasons(sv.client.topology_description) is None
        sv.ping()  # the first operation waits for the first check, as pymongo does
        assert sv.down is False
    finally:
        sv.close()


def test_kill_gives_fast_503s_then_the_app_recovers_with_every_write(mongo_app, mongo_process):
    conf = MongoConf(mongo_process.url, "failfast")  # the plugin's defaults
    app = mongo_app(conf, BookCtl)
    client = Client(app)
    for i in range(25):
        assert client.post("/book/item", json={"name": f"book-{i}"}).status == 201
    sv = app.injector.ref(MongoSv)

    with LiveServer(app) as server:
        url = f"{server.url}/book/item?name=book-3"
        assert http_get(url)[0] == 200
        mongo_process.kill()
        # The first request meets the dead pooled connection, pymongo's retry
        # then fails fast; all the others fail before touching the network.
        worst = assert_fast_503s(url)
        print(f"\nworst 503 of 20 after the kill: {worst * 1000:.1f} ms")
        assert sv.down
        with pytest.raises(DatabaseDownError) as info:
            sv.doc("book").find_one({})
        assert isinstance(info.value, ServerSelectionTimeoutError)
        assert mongo_process.url.removeprefix("mongodb://").rstrip("/") in info.value.reasons

        mongo_process.restart()  # returns once the server answers a ping
        took = wait_for(lambda: http_get(url)[0] == 200, RECOVERY_BOUND, "a 200 after restart")
        print(f"first 200 after the server was back: {took * 1000:.0f} ms")
        assert not sv.down

        status, _headers, body = http_get(f"{server.url}/book/count")
        assert (status, json.loads(body)) == (200, {"count": 25})  # no acknowledged write lost
    assert client.post("/book/item", json={"name": "after"}).status == 201


def test_a_server_down_from_the_start_gives_fast_503s_once_checked(mongo_app, tmp_path: Path):
    port = free_port()
    conf = MongoConf(f"mongodb://127.0.0.1:{port}/", "late", server_selection_timeout_ms=500)
    app = mongo_app(conf, LazyCtl)
    app.load()  # LazyCtl needs no database to load
    sv = app.injector.ref(MongoSv)
    with LiveServer(app) as server:
        url = f"{server.url}/lazy/find"
        # The first operation of a new client waits for its first server check
        # (bounded by serverSelectionTimeoutMS); from then on, no waiting.
        took, status, _headers, _body = timed_get(url)
        assert status == 503 and took < 3  # 500 ms, in pymongo's 500 ms steps
        wait_for(lambda: sv.down, 5, "the failed check")
        worst = assert_fast_503s(url)
        print(f"\nworst 503 of 20 with no server at all: {worst * 1000:.1f} ms")

        with EmbeddedMongo(tmp_path / "late", port=port):
            took = wait_for(lambda: http_get(url)[0] == 200, RECOVERY_BOUND, "the new server")
            print(f"first 200 after the server came up: {took * 1000:.0f} ms")


def test_fail_fast_off_leaves_pymongo_waiting_for_server_selection(mongo_app, mongo_process):
    conf = MongoConf(mongo_process.url, "slow", fail_fast=False, server_selection_timeout_ms=300)
    app = mongo_app(conf, BookCtl)
    client = Client(app)
    assert client.post("/book/item", json={"name": "Dune"}).status == 201
    sv = app.injector.ref(MongoSv)
    assert not isinstance(sv.client, FailFastClient)
    mongo_process.kill()
    assert client.get("/book/count").status == 503  # still an outage answer
    wait_for(lambda: sv.down, 5, "the failed check")
    with pytest.raises(ConnectionFailure) as info:
        sv.doc("book").find_one({})
    assert not isinstance(info.value, DatabaseDownError)  # pymongo's own wait and error
