"""``App.declare_context``: declared ``req.context`` attributes live in slots, made on arrival."""

from __future__ import annotations

from typing import Any

import pytest

from clink_core import App, AppConf, Controller, mapper, stamp
from clink_core.iface import ILv1Handler
from clink_core.testing import Client
from clink_core.type import Context, ContextNameError, Request


class SetsId(ILv1Handler):
    def handle(self, req: Any, res: Any) -> None:
        req.context.rid = "r-1"


@stamp()
@mapper.path("/c")
class ContextCtl(Controller):
    @mapper.get("/")
    def show(self, req: Any, res: Any) -> None:
        ctx = req.context
        ctx.mine = 2  # undeclared: the instance dict
        res.body = {
            "rid": ctx.rid, "get": ctx.get("rid"), "absent": ctx.get("nope", "dflt"),
            "has": ["rid" in ctx, "mine" in ctx, "nope" in ctx, "get" in ctx],
            "repr": repr(ctx), "type": type(ctx).__name__, "slots": list(type(ctx).names),
        }


def _app(declare: bool) -> App:
    app = App(AppConf("ctx-app"), entrypoints=False)
    app.add_handler(SetsId)
    app.add_ctl(ContextCtl)
    if declare:
        app.declare_context("rid", "rid")  # a repeated name counts once
    app.load()
    return app


@pytest.mark.parametrize("declare", [True, False])
def test_declared_and_lazy_contexts_answer_alike(declare: bool) -> None:
    body = Client(_app(declare)).get("/c/").json
    assert body["rid"] == body["get"] == "r-1"
    assert body["absent"] == "dflt"
    assert body["has"] == [True, True, False, False]
    assert body["repr"] == "Context(rid='r-1', mine=2)"
    assert body["slots"] == (["rid"] if declare else [])


def test_declared_context_is_a_slot_made_on_arrival() -> None:
    app = _app(True)
    rt = app.request_type
    assert rt.new_context is not None and rt.new_context.names == ("rid",)
    assert isinstance(rt.__dict__["context"], type(Request.__dict__["env"]))  # a member
    req = rt({"REQUEST_METHOD": "GET"})  # made directly: __init__ makes it too
    assert isinstance(req.context, Context) and "rid" not in req.context
    req.context.rid = "x"
    assert req.context.get("rid") == "x"
    assert _app(False).request_type.new_context is None


@pytest.mark.parametrize("name", ["not an id", "class", "get", "names", "__dict__", 3])
def test_bad_names_fail_at_once(name: Any) -> None:
    app = App(AppConf("ctx-bad"), entrypoints=False)
    with pytest.raises(ContextNameError, match=r"req\.context"):
        app.declare_context(name)


def test_declaring_after_load_fails() -> None:
    app = _app(False)
    with pytest.raises(Exception, match=r"declare req\.context"):
        app.declare_context("late")


def test_context_with_names_keeps_other_attributes() -> None:
    cls = Context.with_names(["a"])
    ctx = cls()
    ctx.a, ctx.b = 1, 2
    assert ctx.get("a") == 1 and ctx.get("b") == 2 and "a" in ctx and "b" in ctx
    assert repr(ctx) == "Context(a=1, b=2)"
    assert "a" not in ctx.__dict__  # the slot, not the dict
