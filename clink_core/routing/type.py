"""What ``mapper`` records on a controller method."""

from __future__ import annotations

from typing import NamedTuple


class CtlMethod(NamedTuple):
    """A controller method's route: path below the controller's, method, body type."""

    path: str
    method: str
    req_type: str | None
