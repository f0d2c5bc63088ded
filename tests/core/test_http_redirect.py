"""Issue 11.2: redirects: the status set, no body, no JSON content type, no open redirects."""

from __future__ import annotations

import pytest

from clink_core import App, AppConf, Controller, Request, Response, mapper, stamp
from clink_core.http import RedirectError
from clink_core.http.redirect import check_location
from clink_core.testing import Client


@stamp()
@mapper.path("/r")
class RedirectCtl(Controller):
    @mapper.get("/to")
    def to(self, req: Request, res: Response) -> None:
        status = int(req.args.get("status", "303"))
        res.body = {"dropped": True}  # set before: the redirect drops it
        res.redirect(req.args["where"], status, allow_scheme_relative="allow" in req.args)

    @mapper.post("/form")
    def form(self, req: Request, res: Response) -> None:
        res.redirect("/r/done")


@pytest.fixture(scope="module")
def client() -> Client:
    app = App(AppConf("redirects"), entrypoints=False)
    app.add_ctl(RedirectCtl)
    return Client(app)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_sets_status_location_and_no_body(client: Client, status: int) -> None:
    res = client.get("/r/to", query={"where": "/book/item?id=1", "status": str(status)})
    assert res.status == status
    assert res.header("Location") == "/book/item?id=1"
    assert res.data == b""
    assert res.header("Content-Length") == "0"
    assert res.content_type is None


def test_redirect_defaults_to_303(client: Client) -> None:
    res = client.post("/r/form", json={"a": 1})
    assert (res.status, res.header("Location"), res.data) == (303, "/r/done", b"")


def test_absolute_urls_and_non_ascii_paths(client: Client) -> None:
    res = client.get("/r/to", query={"where": "https://example.org/x"})
    assert res.header("Location") == "https://example.org/x"
    res = client.get("/r/to", query={"where": "/bücher/a b"})
    assert res.header("Location") == "/b%C3%BCcher/a%20b"


def test_scheme_relative_refused_unless_opted_in(client: Client) -> None:
    res = client.get("/r/to", query={"where": "//evil.example/x"})
    assert res.status == 500 and res.header("Location") is None
    res = client.get("/r/to", query={"where": "//cdn.example/x", "allow": "1"})
    assert (res.status, res.header("Location")) == (303, "//cdn.example/x")


def test_a_bad_status_is_refused(client: Client) -> None:
    res = client.get("/r/to", query={"where": "/x", "status": "200"})
    assert res.status == 500 and res.header("Location") is None


@pytest.mark.parametrize(("location", "match"), [
    ("//evil.example", "scheme-relative"),
    ("/\\evil.example", "backslash"),
    ("evil.example/x", "relative"),
    ("javascript:alert(1)", "scheme is refused"),
    ("data:text/html,x", "scheme is refused"),
    ("https:evil", "needs a host"),
    ("/a\r\nSet-Cookie: x=1", "CR/LF"),
    ("", "non-empty"),
])
def test_check_location_refuses(location: str, match: str) -> None:
    with pytest.raises(RedirectError, match=match):
        check_location(location)


def test_redirect_status_checked_before_anything_changes() -> None:
    res = Response()
    with pytest.raises(RedirectError, match="301, 302, 303, 307, 308"):
        res.redirect("/x", 200)
    with pytest.raises(RedirectError):
        res.redirect("/x", True)  # type: ignore[arg-type]
    assert res.status == 200 and res.content_type == "application/json"
