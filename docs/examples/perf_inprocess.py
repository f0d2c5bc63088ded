"""Time your own clink app in-process, the way ``bench/`` times the book API.

Run: python docs/examples/perf_inprocess.py   (prints µs per request; about 3 s)

The app is called as a WSGI server calls it: a copy of a prebuilt environ and a
fresh ``wsgi.input`` per request, the body iterable consumed and closed. A batch of
requests is timed as a whole, and the same loop around a do-nothing app is
subtracted, so the numbers are the app's own cost. The rounds alternate the routes,
so a change of machine load hits each alike; the median is reported. Only the
answers are asserted, never the speed (the machine may be busy).
"""

from __future__ import annotations

import io
import statistics
from collections.abc import Callable, Iterable
from time import perf_counter_ns
from typing import Any

from clink_core import App, AppConf, Controller, mapper
from clink_core.dflow import verify

BOOK = {"type": "object", "additionalProperties": False, "required": ["name"],
        "properties": {"name": {"type": "string", "maxLength": 32}}}


@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/item")
    def get_item(self, req: Any, res: Any) -> None:
        res.body = {"name": "How to Die"}

    @mapper.post("/item")
    def create_item(self, req: Any, res: Any) -> None:
        res.body = self.create(req.body)
        res.status = 201

    @verify(None, BOOK)
    def create(self, book: dict[str, Any]) -> dict[str, Any]:
        return {"id": 1, **book}


def environ(method: str, path: str, body: bytes = b"") -> dict[str, Any]:
    """What a WSGI server hands the app (``wsgi.input`` is added per request)."""
    env: dict[str, Any] = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000", "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if body:
        env["CONTENT_TYPE"] = "application/json"
        env["CONTENT_LENGTH"] = str(len(body))
    return env


def null_app(env: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Length", "0")])
    return [b""]


def call(app: Any, env: dict[str, Any], body: bytes) -> tuple[str, bytes]:
    """One request: the status line and the whole body."""
    seen: list[str] = []
    request = {**env, "wsgi.input": io.BytesIO(body)}
    result = app(request, lambda status, headers, exc_info=None: seen.append(status))
    try:
        return seen[0], b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()


def batch(app: Any, env: dict[str, Any], body: bytes, n: int) -> float:
    """Nanoseconds per request over ``n`` requests, harness included."""
    copy, new_input = env.copy, io.BytesIO

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        return None

    t0 = perf_counter_ns()
    for _ in range(n):
        request = copy()
        request["wsgi.input"] = new_input(body)
        result = app(request, start_response)
        for _chunk in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return (perf_counter_ns() - t0) / n


def main() -> None:
    app = App(AppConf("perf-example"), plugins=[], entrypoints=False)
    app.add_ctl(BookCtl)
    app.load()
    cases = {
        "GET small JSON": (environ("GET", "/book/item"), b""),
        "POST + schema": (environ("POST", "/book/item", b'{"name": "Dead Note"}'),
                          b'{"name": "Dead Note"}'),
        "POST invalid (400)": (environ("POST", "/book/item", b'{"name": 7}'), b'{"name": 7}'),
        "404": (environ("GET", "/nothing"), b""),
    }
    expected = {"GET small JSON": "200", "POST + schema": "201", "POST invalid (400)": "400",
                "404": "404"}
    for label, (env, body) in cases.items():  # right answers first, then timings
        status, data = call(app, env, body)
        assert status.startswith(expected[label]), (label, status, data)
    net: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(9):
        for label, (env, body) in cases.items():
            overhead = batch(null_app, env, body, 2000)
            net[label].append((batch(app, env, body, 2000) - overhead) / 1000)
    for label, values in net.items():
        print(f"{label:20} {statistics.median(values):6.2f} µs per request")
    assert all(len(v) == 9 for v in net.values())


if __name__ == "__main__":
    main()
