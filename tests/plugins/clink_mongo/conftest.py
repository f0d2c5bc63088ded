"""Fixtures of the clink_mongo tests.

``mongo_url``, ``mongo_client``, ``mongo_conf``, ``mongo_sv`` and ``mongo_process``
come from the plugin's own pytest entry point (clink_mongo.testing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import clink_mongo
from clink_core import App
from clink_mongo import MongoConf, MongoSv


@pytest.fixture
def mongo_app(make_app: Callable[..., App]) -> Iterator[Callable[..., App]]:
    """``mongo_app(conf, *ctls)``: an app with the clink_mongo plugin and ``conf``.

    The apps' MongoSv clients are closed after the test.
    """
    apps: list[App] = []

    def make(conf: MongoConf, *ctls: type, prims: tuple[Any, ...] = ()) -> App:
        app = make_app(*ctls, plugins=(clink_mongo.plugin,))
        app.add_prim(conf, *prims)
        apps.append(app)
        return app

    yield make
    for app in apps:
        for sv in app.injector.sub_ref(MongoSv):
            sv.close()
