"""The book API: its plugins, configuration from ``CLINK_*`` variables, ``BookCtl``.

``create_app()`` needs a reachable MongoDB (``CLINK_MONGO_URL``) and the auth
variables (``CLINK_AUTH_*``); ``run.py`` fills in development values and starts
local servers for whatever is not configured.
"""

from __future__ import annotations

import contextlib
import os

from books import BookCtl

from clink_auth import ROOT_NAME, AccSv, AuthConf
from clink_core import App, AppConf, Version
from clink_core.dflow import ExistError
from clink_mongo import MongoConf
from clink_smtp import SmtpConf

APP_CONF = AppConf(
    "book-api", "MIT", Version(1, 0, 0), "Clink developers", "https://example.invalid/clink"
)
#: Members of this group may remove books; the root account is put in it at start.
ADMIN_GROUP = "admin"
#: The plugins the demo uses (installed is not enough: an app names what it loads).
PLUGINS = ("log", "cors", "auth")
#: The database used unless ``CLINK_MONGO_DB`` names another.
DB_NAME = "book_api"


def ensure_admin(acc_sv: AccSv) -> None:
    """Create the ``admin`` group and put ``root`` in it; harmless when both are done."""
    with contextlib.suppress(ExistError):  # made by an earlier start
        acc_sv.mk_group(ADMIN_GROUP)
    root = acc_sv.find_name(ROOT_NAME)
    if root is not None:
        acc_sv.add_to_group(root["_id"], ADMIN_GROUP)  # $addToSet: at most once


def app_conf() -> AppConf:
    """``APP_CONF`` with the load balancer in front trusted (``CLINK_TRUSTED_PROXIES``,
    ``CLINK_PROXY_HEADER``): otherwise every client has the proxy's address, and the
    login throttle counts them all as one."""
    return AppConf(
        APP_CONF.name, APP_CONF.license, APP_CONF.version, APP_CONF.org_name,
        APP_CONF.org_addr,
        trusted_proxies=os.environ.get("CLINK_TRUSTED_PROXIES", ""),
        proxy_header=os.environ.get("CLINK_PROXY_HEADER", "X-Forwarded-For"),
    )


def create_app(mongo_url: str | None = None, smtp_conf: SmtpConf | None = None) -> App:
    """The loaded app. ``mongo_url`` is used when ``CLINK_MONGO_URL`` is not set;
    ``smtp_conf`` (e.g. the console outbox's) replaces the mail settings.

    The app names its plugins (clink-auth brings clink-mongo and clink-smtp, which
    it needs); each reads its own ``CLINK_*`` variables (clink-log:
    ``CLINK_LOG_DIR``, clink-cors: ``CLINK_CORS_ORIGINS``, ...).
    """
    app = App(app_conf(), plugins=PLUGINS)
    app.add_prim(MongoConf.from_env(dburl=mongo_url, dbname=DB_NAME))
    app.add_prim(AuthConf.from_env())
    if smtp_conf is not None:
        app.add_prim(smtp_conf)
    app.add_ctl(BookCtl)
    app.enable_openapi()  # /openapi.json and the Swagger UI page at /docs
    # /healthz (alive) and /readyz (ready: MongoDB answers a ping, the last mail went out)
    app.enable_health()
    app.load()
    ensure_admin(app.injector.ref(AccSv))
    return app
