"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from clink_core import App, AppConf


@pytest.fixture
def make_app() -> Callable[..., App]:
    """An App with exactly the plugins named (no entry points), not yet loaded."""

    def make(
        *coms: type, plugins: tuple[Any, ...] = (), name: str = "test-api", **conf: Any
    ) -> App:
        app = App(AppConf(name, **conf), plugins=plugins, entrypoints=False)
        for com in coms:
            app.add_ctl(com)
        return app

    return make
