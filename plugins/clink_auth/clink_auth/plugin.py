"""The ``clink.plugins`` entry point: accounts and tokens in every app that has an AuthConf.

At ``load()``, after the other plugins' setup (``trylast``), so an ``SmtpConf``
from ``CLINK_SMTP_HOST`` is already there when one was configured:

- no ``AuthConf`` in the app and no ``CLINK_AUTH_JWT_KEY`` in the environment:
  nothing is added, the app is not affected;
- otherwise (``AuthConf.from_env()`` when the app gave none): the ``SmtpConf``
  of ``AuthConf`` unless the app has one, a ``Clock`` unless the app has one,
  the level-3 ``AuthReqHandler`` (route guards), the level-7
  ``OAuthErrorHandler`` and the controllers ``AccCtl`` (/acc) and
  ``AuthCtl`` (/auth/token). Services are created by the injector on demand.

The app still adds a ``MongoConf`` (clink_mongo) for the database.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from clink_core import hookimpl
from clink_core.com import ComExistError
from clink_smtp import SmtpConf

from .clock import Clock
from .conf import AuthConf
from .ctl import AccCtl, AuthCtl
from .guard import AuthReqHandler
from .handler import OAuthErrorHandler

#: Plugins clink-auth needs: MongoDB outages answered 503, mail configured from the environment.
requires = ("clink_mongo", "clink_smtp")


@hookimpl(trylast=True)
def clink_setup(app: Any) -> None:
    """Add the auth handlers, controllers and default primitives when auth is configured."""
    injector = app.injector
    if not injector.has_prim(AuthConf):
        if not os.environ.get("CLINK_AUTH_JWT_KEY"):
            return
        app.add_prim(AuthConf.from_env())
    auth_conf = injector.ref(AuthConf)
    app.add_default_prim(SmtpConf, lambda: auth_conf.smtp_conf)
    app.add_default_prim(Clock, Clock)
    app.add_handler(AuthReqHandler)
    app.add_handler(OAuthErrorHandler)
    for ctl in (AccCtl, AuthCtl):
        with contextlib.suppress(ComExistError):  # the app added it itself
            app.add_ctl(ctl)
