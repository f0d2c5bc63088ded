"""The pipeline: plugins, handler classes, ordering, compilation, error path."""

from __future__ import annotations

import logging
import types

import pluggy
import pytest

from clink_core import AppStateError, Controller, hookimpl, mapper, stamp
from clink_core.com import PrimError, Primitive
from clink_core.error.http import Http404Error
from clink_core.iface import ILv1Handler, ILv3Handler, ILv5Handler
from clink_core.pipeline import PipelineError
from clink_core.testing import Client


@stamp()
@mapper.path("/t")
class TraceCtl(Controller):
    @mapper.get("/ok")
    def ok(self, req, res):
        req.trace.append("main")
        res.content_type = "text/plain"
        res.body = ",".join(req.trace)

    @mapper.get("/boom")
    def boom(self, req, res):
        raise RuntimeError("secret detail")

    @mapper.get("/missing")
    def missing(self, req, res):
        raise Http404Error(req, "nothing here")

    @mapper.get("/dict")
    def dict_body(self, req, res):
        res.body = {"a": 1}


def _start(req, res):
    req.trace = []


def plugin(**hooks):
    """A plugin object holding the given hook functions."""
    return types.SimpleNamespace(**hooks)


def trace_hook(name, **opts):
    @hookimpl(**opts)
    def clink_pre_main(req, res):
        req.trace.append(name)

    return clink_pre_main


@hookimpl(tryfirst=True)
def start_trace(req, res):
    _start(req, res)


def test_levels_run_in_pluggy_order_mixing_functions_and_classes(make_app):
    @stamp()
    class First(ILv3Handler):
        tryfirst = True

        def handle(self, req, res):
            req.trace.append("class-first")

    @stamp()
    class Normal(ILv3Handler):
        def handle(self, req, res):
            req.trace.append("class-normal")

    @stamp()
    class Normal2(ILv3Handler):
        def handle(self, req, res):
            req.trace.append("class-normal2")

    plugins = (
        plugin(clink_pre_routing=start_trace),
        plugin(clink_pre_main=trace_hook("fn-last", trylast=True)),
        plugin(clink_pre_main=trace_hook("fn-normal")),
    )
    app = make_app(TraceCtl, plugins=plugins)
    app.add_handler(First)
    app.add_handler(Normal)
    app.add_handler(Normal2)
    res = Client(app).get("/t/ok")
    assert res.status == 200
    assert res.text == "class-first,class-normal,class-normal2,fn-normal,fn-last,main"


def test_hook_function_may_take_a_subset_of_arguments(make_app):
    @hookimpl
    def clink_responding(res):
        res.header["X-Seen"] = "yes"

    app = make_app(TraceCtl, plugins=(plugin(clink_pre_routing=start_trace),
                                      plugin(clink_responding=clink_responding)))
    res = Client(app).get("/t/ok")
    assert res.header("X-Seen") == "yes"


def test_single_level_plugin_replaces_kernel_default(make_app):
    @hookimpl
    def clink_sending(req, res, wsgi_send):
        wsgi_send("200 OK", [("Content-Type", "text/plain")])
        return [b"custom sender"]

    app = make_app(TraceCtl, plugins=(plugin(clink_pre_routing=start_trace),
                                      plugin(clink_sending=clink_sending)))
    assert Client(app).get("/t/ok").text == "custom sender"


def test_request_path_calls_no_pluggy_hook(make_app, monkeypatch):
    app = make_app(TraceCtl, plugins=(plugin(clink_pre_routing=start_trace),
                                      plugin(clink_pre_main=trace_hook("x"))))
    app.load()
    calls = []
    inner = app.pm._inner_hookexec

    def counting(*args, **kwargs):
        calls.append(args[0])
        return inner(*args, **kwargs)

    monkeypatch.setattr(app.pm, "_inner_hookexec", counting)
    monkeypatch.setattr(pluggy._callers, "_multicall", lambda *a, **k: calls.append(a))
    client = Client(app)
    assert client.get("/t/ok").status == 200
    assert client.get("/t/missing").status == 404
    assert client.get("/t/boom").status == 500
    assert calls == []


def test_wrapper_impl_on_a_level_is_rejected(make_app):
    @hookimpl(wrapper=True)
    def clink_pre_main(req, res):
        return (yield)

    app = make_app(TraceCtl, plugins=(plugin(clink_pre_main=clink_pre_main),))
    with pytest.raises(PipelineError, match="wrapper"):
        app.load()


def test_misspelled_hook_fails_load(make_app):
    @hookimpl
    def clink_pre_mian(req, res):
        pass

    app = make_app(TraceCtl, plugins=(plugin(clink_pre_mian=clink_pre_mian),))
    with pytest.raises(pluggy.PluginValidationError, match="clink_pre_mian"):
        app.load()


def test_adding_after_load_is_an_error(make_app):
    app = make_app(TraceCtl)
    app.load()
    with pytest.raises(AppStateError, match="after load"):
        app.add_ctl(TraceCtl)
    with pytest.raises(AppStateError, match="after load"):
        app.add_plugin(plugin())
    with pytest.raises(AppStateError, match="already loaded"):
        app.load()


def test_handler_must_be_a_level_handler(make_app):
    app = make_app()
    with pytest.raises(PipelineError, match="not a handler"):
        app.add_handler(TraceCtl)


def test_setup_hook_adds_components_and_default_primitives(make_app):
    class GreetConf(Primitive):
        def __init__(self, word):
            self.word = word

    @stamp(GreetConf)
    class Greeter(ILv1Handler):
        def __init__(self, conf):
            self.word = conf.word

        def handle(self, req, res):
            req.trace = [self.word]

    @hookimpl
    def clink_setup(app):
        app.add_default_prim(GreetConf, lambda: GreetConf("default"))
        app.add_handler(Greeter)
        app.add_ctl(TraceCtl)

    app = make_app(plugins=(plugin(clink_setup=clink_setup),))
    assert Client(app).get("/t/ok").text == "default,main"
    app = make_app(plugins=(plugin(clink_setup=clink_setup),))
    app.add_prim(GreetConf("mine"))
    assert Client(app).get("/t/ok").text == "mine,main"


def test_missing_primitive_named_at_load(make_app):
    class NeedConf(Primitive):
        pass

    @stamp(NeedConf)
    class Needy(ILv1Handler):
        def __init__(self, conf):
            pass

        def handle(self, req, res):
            pass

    app = make_app()
    app.add_handler(Needy)
    with pytest.raises(PrimError, match="Needy"):
        app.load()


def test_error_path_runs_responding_handlers(make_app):
    @stamp()
    class Cors(ILv5Handler):
        def handle(self, req, res):
            res.header["X-Cors"] = "on"

    app = make_app(TraceCtl)
    app.add_handler(Cors)
    res = Client(app).get("/nowhere")
    assert res.status == 404
    assert res.header("X-Cors") == "on"
    assert res.json == {
        "status": 404,
        "status_name": "404 Not Found",
        "message": "no route for path /nowhere",
    }


def test_unexpected_error_is_a_generic_500_logged_with_traceback(make_app, caplog):
    app = make_app(TraceCtl, plugins=(plugin(clink_pre_routing=start_trace),))
    with caplog.at_level(logging.ERROR, logger="clink.error"):
        res = Client(app).get("/t/boom")
    assert res.status == 500
    assert res.content_type == "application/json"
    assert "secret detail" not in res.text
    assert res.json["message"].startswith("internal server error")
    assert "secret detail" in caplog.text
    assert "Traceback" in caplog.text


def test_dict_body_is_json_with_no_plugin(make_app):
    assert Client(make_app(TraceCtl)).get("/t/dict").json == {"a": 1}


def test_exception_inside_error_path_gives_bare_500(make_app, caplog):
    @hookimpl
    def clink_error(req, res, e):
        raise ValueError("error handler broke")

    app = make_app(TraceCtl, plugins=(plugin(clink_error=clink_error),))
    with caplog.at_level(logging.ERROR, logger="clink.error"):
        res = Client(app).get("/t/missing")
    assert res.status == 500
    assert res.json["status"] == 500
    assert "error handler broke" in caplog.text


def test_later_error_handlers_refine_the_kernel_answer(make_app):
    @hookimpl
    def clink_error(req, res, e):
        if isinstance(e, RuntimeError):
            res.status = 503
            res.body["status"] = 503
            res.body["status_name"] = "503 Service Unavailable"
            res.header["Retry-After"] = "3"

    app = make_app(TraceCtl, plugins=(plugin(clink_pre_routing=start_trace),
                                      plugin(clink_error=clink_error)))
    res = Client(app).get("/t/boom")
    assert res.status == 503
    assert res.header("Retry-After") == "3"
    assert res.json["status_name"] == "503 Service Unavailable"


def test_unloaded_app_answers_500(make_app, caplog):
    from werkzeug.test import Client as WClient

    app = make_app(TraceCtl)
    with caplog.at_level(logging.ERROR, logger="clink.error"):
        res = WClient(app).get("/t/ok")
    assert res.status_code == 500
    assert res.get_json()["status"] == 500
    assert "call app.load()" in caplog.text


def test_clink_route_lets_a_plugin_wrap_a_route_handle(make_app):
    seen = []

    @hookimpl
    def clink_route(app, route):
        seen.append(str(route))
        if route.path == "/t/dict":
            original = route.handle

            def wrapped(req, res):
                original(req, res)
                res.body["wrapped"] = True

            route.handle = wrapped

    app = make_app(TraceCtl, plugins=(plugin(clink_route=clink_route),))
    client = Client(app)
    assert client.get("/t/dict").json == {"a": 1, "wrapped": True}
    assert client.get("/t/missing").status == 404
    assert "GET /t/dict" in seen and "GET /t/boom" in seen


def test_a_handler_whose_handle_takes_other_names_is_refused_at_definition():
    with pytest.raises(PipelineError, match=r"handle\(request, response\).*\(req, res\)"):

        class Wrong(ILv3Handler):
            def handle(self, request, response):
                pass


def test_hookspecs_come_from_the_level_table():
    from clink_core.pipeline import LEVELS, ClinkSpec
    from clink_core.pipeline.manager import PluginManager

    pm = PluginManager()
    for level in LEVELS:
        if level.hook is None:
            continue
        spec = getattr(pm.hook, level.hook).spec
        assert tuple(spec.argnames) == level.args
        assert spec.opts["firstresult"] is level.single
        assert f"Level {level.number}" in getattr(ClinkSpec, level.hook).__doc__
