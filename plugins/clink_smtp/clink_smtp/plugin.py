"""The ``clink.plugins`` entry point: an ``SmtpConf`` from the environment when one is set.

``SmtpSv`` is not added here: the injector creates it for any component that
depends on it, so apps that send no mail need no SMTP configuration at all.
"""

from __future__ import annotations

import os
from typing import Any

from clink_core import hookimpl

from .conf import SmtpConf


@hookimpl
def clink_setup(app: Any) -> None:
    """Add ``SmtpConf.from_env()`` when ``CLINK_SMTP_HOST`` is set and the app has none."""
    if os.environ.get("CLINK_SMTP_HOST") and not app.injector.has_prim(SmtpConf):
        app.add_prim(SmtpConf.from_env())
