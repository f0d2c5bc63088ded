"""Fixtures of the clink_log tests: an app logging into ``tmp_path``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import clink_log
from clink_core import App
from clink_log import LogConf, LogSv
from clink_log_helpers import LogCtl


@pytest.fixture
def log_app(make_app: Callable[..., App], tmp_path: Path) -> Iterator[Callable[..., App]]:
    """``log_app(**LogConf kwargs)``: a loaded app with clink_log logging into ``tmp_path/logs``
    (or to ``stream=``)."""
    apps: list[App] = []

    def make(*ctls: type, plugins: tuple[Any, ...] = (), **conf: Any) -> App:
        if conf.get("stream") is None:
            conf.setdefault("directory", tmp_path / "logs")
        app = make_app(*(ctls or (LogCtl,)), plugins=(clink_log.plugin, *plugins))
        app.add_prim(LogConf(**conf))
        app.load()
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.injector.ref(LogSv).close()
