"""A third-party plugin package, installed like any other, found through its entry point."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from clink_core import App, AppConf
from clink_core.cli import main
from clink_core.testing import Client, LiveServer

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    """Install examples/plugin_hello into this environment (nox's tests session has it)."""
    if importlib.util.find_spec("clink_hello") is None:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "-e",
             str(ROOT / "examples" / "plugin_hello")],
            check=True, timeout=240,
        )
        importlib.invalidate_caches()


def test_app_naming_the_plugin_gets_handler_and_controller():
    app = App(AppConf("hello-api", plugins=["hello"]))
    client = Client(app)
    res = client.get("/hello", query={"name": "Ada"})
    assert (res.status, res.text) == (200, "Hello, Ada!")
    assert res.header("X-Hello") == "hello from hello-api"
    missing = client.get("/nowhere")
    assert missing.status == 404
    assert missing.header("X-Hello") == "hello from hello-api"


def test_app_not_naming_it_does_not_see_it():
    assert Client(App(AppConf("bare-api"))).get("/hello").status == 404
    assert Client(App(AppConf("bare-api"), entrypoints=False)).get("/hello").status == 404


def test_over_a_real_socket():
    import urllib.request

    with LiveServer(App(AppConf("hello-api"), plugins=["clink-hello"])) as server, \
            urllib.request.urlopen(server.url + "/hello?name=Bob", timeout=5) as res:
        assert res.read() == b"Hello, Bob!"
        assert res.headers["X-Hello"] == "hello from hello-api"


def test_clink_plugins_lists_it(capsys):
    assert main(["plugins"]) in (0, 1)
    out = capsys.readouterr().out
    line = next(row for row in out.splitlines() if row.startswith("hello "))
    assert "clink-hello" in line
    assert "0.1.0" in line
    assert line.rstrip().endswith("ok")
