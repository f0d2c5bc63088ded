"""Which plugins an app loads: only those it names.

Needs clink-log, clink-cors and clink-auth installed.
"""

import os

import clink_cors
from clink_core import App, AppConf
from clink_core.pipeline import PipelineError, PluginNameError

if __name__ == "__main__":
    os.environ.pop("CLINK_PLUGINS", None)

    # Installing a plugin changes no app: an app that names none has none.
    assert App(AppConf("book-api")).plugin_names == []

    # A name is the entry point's, its short form, the distribution's or the package's;
    # the package object itself works too.
    for plugin in ("clink_cors", "cors", "clink-cors", clink_cors):
        assert App(AppConf("book-api"), plugins=[plugin]).plugin_names == ["clink_cors"]

    # Or the configuration names them (AppConf(plugins=...), or CLINK_PLUGINS=log,cors).
    assert App(AppConf("book-api", plugins=["log", "cors"])).plugin_names == [
        "clink_log", "clink_cors"]
    os.environ["CLINK_PLUGINS"] = "log,cors"
    assert App(AppConf("book-api")).plugin_names == ["clink_log", "clink_cors"]
    # entrypoints=False: exactly the plugins passed, whatever the configuration says.
    assert App(AppConf("book-api"), plugins=["cors"], entrypoints=False).plugin_names == [
        "clink_cors"]
    del os.environ["CLINK_PLUGINS"]

    # A plugin brings the plugins it `requires`: clink-auth needs clink-mongo and clink-smtp.
    assert App(AppConf("book-api"), plugins=["auth"]).plugin_names == [
        "clink_mongo", "clink_smtp", "clink_auth"]

    # A name that is not installed is refused, listing what is.
    try:
        App(AppConf("book-api"), plugins=["corz"])
    except PluginNameError as e:
        assert "no clink plugin named 'corz'" in str(e) and "clink_cors" in str(e)
    else:
        raise AssertionError("an unknown plugin name was accepted")

    # So is an object that implements no clink hook: nothing is silently ignored.
    try:
        App(AppConf("book-api"), plugins=[os])
    except PipelineError as e:
        assert "is not a clink plugin" in str(e)
    else:
        raise AssertionError("a module with no clink hook was accepted")
    print("plugins: ok")
