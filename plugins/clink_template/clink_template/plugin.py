"""The ``clink.plugins`` entry point: makes ``TemplateSv`` available to every app."""

from __future__ import annotations

import contextlib
from typing import Any

from clink_core import hookimpl
from clink_core.com import ComExistError

from .service import TemplateSv


@hookimpl
def clink_setup(app: Any) -> None:
    with contextlib.suppress(ComExistError):  # the application added it itself
        app.add_com(TemplateSv)
