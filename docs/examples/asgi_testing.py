"""Testing over ASGI: the same ``Client`` calls through ``app.asgi``, cookies kept like a
browser, and the awaitable ``AsyncClient`` with the app's lifespan.

Run: python docs/examples/asgi_testing.py
"""

from __future__ import annotations

import asyncio
from typing import Any

from clink_core import App, AppConf, Controller, mapper
from clink_core.testing import AsyncClient, Client


@mapper.path("/session")
class SessionCtl(Controller):
    @mapper.post("/login")
    async def login(self, req: Any, res: Any) -> None:
        res.set_cookie("sid", "s-123")  # Secure, HttpOnly, SameSite=Lax
        res.body = {"ok": True}

    @mapper.get("/me")
    def me(self, req: Any, res: Any) -> None:
        res.body = {"sid": req.cookies.get("sid"), "from": req.remote_addr}


def make_app() -> App:
    app = App(AppConf("session"), entrypoints=False)
    app.add_ctl(SessionCtl)
    return app


def sync_clients() -> None:
    app = make_app()
    for client in (Client(app, asgi=False), Client(app, asgi=True)):
        assert client.get("/session/me").json == {"sid": None, "from": "127.0.0.1"}
        client.post("/session/login", json={})  # the cookie is kept ...
        assert client.get("/session/me").json["sid"] == "s-123"  # ... and sent back
        # A Cookie header given is sent as given (with the kept cookies of other names).
        assert client.get("/session/me", headers={"Cookie": "sid=mine"}).json["sid"] == "mine"
    stateless = Client(app, asgi=True, cookies=False)
    stateless.post("/session/login", json={})
    assert stateless.get("/session/me").json["sid"] is None


async def async_client() -> None:
    async with AsyncClient(make_app()) as client:  # lifespan startup ... shutdown
        await client.post("/session/login", json={})
        res = await client.get("/session/me")
        assert res.status == 200 and res.json["sid"] == "s-123"


if __name__ == "__main__":
    sync_clients()
    asyncio.run(async_client())
    print("asgi_testing: ok")
