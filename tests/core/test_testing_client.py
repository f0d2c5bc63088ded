"""clink_core.testing: cookies as a browser keeps them, REMOTE_ADDR, the ASGI and async modes."""

from __future__ import annotations

import asyncio
import types
from collections.abc import Iterator
from typing import Any

import pytest

from clink_core import App, AppConf, Controller, Request, Response, hookimpl, mapper, stamp
from clink_core.testing import (
    CLIENT_ENV,
    AsyncClient,
    Client,
    ClientModeError,
    IncompleteResponseError,
)

pytest.importorskip("httpx")
SHUTDOWNS: list[str] = []


def broken() -> Iterator[bytes]:
    yield b"half"
    raise RuntimeError("the source broke")


@stamp()
@mapper.path("/c")
class CookieCtl(Controller):
    @mapper.get("/set")
    def set(self, req: Request, res: Response) -> None:
        res.set_cookie("sid", "s1")  # Secure, HttpOnly, Path=/ by default
        res.set_cookie("scoped", "only-under-c-in", path="/c/in", secure=False)
        res.set_cookie("plain", "p1", secure=False)
        res.body = {"ok": True}

    @mapper.get("/elsewhere")
    def elsewhere(self, req: Request, res: Response) -> None:
        res.set_cookie("foreign", "x", domain="other.example", secure=False)
        res.body = {}

    @mapper.get("/drop")
    def drop(self, req: Request, res: Response) -> None:
        res.delete_cookie("sid")
        res.add_header("Set-Cookie", "plain=gone; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/")
        res.body = {}

    @mapper.get("/read")
    def read(self, req: Request, res: Response) -> None:
        res.body = {"cookies": req.cookies, "remote": req.remote_addr,
                    "asgi": "asgi.scope" in (req.env or {})}

    @mapper.get("/in/read")
    def read_in(self, req: Request, res: Response) -> None:
        res.body = {"cookies": req.cookies}

    @mapper.get("/echo/{name}")
    def echo(self, req: Request, res: Response) -> None:
        res.body = {"name": req.params["name"], "tags": req.args_all.get("tag", []),
                    "x": req.header_values("X_MANY")}

    @mapper.get("/links")
    def links(self, req: Request, res: Response) -> None:
        res.add_header("Link", "</a>; rel=next")
        res.add_header("Link", "</b>; rel=prev")

    @mapper.get("/broken")
    def broken(self, req: Request, res: Response) -> None:
        res.content_type = "text/plain"
        res.body = broken()


@hookimpl
def clink_shutdown(app: Any) -> None:
    SHUTDOWNS.append(app.conf.name)


def make(name: str = "client") -> App:
    app = App(AppConf(name), plugins=[types.SimpleNamespace(clink_shutdown=clink_shutdown)],
              entrypoints=False)
    app.add_ctl(CookieCtl)
    app.load()
    return app


@pytest.fixture(scope="module")
def app() -> App:
    return make()


@pytest.fixture(params=["wsgi", "asgi"])
def mode(request: pytest.FixtureRequest) -> bool:
    return bool(request.param == "asgi")


def test_each_mode_reaches_its_app(app: App, mode: bool) -> None:
    assert Client(app, asgi=mode).get("/c/read").json["asgi"] is mode


def test_a_cookie_header_given_reaches_the_app(app: App, mode: bool) -> None:
    for cookies in (True, False):
        res = Client(app, asgi=mode, cookies=cookies).get(
            "/c/read", headers={"Cookie": "sid=abc; theme=dark"})
        assert res.json["cookies"] == {"sid": "abc", "theme": "dark"}


def test_cookies_set_by_responses_are_sent_back(app: App, mode: bool) -> None:
    client = Client(app, asgi=mode)
    assert client.get("/c/read").json["cookies"] == {}
    client.get("/c/set")
    # Secure cookies go to http://localhost as browsers send them; Path=/c/in only there.
    assert client.get("/c/read").json["cookies"] == {"sid": "s1", "plain": "p1"}
    assert client.get("/c/in/read").json["cookies"] == {
        "sid": "s1", "plain": "p1", "scoped": "only-under-c-in"}
    assert client.cookies == {"sid": "s1", "plain": "p1", "scoped": "only-under-c-in"}


def test_a_cookie_header_given_wins_over_a_kept_cookie_of_its_name(app: App, mode: bool) -> None:
    client = Client(app, asgi=mode)
    client.get("/c/set")
    res = client.get("/c/read", headers={"Cookie": "sid=mine; extra=1"})
    assert res.json["cookies"] == {"sid": "mine", "extra": "1", "plain": "p1"}


def test_deleted_and_expired_cookies_are_forgotten(app: App, mode: bool) -> None:
    client = Client(app, asgi=mode)
    client.get("/c/set")
    client.get("/c/drop")  # Max-Age=0 for sid, an Expires in the past for plain
    assert client.get("/c/read").json["cookies"] == {}
    assert "sid" not in client.cookies and "plain" not in client.cookies


def test_a_cookie_for_another_domain_is_refused(app: App, mode: bool) -> None:
    client = Client(app, asgi=mode)
    client.get("/c/elsewhere")
    assert client.cookies == {}


def test_secure_cookies_need_https_away_from_localhost(app: App, mode: bool) -> None:
    plain = Client(app, asgi=mode, base_url="http://api.example.org")
    plain.get("/c/set")
    assert plain.get("/c/read").json["cookies"] == {"plain": "p1"}  # sid is Secure
    tls = Client(app, asgi=mode, base_url="https://api.example.org")
    tls.get("/c/set")
    assert tls.get("/c/read").json["cookies"] == {"sid": "s1", "plain": "p1"}


def test_cookies_false_keeps_nothing(app: App, mode: bool) -> None:
    client = Client(app, asgi=mode, cookies=False)
    assert client.get("/c/set").header("Set-Cookie")
    assert client.get("/c/read").json["cookies"] == {}
    assert client.cookies == {} and client.cookie_jar is None
    with pytest.raises(ClientModeError, match="cookies=False"):
        client.set_cookie("a", "1")


def test_set_and_clear_cookies_by_hand(app: App, mode: bool) -> None:
    client = Client(app, asgi=mode)
    client.set_cookie("lang", "fr")
    client.set_cookie("deep", "1", path="/c/in")
    assert client.get("/c/read").json["cookies"] == {"lang": "fr"}
    assert client.get("/c/in/read").json["cookies"] == {"lang": "fr", "deep": "1"}
    client.clear_cookies()
    assert client.get("/c/read").json["cookies"] == {}


def test_remote_addr_defaults_to_loopback(app: App, mode: bool) -> None:
    assert Client(app, asgi=mode).get("/c/read").json["remote"] == "127.0.0.1"
    other = Client(app, asgi=mode, remote_addr="10.1.2.3")
    assert other.get("/c/read").json["remote"] == "10.1.2.3"


def test_paths_queries_and_repeated_headers(app: App, mode: bool) -> None:
    client = Client(app, asgi=mode)
    res = client.get("/c/echo/été", query={"tag": ["a", "b"]},
                     headers=[("X-Many", "1"), ("X-Many", "2")])
    assert res.json == {"name": "été", "tags": ["a", "b"], "x": ["1", "2"]}
    assert client.get("/c/echo/x?tag=q", query="tag=r").json["tags"] == ["q", "r"]
    links = client.get("/c/links")
    assert links.header_all("link") == ["</a>; rel=next", "</b>; rel=prev"]
    assert links.headers["Link"] == "</a>; rel=next"  # the dict keeps the first value
    assert ("Link", "</b>; rel=prev") in links.header_items()


def test_the_environment_picks_the_mode(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CLIENT_ENV, "asgi")
    assert Client(app).asgi and Client(app).get("/c/read").json["asgi"] is True
    assert Client(app, asgi=False).get("/c/read").json["asgi"] is False
    monkeypatch.setenv(CLIENT_ENV, "wsgi")
    assert not Client(app).asgi
    monkeypatch.setenv(CLIENT_ENV, "grpc")
    with pytest.raises(ClientModeError, match="'wsgi' or 'asgi'"):
        Client(app)


def test_a_stream_that_fails_mid_way_is_an_incomplete_response_over_asgi(app: App) -> None:
    with pytest.raises(IncompleteResponseError, match="before its body was complete"):
        Client(app, asgi=True).get("/c/broken")


def test_with_closes_the_app_over_wsgi_and_runs_the_lifespan_over_asgi() -> None:
    SHUTDOWNS.clear()
    with Client(make("wsgi-with"), asgi=False) as client:
        assert client.get("/c/read").status == 200
    with Client(make("asgi-with"), asgi=True) as client:
        assert client.get("/c/read").status == 200
        assert SHUTDOWNS == ["wsgi-with"]
    assert SHUTDOWNS == ["wsgi-with", "asgi-with"]


def test_async_client_and_its_lifespan() -> None:
    SHUTDOWNS.clear()
    app = make("async")

    async def scenario() -> list[Any]:
        async with AsyncClient(app) as client:
            await client.get("/c/set")
            read = await client.get("/c/read", headers={"Cookie": "x=1"})
            posted = await client.post("/c/read")  # no POST route: 405
            return [read.json, posted.status, SHUTDOWNS[:]]

    read, posted, during = asyncio.run(scenario())
    assert read == {"cookies": {"x": "1", "sid": "s1", "plain": "p1"},
                    "remote": "127.0.0.1", "asgi": True}
    assert posted == 405 and during == [] and SHUTDOWNS == ["async"]


def test_the_sync_asgi_client_works_inside_a_running_loop(app: App) -> None:
    client = Client(app, asgi=True)

    async def inside() -> int:
        return client.get("/c/read").status

    assert asyncio.run(inside()) == 200
    client.close()
    with pytest.raises(ClientModeError, match="closed"):
        client.get("/c/read")
