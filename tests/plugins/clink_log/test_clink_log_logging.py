"""The request id in application code (issue 12.1): ``clink_log.request_id()`` and
``RequestIdFilter`` on Python's ``logging`` records, over WSGI and ASGI (async methods
on the event loop, plain ones in the kernel's thread pool), under concurrency."""

from __future__ import annotations

import asyncio
import http.client
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

import clink_log
from clink_core.testing import AsyncClient, Client, LiveServer
from clink_log import RequestIdFilter
from clink_log_helpers import Logs, split_text, svc_log

pytestmark = pytest.mark.timeout(60)


class ListHandler(logging.Handler):
    """Keeps the records it handles, with their ``request_id`` as the filter set it."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.addFilter(RequestIdFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def ids_of(self, word: str) -> list[str]:
        return [r.request_id for r in self.records if r.getMessage().endswith(f" {word}")]


@pytest.fixture
def records() -> Iterator[ListHandler]:
    handler = ListHandler()
    svc_log.addHandler(handler)
    svc_log.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        svc_log.removeHandler(handler)


def test_a_service_log_record_carries_the_id_of_the_request_line(log_app, records):
    app = log_app()
    client = Client(app, asgi=False)
    sent = client.get("/t/say/given", headers={"X-Request-Id": "w-1"})
    made = client.get("/t/say/made")
    assert records.ids_of("given") == ["w-1"] == [sent.header("X-Request-Id")]
    assert records.ids_of("made") == [made.header("X-Request-Id")]
    lines = {split_text(line)[4]: split_text(line)[1] for line in Logs(app).requests}
    assert lines == {"/t/say/given": "w-1", "/t/say/made": made.header("X-Request-Id")}


def test_an_async_method_under_wsgi_sees_the_id_too(log_app, records):
    app = log_app()
    res = Client(app, asgi=False).get("/t/say-async/wsgi")
    assert records.ids_of("wsgi") == [res.header("X-Request-Id")] * 2


def test_outside_a_request_there_is_no_id(log_app, records):
    app = log_app()
    res = Client(app, asgi=False).get("/t/ok")
    # the thread that ran the request keeps its id until its next request sets its own
    assert clink_log.request_id() == res.header("X-Request-Id")
    with ThreadPoolExecutor(1) as pool:  # a thread that never ran one has none
        assert pool.submit(clink_log.request_id).result() is None
        pool.submit(svc_log.info, "between requests").result()
    svc_log.info("mine", extra={"request_id": "set-by-caller"})
    assert [r.request_id for r in records.records] == ["-", "set-by-caller"]
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(RequestIdFilter(default="").filter, record).result()
    assert record.request_id == ""


def test_the_filter_formats_the_id_into_lines(log_app):
    import io

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter("%(request_id)s %(message)s"))
    svc_log.addHandler(handler)
    svc_log.setLevel(logging.INFO)
    try:
        Client(log_app(), asgi=False).get("/t/say/fmt", headers={"X-Request-Id": "fmt-1"})
    finally:
        svc_log.removeHandler(handler)
    assert out.getvalue() == "fmt-1 said fmt\n"


# -- ASGI --------------------------------------------------------------------------------
@pytest.mark.parametrize("route", ["say", "say-async"])
def test_asgi_thread_pool_and_async_methods_see_the_id(log_app, records, route):
    """Plain methods run in the kernel's thread pool (under a copy of the request's
    context), ``async def`` ones on the loop: both log the request's id."""
    app = log_app()
    res = Client(app, asgi=True).get(f"/t/{route}/asgi", headers={"X-Request-Id": "a-1"})
    assert res.status == 200
    assert set(records.ids_of("asgi")) == {"a-1"}
    [line] = Logs(app).requests
    assert split_text(line)[1] == "a-1"


def test_concurrent_asgi_requests_keep_their_own_ids(log_app, records):
    app = log_app()

    async def main() -> list[tuple[str, str]]:
        async with AsyncClient(app) as client:
            words = [f"{kind}{i}" for i in range(25) for kind in ("a", "t")]

            async def one(word: str) -> tuple[str, str]:
                route = "say-async" if word[0] == "a" else "say"
                res = await client.get(f"/t/{route}/{word}")
                # the caller's task sees the id of its own request or none, never another's
                assert clink_log.request_id() in (None, res.header("X-Request-Id"))
                return word, res.header("X-Request-Id")

            return await asyncio.gather(*(one(w) for w in words))

    answers = asyncio.run(main())
    assert len({rid for _, rid in answers}) == len(answers)
    for word, rid in answers:
        expected = [rid] * (2 if word[0] == "a" else 1)
        assert records.ids_of(word) == expected, word
    logged = {split_text(line)[4].rsplit("/", 1)[1]: split_text(line)[1]
              for line in Logs(app).requests}
    assert logged == dict(answers)


def _get(port: int, path: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        res = conn.getresponse()
        res.read()
        assert res.status == 200
        return res.getheader("X-Request-Id") or ""
    finally:
        conn.close()


@pytest.mark.parametrize("asgi", [False, True], ids=["threaded-wsgi", "uvicorn"])
def test_concurrent_requests_over_a_socket_keep_their_own_ids(log_app, records, asgi):
    if asgi:
        pytest.importorskip("uvicorn")
    app = log_app()
    words = [f"{kind}{i}" for i in range(20) for kind in ("a", "t")]
    with LiveServer(app, asgi=asgi) as server, ThreadPoolExecutor(8) as pool:
        paths = [f"/t/{'say-async' if w[0] == 'a' else 'say'}/{w}" for w in words]
        ids = list(pool.map(lambda p: _get(server.port, p), paths))
    for word, rid in zip(words, ids, strict=True):
        assert records.ids_of(word) == [rid] * (2 if word[0] == "a" else 1), word
