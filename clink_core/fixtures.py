"""pytest fixtures for projects built on clink (a pytest plugin: ``pytest11`` entry point).

Installed with clink-core, so a project's tests can use them with no conftest:

    def test_get_book(make_app):
        client = Client(make_app(BookCtl))
        assert client.get("/book/item").status == 200
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .app.app import App
from .type.conf import AppConf


@pytest.fixture
def make_app() -> Callable[..., App]:
    """``make_app(*controllers, plugins=(), name="test-api", **conf)``: an ``App`` with
    exactly the plugins named (the environment's ``CLINK_PLUGINS`` is ignored), not yet
    loaded; ``conf`` goes to ``AppConf`` (``max_body=...``, ``check_responses=True``...).
    """

    def make(
        *ctls: type, plugins: tuple[Any, ...] = (), name: str = "test-api", **conf: Any
    ) -> App:
        app = App(AppConf(name, **conf), plugins=plugins, entrypoints=False)
        for ctl in ctls:
            app.add_ctl(ctl)
        return app

    return make
