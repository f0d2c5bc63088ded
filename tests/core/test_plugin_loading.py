"""Which plugins an app loads: only those it names, never what is merely installed."""

from __future__ import annotations

import sys
import types
from importlib.metadata import EntryPoint

import pytest

from clink_core import App, AppConf, Controller, hookimpl, mapper
from clink_core.app import plugins as plugins_module
from clink_core.pipeline import PipelineError, PluginLoadError, PluginNameError
from clink_core.testing import Client

PLUGIN_SOURCE = (
    "from clink_core import hookimpl\n"
    "@hookimpl\n"
    "def clink_responding(req, res):\n"
    "    res.header['X-{name}'] = 'on'\n"
)


@mapper.path("/t")
class PingCtl(Controller):
    @mapper.get("/ping")
    def ping(self, req, res):
        res.body = {"ok": True}


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """Fake installed plugins: ``installed(name, source=None)`` -> the entry point."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("CLINK_PLUGINS", raising=False)
    monkeypatch.delenv("CLINK_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    eps: list[EntryPoint] = []
    monkeypatch.setattr(plugins_module, "plugin_entry_points", lambda: list(eps))

    def install(name: str, source: str | None = None, module: str | None = None) -> EntryPoint:
        module = module or f"fake_{name}_plugin"
        (tmp_path / f"{module}.py").write_text(source or PLUGIN_SOURCE.format(name=name))
        sys.modules.pop(module, None)
        ep = EntryPoint(name, module, "clink.plugins")
        eps.append(ep)
        return ep

    install.eps = eps  # type: ignore[attr-defined]
    return install


def headers(app: App) -> set[str]:
    app.add_ctl(PingCtl)
    res = Client(app).get("/t/ping")
    assert res.status == 200
    return {k for k in res.headers if k.startswith("X-")}


def test_an_installed_plugin_is_not_loaded_unless_named(installed):
    installed("clink_cors")
    assert headers(App(AppConf("a"))) == set()


def test_conf_names_plugins_by_entry_point_short_or_module_name(installed):
    installed("clink_cors")
    installed("clink_log")
    installed("hello")
    app = App(AppConf("a", plugins=["cors", "clink_log", "fake_hello_plugin"]))
    assert headers(app) == {"X-clink_cors", "X-clink_log", "X-hello"}
    assert {"clink_cors", "clink_log", "hello"} <= set(app.plugin_names)


def test_clink_plugins_env_is_read_when_the_conf_names_none(installed, monkeypatch):
    installed("clink_cors")
    installed("clink_log")
    monkeypatch.setenv("CLINK_PLUGINS", "log")
    assert headers(App(AppConf("a"))) == {"X-clink_log"}
    # the app's own configuration wins over the environment
    assert headers(App(AppConf("a", plugins=["cors"]))) == {"X-clink_cors"}
    assert headers(App(AppConf("a", plugins=[]))) == set()
    assert AppConf.from_env({"CLINK_APP_NAME": "a", "CLINK_PLUGINS": "log, cors"}).plugins == (
        "log", "cors",
    )


def test_star_loads_every_installed_plugin_unless_autoload_is_disabled(installed, monkeypatch):
    installed("clink_cors")
    installed("clink_log")
    monkeypatch.setenv("CLINK_PLUGINS", "*")
    assert headers(App(AppConf("a"))) == {"X-clink_cors", "X-clink_log"}
    assert headers(App(AppConf("a"), entrypoints=True)) == {"X-clink_cors", "X-clink_log"}
    monkeypatch.setenv("CLINK_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert headers(App(AppConf("a"))) == set()
    assert headers(App(AppConf("a"), entrypoints=True)) == set()
    # names given explicitly still load: the switch turns off loading by installation only
    assert headers(App(AppConf("a", plugins=["*", "log"]))) == {"X-clink_log"}


def test_entrypoints_false_loads_only_the_plugins_passed(installed, monkeypatch):
    installed("clink_cors")
    monkeypatch.setenv("CLINK_PLUGINS", "cors")
    assert headers(App(AppConf("a", plugins=["cors"]), entrypoints=False)) == set()
    assert headers(App(AppConf("a"), plugins=["cors"], entrypoints=False)) == {"X-clink_cors"}


def test_a_broken_plugin_fails_only_when_named(installed):
    installed("broken", "raise ImportError('needs libfoo')\n")
    assert headers(App(AppConf("a"))) == set()
    with pytest.raises(PluginLoadError, match=r"'broken'.*needs libfoo"):
        App(AppConf("a", plugins=["broken"]))


def test_an_unknown_name_is_refused_with_the_installed_ones(installed):
    installed("clink_cors")
    with pytest.raises(PluginNameError, match=r"no clink plugin named 'corz'.*clink_cors"):
        App(AppConf("a", plugins=["corz"]))


def test_an_ambiguous_name_is_refused(installed):
    installed("clink_cors")
    installed("cors", module="other_cors_plugin")
    with pytest.raises(PluginNameError, match="ambiguous"):
        plugins_module.find_entry_point("CORS")
    # the exact entry point name is never ambiguous
    assert plugins_module.find_entry_point("cors").name == "cors"


def test_a_package_resolves_to_the_entry_point_inside_it(installed, tmp_path):
    package = tmp_path / "fake_pkg"
    package.mkdir()
    (package / "__init__.py").write_text('"""A plugin package whose hooks live in .plugin."""\n')
    (package / "plugin.py").write_text(PLUGIN_SOURCE.format(name="pkg"))
    for name in ("fake_pkg", "fake_pkg.plugin"):
        sys.modules.pop(name, None)
    installed("other")
    installed.eps.append(EntryPoint("fake_pkg", "fake_pkg.plugin", "clink.plugins"))
    import fake_pkg

    assert headers(App(AppConf("a"), plugins=[fake_pkg])) == {"X-pkg"}
    assert headers(App(AppConf("a"), plugins=["fake_pkg"])) == {"X-pkg"}


def test_an_object_with_no_clink_hook_is_refused():
    nothing = types.ModuleType("not_a_plugin")
    with pytest.raises(PipelineError, match=r"not_a_plugin.*implements no clink hook"):
        App(AppConf("a"), plugins=[nothing])
    with pytest.raises(PipelineError, match="implements no clink hook"):
        App(AppConf("a"), plugins=[object()])


def test_a_plugin_pulls_in_the_plugins_it_requires(installed):
    installed("clink_base")
    installed(
        "clink_top",
        PLUGIN_SOURCE.format(name="clink_top") + "requires = ('base',)\n",
    )
    app = App(AppConf("a", plugins=["top"]))
    assert headers(app) == {"X-clink_base", "X-clink_top"}


def test_the_same_plugin_named_twice_is_registered_once(installed):
    installed("clink_cors")
    app = App(AppConf("a", plugins=["cors", "clink_cors", "clink-cors"]))
    assert app.plugin_names.count("clink_cors") == 1


def test_plugin_objects_with_hook_functions_still_work():
    @hookimpl
    def clink_responding(req, res):
        res.header["X-Object"] = "on"

    app = App(AppConf("a"), plugins=[types.SimpleNamespace(clink_responding=clink_responding)])
    assert headers(app) == {"X-Object"}
