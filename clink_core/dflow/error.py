"""Data-flow errors (the manual's ``clink.dflow.error``).

The kernel answers them: ``FormatError`` 400, ``ExistError`` 409,
``NonExistError`` 404, ``ExpiredError`` 410. Messages name the fields, never
their values (a value may be a password or an e-mail address).
"""

from __future__ import annotations

from typing import Any


def _fields(indexes: Any) -> str:
    if isinstance(indexes, dict):
        return ", ".join(str(k) for k in indexes) or "(none)"
    return str(indexes)


class DflowError(Exception):
    """Base of every data-flow error."""

    #: HTTP status the kernel answers with.
    status = 400

    def http_message(self) -> Any:
        """What the error response's ``message`` holds."""
        return str(self)


class FormatError(DflowError):
    """An argument does not match its schema.

    ``name`` is the argument, ``pointer`` the JSON pointer of the bad part,
    ``rule`` the failed schema keyword and ``detail`` a sentence about it.
    ``value`` is kept for the program but never shown in messages.
    """

    status = 400

    def __init__(
        self,
        name: str,
        value: Any,
        schema: Any,
        pointer: str = "",
        rule: str = "",
        detail: str = "does not match its schema",
    ) -> None:
        super().__init__(name, pointer, rule, detail)
        self.name = name
        self.value = value
        self.schema = schema
        self.pointer = pointer
        self.rule = rule
        self.detail = detail

    def __str__(self) -> str:
        where = self.pointer or "(root)"
        return f"{self.name}: {where} {self.detail} (rule {self.rule!r})"

    def __repr__(self) -> str:
        return f"FormatError(name={self.name!r}, pointer={self.pointer!r}, rule={self.rule!r})"

    def http_message(self) -> dict[str, str]:
        return {
            "name": self.name,
            "pointer": self.pointer,
            "rule": self.rule,
            "detail": self.detail,
        }


class _IndexesError(DflowError):
    """An error about the record named by ``indexes`` (field -> value)."""

    #: what happened to the record, for the message.
    what = ""

    def __init__(self, indexes: Any) -> None:
        super().__init__(indexes)
        self.indexes = indexes

    def __str__(self) -> str:
        return f"{self.what}: {_fields(self.indexes)}"


class ExistError(_IndexesError):
    """A record with these unique fields already exists."""

    status = 409
    what = "already exists"


class NonExistError(_IndexesError):
    """No record matches these fields."""

    status = 404
    what = "does not exist"


class ExpiredError(_IndexesError):
    """The record these fields name has expired."""

    status = 410
    what = "expired"
