"""The ``clink.plugins`` entry point: database outages answered 503 in every app, a
readiness check, the ``clink_mongo_event_listeners`` hook (``hookspecs``), and the
clients closed when the app stops."""

from __future__ import annotations

from typing import Any

from clink_core import hookimpl
from clink_core.plugin import HealthCheck

from .handler import MongoUnavailableHandler
from .hookspecs import MongoHookSpec, MongoListeners, listeners_of
from .service import MongoSv
from .type import MongoRetryConf

#: seconds the readiness ping may take, finding the server included.
HEALTH_TIMEOUT = 1.0


@hookimpl
def clink_setup(app: Any) -> None:
    """Add the 503 handler and its conf (``MongoRetryConf.from_env()`` unless given), and
    the ``MongoListeners`` that hands ``MongoSv`` what plugins return from the
    ``clink_mongo_event_listeners`` hook.

    ``MongoSv`` itself is not added: an app adds it (``app.add_com(MongoSv)``)
    together with its ``MongoConf``, or a plugin that needs it does.
    """
    app.pm.add_hookspecs(MongoHookSpec)
    app.add_default_prim(MongoRetryConf)
    app.add_default_prim(MongoListeners, lambda: MongoListeners(gather=lambda: listeners_of(app)))
    app.add_handler(MongoUnavailableHandler)


@hookimpl
def clink_health_checks(app: Any) -> list[HealthCheck]:
    """``mongo`` (``mongo:<dbname>`` for each of several services): the server answers a
    ping within ``HEALTH_TIMEOUT`` seconds."""
    services = app.injector.sub_ref(MongoSv)
    checks = []
    for sv in services:
        name = "mongo" if len(services) == 1 else f"mongo:{sv.conf.dbname}"

        def ping(sv: MongoSv = sv) -> None:
            sv.ping(timeout=HEALTH_TIMEOUT)

        checks.append(HealthCheck(name, ping))
    return checks


@hookimpl(trylast=True)  # last: other plugins' shutdown work may still read the database
def clink_shutdown(app: Any) -> None:
    """Close every ``MongoSv``'s client (its connections and monitor threads)."""
    for sv in app.injector.sub_ref(MongoSv):
        sv.close()
