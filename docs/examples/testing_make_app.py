"""Testing: the make_app fixture comes with clink-core (a pytest plugin), no conftest needed.

`python testing_make_app.py` runs these tests with pytest; in a project, put them in
tests/ and run `pytest`.
"""

import sys
from collections.abc import Callable

import pytest

from clink_core import App, Controller, Request, Response, mapper
from clink_core.testing import Client, LiveServer

MakeApp = Callable[..., App]


@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/item")
    def get_item(self, req: Request, res: Response) -> None:
        res.body = {"name": "How to Die", "id": req.args.get("id")}


def test_get_book(make_app: MakeApp) -> None:
    app: App = make_app(BookCtl)  # not loaded yet: add primitives first if you need to
    res = Client(app).get("/book/item", query={"id": "7"})  # Client loads it
    assert res.status == 200 and res.json == {"name": "How to Die", "id": "7"}


def test_plugins_are_only_those_named(make_app: MakeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINK_PLUGINS", "cors")  # ignored by make_app
    assert make_app(BookCtl).plugin_names == []
    assert make_app(BookCtl, plugins=["cors"]).plugin_names == ["clink_cors"]


def test_body_limit(make_app: MakeApp) -> None:
    client = Client(make_app(BookCtl, max_body=10))  # keywords go to AppConf
    assert client.post("/book/item", data=b"x" * 11, content_type="text/plain").status == 413


def test_over_a_real_socket(make_app: MakeApp) -> None:
    import urllib.request

    with LiveServer(make_app(BookCtl)) as server, \
            urllib.request.urlopen(f"{server.url}/book/item?id=1") as answer:
        assert answer.status == 200


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
