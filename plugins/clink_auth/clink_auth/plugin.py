"""The ``clink.plugins`` entry point: accounts and tokens for the apps that enable it.

An app enables it by name, ``App(conf, plugins=["auth"])`` or
``AppConf(plugins=["auth"])`` (``CLINK_PLUGINS=auth``); the plugins it
``requires`` (clink_mongo: MongoDB outages answered 503; clink_smtp: mail
configured from the environment) come with it.

``clink_setup`` (``trylast``, so an ``SmtpConf`` from ``CLINK_SMTP_HOST`` is
already there when one was configured):

- no ``AuthConf`` in the app and no ``CLINK_AUTH_JWT_KEY`` in the environment:
  nothing is added;
- otherwise (``AuthConf.from_env()`` when the app gave none): the ``SmtpConf``
  of ``AuthConf`` unless the app has one, a ``Clock`` unless the app has one,
  the level-7 ``OAuthErrorHandler`` and the controllers ``AccCtl`` (/acc) and
  ``AuthCtl`` (/auth/token). Services are created by the injector on demand.

``clink_route``: each route guarded by ``@require_auth``/``@require_group``
gets a handle that authenticates with the app's ``OAuthSv`` (``guard_route``).
A guarded route in an app where auth is not configured fails ``load()``.

The app still adds a ``MongoConf`` (clink_mongo) for the database.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from clink_core import hookimpl
from clink_core.plugin import ComExistError, Route
from clink_smtp import SmtpConf

from .clock import Clock
from .conf import AuthConf
from .ctl import AccCtl, AuthCtl
from .error import AuthSetupError
from .guard import guard_route, route_guard
from .handler import OAuthErrorHandler
from .oauth import OAuthSv

#: Plugins clink-auth needs: MongoDB outages answered 503, mail configured from the environment.
requires = ("clink_mongo", "clink_smtp")


@hookimpl(trylast=True)
def clink_setup(app: Any) -> None:
    """Add the auth handler, controllers and default primitives when auth is configured."""
    injector = app.injector
    if not injector.has_prim(AuthConf):
        if not os.environ.get("CLINK_AUTH_JWT_KEY"):
            return
        app.add_prim(AuthConf.from_env())
    auth_conf = injector.ref(AuthConf)
    app.add_default_prim(SmtpConf, lambda: auth_conf.smtp_conf)
    app.add_default_prim(Clock, Clock)
    app.add_handler(OAuthErrorHandler)
    for ctl in (AccCtl, AuthCtl):
        with contextlib.suppress(ComExistError):  # the app added it itself
            app.add_ctl(ctl)


@hookimpl
def clink_route(app: Any, route: Route) -> None:
    """Give a guarded route a handle that checks its bearer token (and groups)."""
    if route_guard(route) is None:
        return
    if not app.injector.has_prim(AuthConf):
        raise AuthSetupError(
            f"route {route} is guarded by clink_auth but the app has no AuthConf: add one "
            "(app.add_prim(AuthConf(...))) or set CLINK_AUTH_JWT_KEY and the other "
            "CLINK_AUTH_* variables"
        )
    guard_route(route, app.injector.ref(OAuthSv))
