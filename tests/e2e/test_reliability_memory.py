"""Memory over a long run (issue 16, point 4): 100,000 requests through the demo app
in-process (log, cors, auth, mongo), RSS and ``tracemalloc`` measured after the first
10,000 and at the end; neither may grow by more than 5 %, nor may the count of
Python's memory blocks (``sys.getallocatedblocks``).

Every request is different where a cache could keep it: its own path for the 404s,
query values, request ids, origins and bearer tokens, so an unbounded cache or a
per-request leak shows as growth. The mix: reads of the catalogue (MongoDB), books
added with a valid token, bodies the schema refuses, bad and missing tokens, CORS
preflights, allowed and refused origins, unknown paths, the OpenAPI document.
``CLINK_RELIABILITY_REQUESTS`` changes the count; ``CLINK_RELIABILITY_TRACE=full``
(``nox -s reliability``) traces all requests after the warm-up and bounds tracemalloc's
growth as well; by default it traces the last tenth, to name the lines that grew.
"""

from __future__ import annotations

import gc
import io
import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from e2e_needs import need_module
from reliability_demo import ROOT_EMAIL, ROOT_PWD, book, create_demo, demo_env
from reliability_results import record

need_module("clink_auth")
need_module("secantus", "needs clink-mongo[embedded] (SecantusDB)")

from clink_smtp.outbox import Outbox  # noqa: E402

pytestmark = [
    pytest.mark.timeout(600),
    pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads RSS from /proc"),
]

REQUESTS = int(os.environ.get("CLINK_RELIABILITY_REQUESTS") or 100_000)
WARM_UP = REQUESTS // 10
#: ``full``: tracemalloc traces every request after the warm-up and its growth is bounded
#: too (several times slower: ``nox -s reliability``); otherwise it traces the last tenth
#: only, to show where memory went.
TRACE = os.environ.get("CLINK_RELIABILITY_TRACE", "window")
#: the most RSS and traced memory may grow after the warm-up (a fraction).
GROWTH_BOUND = 0.05
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    """This process's resident memory in bytes, less tracemalloc's own bookkeeping."""
    with open("/proc/self/statm") as f:
        resident = int(f.read().split()[1]) * PAGE
    return resident - tracemalloc.get_tracemalloc_memory()


def environ(method: str, path: str, query: str = "", headers: dict[str, str] | None = None,
            body: bytes = b"") -> dict[str, Any]:
    env: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path,
        "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8080",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        env[key if key == "CONTENT_TYPE" else "HTTP_" + key] = value
    if body:
        env["CONTENT_LENGTH"] = str(len(body))
    return env


class Traffic:
    """The ``i``-th request of the mix, as an environ, and what its status must be."""

    def __init__(self, token: str, book_id: str) -> None:
        self.token = token
        self.book_id = book_id
        self.books = 0

    def request(self, i: int) -> tuple[dict[str, Any], tuple[int, ...]]:
        rid = {"X-Request-Id": f"req-{i:08d}"}
        auth = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        # PERF: one request in 60 reaches the database (a SecantusDB round trip costs
        # milliseconds, the others microseconds): the run stays under a minute.
        slot = i % 240
        if slot == 0:
            return environ("GET", "/book/item", f"id={self.book_id}&n={i}", rid), (200,)
        if slot == 60:
            return environ("GET", "/book/item", f"id={i:024x}", rid), (404,)
        if slot == 120:
            self.books += 1
            return environ("POST", "/book/item", "", {**auth, **rid}, book(10**8 + i)), (201,)
        if slot == 180:  # root is in the admin group: the database says 404
            return environ("DELETE", "/book/item", f"id={i:024x}", auth), (404,)
        kind = i % 20
        if kind in (0, 1):
            return environ("POST", "/book/item", "", auth,
                           b'{"title": "", "isbn": "%d"}' % i), (400,)
        if kind == 2:
            return environ("POST", "/book/item", "", {
                "Authorization": f"Bearer x{i}.y{i}.z{i}", "Content-Type": "application/json"},
                b"{}"), (401,)
        if kind == 3:
            return environ("POST", "/book/item", "", {"Content-Type": "application/json"},
                           b"{}"), (401,)
        if kind in (4, 5, 6):
            return environ("OPTIONS", "/book/item", "", {
                "Origin": "https://app.example.com", "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type"}), (204,)
        if kind in (7, 8):
            origin = "https://app.example.com" if kind == 7 else f"https://evil{i}.example"
            return environ("GET", "/book/item", f"id=bad-{i}", {"Origin": origin}), (400,)
        if kind == 9 and i % 1000 == 9:
            return environ("GET", "/openapi.json"), (200,)
        if kind in (9, 10, 11, 12, 13, 14):
            return environ("GET", f"/nope/{i}", f"q={i}", rid), (404,)
        if kind in (15, 16):
            return environ("GET", "/book/item", "", rid), (400,)  # id is required
        return environ("GET", "/book/item", f"id=x{i}&extra={i}"), (400,)


def call(app: Any, env: dict[str, Any]) -> tuple[int, bytes]:
    """One request through the WSGI app: the status and the body."""
    got: list[str] = []
    result = app(env, lambda status, headers, exc_info=None: got.append(status))
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return int(got[0][:3]), body


def run(app: Any, traffic: Traffic, start: int, stop: int) -> int:
    """Send requests ``start`` .. ``stop - 1``; the number sent."""
    for i in range(start, stop):
        env, wanted = traffic.request(i)
        status, body = call(app, env)
        assert status in wanted, (i, env["REQUEST_METHOD"], env["PATH_INFO"], status, body)
    return stop - start


def settle() -> None:
    """Let the log writer drain its queue, then collect garbage."""
    time.sleep(0.5)
    gc.collect()


def test_100000_requests_do_not_grow_memory(monkeypatch, tmp_path: Path, mongo_process):
    demo_env(monkeypatch, tmp_path)
    monkeypatch.setenv("CLINK_LOG_FLUSH", "0.1")
    full = TRACE == "full"
    if full:
        tracemalloc.start(1)
    try:
        with Outbox("127.0.0.1", port=None, out=io.StringIO()) as box:
            app = create_demo(mongo_process.url, box.smtp_conf(ROOT_EMAIL))
            form = f"grant_type=password&username=root&password={ROOT_PWD}".encode()
            status, body = call(app, environ("POST", "/auth/token", "", {
                "Content-Type": "application/x-www-form-urlencoded"}, form))
            assert status == 200, body
            token = json.loads(body)["access_token"]
            status, body = call(app, environ("POST", "/book/item", "", {
                "Authorization": f"Bearer {token}", "Content-Type": "application/json"}, book(1)))
            assert status == 201, body
            traffic = Traffic(token, json.loads(body)["id"])
            began = time.monotonic()
            sent = run(app, traffic, 0, WARM_UP)
            settle()
            warm = rss(), sys.getallocatedblocks(), tracemalloc.get_traced_memory()[0]
            traced_from = WARM_UP if full else REQUESTS - WARM_UP
            sent += run(app, traffic, WARM_UP, traced_from)
            if not full:
                settle()
                tracemalloc.start(1)
            snap_from = tracemalloc.take_snapshot()
            sent += run(app, traffic, traced_from, REQUESTS)
            settle()
            end = rss(), sys.getallocatedblocks(), tracemalloc.get_traced_memory()[0]
            snap_end = tracemalloc.take_snapshot()
            took = time.monotonic() - began
    finally:
        tracemalloc.stop()
    top = snap_end.compare_to(snap_from, "lineno")[:8]
    shown = "\n".join(f"  {stat}" for stat in top)
    rss_growth = (end[0] - warm[0]) / warm[0]
    blocks_growth = (end[1] - warm[1]) / warm[1]
    window = f"requests {traced_from:,} to {REQUESTS:,}"
    print(f"\n{sent:,} requests in {took:.1f} s; RSS {warm[0] / 2**20:.1f} -> "
          f"{end[0] / 2**20:.1f} MiB ({rss_growth:+.2%}); Python memory blocks {warm[1]:,} -> "
          f"{end[1]:,} ({blocks_growth:+.2%}); peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB; "
          f"tracemalloc's top growth over {window}:\n{shown}")
    numbers: dict[str, Any] = {
        "requests": sent, "books_added": traffic.books,
        "rss_growth_pct": round(rss_growth * 100, 2),
        "blocks_growth_pct": round(blocks_growth * 100, 2),
        "top_line_growth_kib": round(top[0].size_diff / 1024, 1) if top else 0,
    }
    if full:
        traced_growth = (end[2] - warm[2]) / warm[2]
        numbers["traced_growth_pct"] = round(traced_growth * 100, 2)
    else:
        numbers["traced_kept_by_last_10pct_kib"] = round(end[2] / 1024, 1)
    record("memory-demo-requests", **numbers, seconds=round(took, 1))
    assert rss_growth <= GROWTH_BOUND, f"RSS grew {rss_growth:.2%}:\n{shown}"
    assert blocks_growth <= GROWTH_BOUND, f"Python's blocks grew {blocks_growth:.2%}:\n{shown}"
    if full:
        assert traced_growth <= GROWTH_BOUND, f"traced memory grew {traced_growth:.2%}:\n{shown}"
