"""What each way of calling a controller costs under ASGI, measured in-process.

Run: python docs/examples/asgi_dispatch_cost.py   (prints a table; about 5 s)

Three controllers answer the same small JSON body: ``async def``, a plain
``def`` marked ``@mapper.inline`` (called on the event loop) and a plain ``def``
(run in the app's thread pool, the default). Requests go straight to
``app.asgi`` (no server, no sockets), one after another, then 40 at once to
controllers that block for 5 ms (a database call, say). When Starlette is
installed its ``def`` and ``async def`` endpoints are measured the same way, for
comparison. Only behaviour is asserted (the answers, and that blocking calls
overlap in the pool and queue up inline), never speed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from clink_core import App, AppConf, Controller, mapper

BLOCK = 0.005  # seconds a "blocking" controller sleeps
CONCURRENT = 40


@mapper.path("/d")
class DispatchCtl(Controller):
    @mapper.get("/async")
    async def coro(self, req: Any, res: Any) -> None:
        res.body = {"ok": True}

    @mapper.get("/inline")
    @mapper.inline
    def cheap(self, req: Any, res: Any) -> None:
        res.body = {"ok": True}

    @mapper.get("/pool")
    def plain(self, req: Any, res: Any) -> None:
        res.body = {"ok": True}

    @mapper.get("/block-inline")
    @mapper.inline
    def block_inline(self, req: Any, res: Any) -> None:
        time.sleep(BLOCK)
        res.body = {"ok": True}

    @mapper.get("/block-pool")
    def block_pool(self, req: Any, res: Any) -> None:
        time.sleep(BLOCK)
        res.body = {"ok": True}


async def call(asgi: Callable[..., Any], path: str) -> bytes:
    """One GET straight into an ASGI app; the response body."""
    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
             "query_string": b"", "headers": [(b"host", b"bench")], "http_version": "1.1",
             "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1)}
    out: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            out.append(message.get("body", b""))

    await asgi(scope, receive, send)
    return b"".join(out)


async def per_request_us(asgi: Callable[..., Any], path: str, n: int) -> float:
    for _ in range(200):  # warm up (threads started, caches filled)
        await call(asgi, path)
    began = time.perf_counter()
    for _ in range(n):
        await call(asgi, path)
    return (time.perf_counter() - began) / n * 1e6


async def burst_ms(asgi: Callable[..., Any], path: str) -> float:
    began = time.perf_counter()
    bodies = await asyncio.gather(*(call(asgi, path) for _ in range(CONCURRENT)))
    assert all(b == b'{"ok":true}' for b in bodies), bodies[:2]
    return (time.perf_counter() - began) * 1e3


def starlette_app() -> Callable[..., Any] | None:
    try:
        from starlette.applications import Starlette
        from starlette.responses import JSONResponse
        from starlette.routing import Route
    except ImportError:
        return None

    async def coro(request: Any) -> Any:
        return JSONResponse({"ok": True})

    def plain(request: Any) -> Any:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/async", coro), Route("/pool", plain)])


async def main() -> None:
    app = App(AppConf("dispatch"), entrypoints=False)
    app.add_ctl(DispatchCtl)
    app.load()
    asgi = app.asgi
    for path in ("/d/async", "/d/inline", "/d/pool"):
        assert await call(asgi, path) == b'{"ok":true}'
    n = 3000
    rows = [(f"clink {kind}", await per_request_us(asgi, f"/d/{kind}", n))
            for kind in ("async", "inline", "pool")]
    star = starlette_app()
    if star is not None:
        rows += [("starlette async def", await per_request_us(star, "/async", n)),
                 ("starlette def (threadpool)", await per_request_us(star, "/pool", n))]
    print(f"{'one request at a time':32} {'µs/request':>10}")
    for name, us in rows:
        print(f"{name:32} {us:10.1f}")
    inline = await burst_ms(asgi, "/d/block-inline")
    pool = await burst_ms(asgi, "/d/block-pool")
    print(f"\n{CONCURRENT} requests at once, each blocking {BLOCK * 1e3:.0f} ms:")
    print(f"{'clink inline (on the loop)':32} {inline:8.1f} ms")
    print(f"{'clink thread pool':32} {pool:8.1f} ms")
    # Inline, the loop does nothing else while a controller blocks: they queue up.
    assert inline >= CONCURRENT * BLOCK * 1e3 * 0.9
    # In the pool they overlap: well under the queued time, whatever the machine.
    assert pool < inline / 2, (pool, inline)


if __name__ == "__main__":
    asyncio.run(main())
