"""Guarded routes are documented with bearer security in the app's OpenAPI document."""

from __future__ import annotations

from clink_auth import require_auth, require_group
from clink_core import App, AppConf, Controller, mapper


@mapper.path("/g")
class GuardedCtl(Controller):
    @mapper.get("/open")
    def open(self, req, res):
        res.body = b"{}"

    @mapper.get("/mine")
    @require_auth
    def mine(self, req, res):
        res.body = b"{}"

    @mapper.delete("/item")
    @require_group("admin")
    def remove(self, req, res):
        res.status = 204


def test_guarded_routes_get_bearer_security():
    app = App(AppConf("guard-doc"), entrypoints=False)
    app.add_ctl(GuardedCtl)
    app.load()
    paths = app.openapi()["paths"]
    assert "security" not in paths["/g/open"]["get"]
    assert paths["/g/mine"]["get"]["security"] == [{"bearer": []}]
    assert paths["/g/item"]["delete"]["security"] == [{"bearer": []}]
