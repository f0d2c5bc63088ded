"""The ``clink.plugins`` entry point: an ``SmtpConf`` from the environment when one is set,
and the mail queue drained when the app stops.

``SmtpSv`` is not added here: the injector creates it for any component that
depends on it, so apps that send no mail need no SMTP configuration at all.
"""

from __future__ import annotations

import os
from typing import Any

from clink_core import hookimpl

from .conf import SmtpConf
from .service import SmtpSv


@hookimpl
def clink_setup(app: Any) -> None:
    """Add ``SmtpConf.from_env()`` when ``CLINK_SMTP_HOST`` is set and the app has none."""
    if os.environ.get("CLINK_SMTP_HOST") and not app.injector.has_prim(SmtpConf):
        app.add_prim(SmtpConf.from_env())


@hookimpl(tryfirst=True)  # first: what it logs must reach logs that are still open
def clink_shutdown(app: Any) -> None:
    """Drain every ``SmtpSv``'s mail queue (at most ``SmtpConf.drain_timeout`` seconds
    each); mail left unsent is logged with its recipients' count, never lost silently."""
    for smtp_sv in app.injector.sub_ref(SmtpSv):
        smtp_sv.drain()
