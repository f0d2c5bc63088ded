"""The ``clink.plugins`` entry point: makes ``SmtpSv`` available to apps that configure SMTP."""

from __future__ import annotations

import contextlib
import os
from typing import Any

from clink_core import hookimpl
from clink_core.com import ComExistError

from .conf import SmtpConf
from .service import SmtpSv


@hookimpl
def clink_setup(app: Any) -> None:
    """Add ``SmtpSv`` when there is an ``SmtpConf``: one the app added, or one from env.

    With neither (no ``CLINK_SMTP_HOST``), nothing is added, so apps that send
    no mail are unaffected; a component that needs ``SmtpSv`` then fails at
    ``load()`` with a ``PrimError`` asking for an ``SmtpConf``.
    """
    if not app.injector.has_prim(SmtpConf):
        if not os.environ.get("CLINK_SMTP_HOST"):
            return
        app.add_default_prim(SmtpConf.from_env())
    with contextlib.suppress(ComExistError):  # the application added it itself
        app.add_com(SmtpSv)
