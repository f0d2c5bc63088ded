"""Data-flow errors (the manual's ``clink.dflow.error``).

The kernel answers them: ``FormatError`` 400, ``ExistError`` 409,
``NonExistError`` 404, ``ExpiredError`` 410. Messages name the fields, never
their values (a value may be a password or an e-mail address).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

#: most violations a ``FormatError`` carries (and its 400 body lists).
MAX_ERRORS = 20


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


class FormatViolation(NamedTuple):
    """One way an argument breaks its schema: where (``pointer``), which ``rule``, a sentence.

    ``name`` is the argument. Nothing here holds a submitted value.
    """

    name: str
    pointer: str
    rule: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        """``{"name", "pointer", "rule", "detail"}``, an entry of the 400 body's ``errors``."""
        return {
            "name": self.name, "pointer": self.pointer, "rule": self.rule, "detail": self.detail,
        }


class FormatError(DflowError):
    """An argument does not match its schema.

    ``name`` is the argument, ``pointer`` the JSON pointer of the bad part,
    ``rule`` the failed schema keyword and ``detail`` a sentence about it: the
    first (most relevant) violation. ``errors`` holds every violation found,
    that one first, at most ``MAX_ERRORS``; ``truncated`` says the list stops
    short of every violation. ``value`` is kept for the program but never shown
    in messages.
    """

    status = 400
    # PERF: slots, not an instance dict: building one costs half as much (every bad request).
    __slots__ = ("_errors", "detail", "name", "pointer", "rule", "schema", "truncated", "value")

    def __init__(
        self,
        name: str,
        value: Any,
        schema: Any,
        pointer: str = "",
        rule: str = "",
        detail: str = "does not match its schema",
        *,
        errors: Iterable[FormatViolation] | None = None,
        truncated: bool = False,
    ) -> None:
        # PERF: args set directly (not super().__init__): this runs on every bad request.
        self.args = (name, pointer, rule, detail)  # never the value
        self.name = name
        self.value = value
        self.schema = schema
        self.pointer = pointer
        self.rule = rule
        self.detail = detail
        if errors is None:
            self._errors: tuple[FormatViolation, ...] | None = None  # just the one above
            #: whether violations were left out (more than ``MAX_ERRORS``, or not all looked for).
            self.truncated = truncated
        else:
            listed = tuple(errors)
            self._errors = listed[:MAX_ERRORS] or None
            self.truncated = truncated or len(listed) > MAX_ERRORS

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled and copied with every field: slots are not in ``__dict__``, and
        ``args`` does not match ``__init__``."""
        # BaseException.__setstate__ sets each key as an attribute: slots included
        state = {name: getattr(self, name) for name in FormatError.__slots__}
        state.update(getattr(self, "__dict__", {}), args=self.args)
        return (_blank, (self.__class__,), state)

    @property
    def errors(self) -> tuple[FormatViolation, ...]:
        """Every violation found, the one of ``pointer``/``rule``/``detail`` first."""
        return self._errors or (FormatViolation(self.name, self.pointer, self.rule, self.detail),)

    def __str__(self) -> str:
        where = self.pointer or "(root)"
        return f"{self.name}: {where} {self.detail} (rule {self.rule!r})"

    def __repr__(self) -> str:
        return f"FormatError(name={self.name!r}, pointer={self.pointer!r}, rule={self.rule!r})"

    def http_message(self) -> dict[str, Any]:
        """The first violation's fields, ``errors`` (all of them) and ``truncated``."""
        # PERF: one literal, its entry a copy (cheaper than a second literal): this builds
        # every 400 body.
        message: dict[str, Any] = {
            "name": self.name, "pointer": self.pointer, "rule": self.rule, "detail": self.detail,
        }
        message["errors"] = (
            [e.as_dict() for e in self._errors] if self._errors else [message.copy()]
        )
        message["truncated"] = self.truncated
        return message


def _blank(cls: type[FormatError]) -> FormatError:
    """An empty ``cls`` for ``pickle`` and ``copy`` to fill (``FormatError.__reduce__``)."""
    return cls.__new__(cls)


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
