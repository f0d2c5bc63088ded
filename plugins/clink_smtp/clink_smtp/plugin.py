"""The ``clink.plugins`` entry point: an ``SmtpConf`` from the environment when one is set,
the ``clink_smtp_send_listeners`` hook (``hookspecs``), a readiness check, and the mail
queue drained when the app stops.

``SmtpSv`` is not added here: the injector creates it for any component that
depends on it, so apps that send no mail need no SMTP configuration at all.
"""

from __future__ import annotations

import os
from typing import Any

from clink_core import hookimpl
from clink_core.plugin import HealthCheck

from .conf import SmtpConf
from .hookspecs import SmtpHookSpec, SmtpListeners, listeners_of
from .service import SmtpSv

#: seconds the readiness check's connection to the mail server may take.
HEALTH_TIMEOUT = 1.0


@hookimpl
def clink_setup(app: Any) -> None:
    """Add ``SmtpConf.from_env()`` when ``CLINK_SMTP_HOST`` is set and the app has none,
    and the ``SmtpListeners`` that hands ``SmtpSv`` what plugins return from the
    ``clink_smtp_send_listeners`` hook."""
    app.pm.add_hookspecs(SmtpHookSpec)
    if os.environ.get("CLINK_SMTP_HOST") and not app.injector.has_prim(SmtpConf):
        app.add_prim(SmtpConf.from_env())
    app.add_default_prim(SmtpListeners, lambda: SmtpListeners(gather=lambda: listeners_of(app)))


@hookimpl
def clink_health_checks(app: Any) -> list[HealthCheck]:
    """``smtp``: ready unless the last send failed on the server's side (unreachable,
    TLS, login, refused message). Then the mail server is asked again (connect, TLS,
    login, within ``HEALTH_TIMEOUT`` s): ready again as soon as it answers, without
    waiting for a mail to be sent."""
    services = app.injector.sub_ref(SmtpSv)
    checks = []
    for sv in services:
        name = "smtp" if len(services) == 1 else f"smtp:{sv.conf.host}:{sv.conf.port}"

        def check(sv: SmtpSv = sv) -> None:
            if sv.last_failure is not None:
                sv.probe(timeout=HEALTH_TIMEOUT)

        checks.append(HealthCheck(name, check))
    return checks


@hookimpl(tryfirst=True)  # first: what it logs must reach logs that are still open
def clink_shutdown(app: Any) -> None:
    """Drain every ``SmtpSv``'s mail queue (at most ``SmtpConf.drain_timeout`` seconds
    each); mail left unsent is logged with its recipients' count, never lost silently."""
    for smtp_sv in app.injector.sub_ref(SmtpSv):
        smtp_sv.drain()
