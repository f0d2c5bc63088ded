"""Value types of the auth services (``clink.service.auth.type``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from bson import ObjectId


class ConfirmCodeSpec:
    """A confirmation code and the moment it expires (an aware UTC ``datetime``).

    The code is shown once, here: the database keeps only its hash.
    """

    __slots__ = ("code", "exp_date")

    def __init__(self, code: str, exp_date: datetime) -> None:
        self.code = code
        self.exp_date = exp_date

    def __repr__(self) -> str:  # the code is a secret: not in logs
        return f"ConfirmCodeSpec(code='****-****-****-****', exp_date={self.exp_date!r})"


class Principal(NamedTuple):
    """Who an access token speaks for: ``req.context.account`` behind a route guard.

    Read from the verified token alone (no database access): ``id`` (the
    account's ``ObjectId``), ``name`` and the token's ``claims``.
    """

    id: ObjectId
    name: str
    claims: Mapping[str, Any]  # read-only: shared by every request with the token

    def __repr__(self) -> str:  # claims stay out of logs
        return f"Principal(id={self.id!r}, name={self.name!r})"
