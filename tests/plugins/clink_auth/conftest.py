"""Fixtures of the clink_auth tests: a real SecantusDB (clink_mongo's fixtures), a real
aiosmtpd outbox (clink_smtp), a fake clock, and apps with the auth plugin."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from auth_helpers import PLUGINS, make_conf

from clink_auth import AccCtl, AccSv, AuthConf, AuthDbSv, FakeClock, OAuthSv
from clink_core import App
from clink_core.testing import Client
from clink_mongo import MongoConf, MongoSv
from clink_smtp.outbox import Outbox


@pytest.fixture(autouse=True)
def _no_auth_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plugins read CLINK_AUTH_* and CLINK_SMTP_*: none of the developer's may leak in."""
    import os

    for name in list(os.environ):
        if name.startswith(("CLINK_AUTH_", "CLINK_SMTP_")):
            monkeypatch.delenv(name)


@pytest.fixture
def outbox() -> Iterator[Outbox]:
    """A real SMTP server (aiosmtpd) on a free 127.0.0.1 port that keeps what it receives."""
    with Outbox(port=None, out=io.StringIO()) as box:
        yield box


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def auth_conf(outbox: Outbox) -> AuthConf:
    return make_conf(outbox.host, outbox.port)


@pytest.fixture
def auth_app(
    make_app: Callable[..., App], mongo_conf: MongoConf, outbox: Outbox, clock: FakeClock
) -> Iterator[Callable[..., App]]:
    """``auth_app(*ctls, conf=None, proxies=(), **auth_kwargs)``: an app with mongo, smtp
    and auth; ``proxies`` are its ``AppConf(trusted_proxies=...)``.

    Mail goes to the ``outbox``; time comes from ``clock``. Each app's MongoSv is
    closed and its mail jobs drained after the test.
    """
    apps: list[App] = []

    def make(
        *ctls: type, conf: AuthConf | None = None, proxies: tuple[str, ...] = (), **kwargs: Any
    ) -> App:
        app = make_app(*ctls, plugins=PLUGINS, trusted_proxies=proxies)
        app.add_prim(mongo_conf, conf or make_conf(outbox.host, outbox.port, **kwargs), clock)
        apps.append(app)
        return app

    yield make
    for app in apps:
        if app.loaded:
            for ctl in app.injector.sub_ref(AccCtl):
                ctl.mail.drain(10)
        for sv in app.injector.sub_ref(MongoSv):
            sv.close()


@pytest.fixture
def app(auth_app: Callable[..., App]) -> App:
    application = auth_app()
    application.load()
    return application


@pytest.fixture
def client(app: App) -> Client:
    return Client(app)


@pytest.fixture
def acc_sv(app: App) -> AccSv:
    return app.injector.ref(AccSv)


@pytest.fixture
def oauth_sv(app: App) -> OAuthSv:
    return app.injector.ref(OAuthSv)


@pytest.fixture
def authdb_sv(app: App) -> AuthDbSv:
    return app.injector.ref(AuthDbSv)
