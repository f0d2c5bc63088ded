"""Path parameter converters: ``{id:int}`` matches digits and hands the handler an int.

A converter is a regular expression a path segment (or, for ``path``, the rest
of the path) must match whole, a function turning the matched text into the
value (a ``ValueError`` means no match), and the JSON schema OpenAPI shows.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .error import RoutePathError

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Converter:
    """How one kind of path parameter matches and converts."""

    name: str
    regex: str
    convert: Callable[[str], Any]
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    #: ranks templates: lower is tried first when several could match a segment.
    rank: int = 1
    #: whether the value may hold ``/`` (the rest of the path).
    spans_segments: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise ValueError(f"a converter name is an identifier, got {self.name!r}")
        try:
            compiled = re.compile(self.regex)
        except (re.error, TypeError) as e:
            raise ValueError(
                f"converter {self.name!r}: invalid regex {self.regex!r}: {e}"
            ) from None
        if compiled.groups:
            raise ValueError(
                f"converter {self.name!r}: the regex {self.regex!r} has capturing groups; "
                "use (?:...)"
            )
        if not callable(self.convert):
            raise ValueError(f"converter {self.name!r}: convert must be callable")


def _int(text: str) -> int:
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):  # nan, inf
        raise ValueError(text)
    return value


def _uuid(text: str) -> uuid.UUID:
    return uuid.UUID(text)


DEFAULT_CONVERTERS: dict[str, Converter] = {
    c.name: c
    for c in (
        Converter("int", r"-?[0-9]+", _int, {"type": "integer"}, rank=1),
        Converter(
            "float", r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?", _float, {"type": "number"},
            rank=1,
        ),
        Converter(
            "uuid",
            r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",
            _uuid, {"type": "string", "format": "uuid"}, rank=1,
        ),
        Converter("str", r"[^/]+", str, {"type": "string"}, rank=2),
        Converter("path", r".+", str, {"type": "string"}, rank=3, spans_segments=True),
    )
}


def make_converter(
    name: str,
    regex: str,
    convert: Callable[[str], Any],
    schema: dict[str, Any] | None = None,
) -> Converter:
    """A converter for ``app.add_converter``; a bad definition raises ``RoutePathError``."""
    if "/" in regex:
        raise RoutePathError(name, "a converter matches within one segment: no '/' in its regex")
    try:
        return Converter(name, regex, convert, dict(schema or {"type": "string"}), rank=1)
    except ValueError as e:
        raise RoutePathError(name, str(e)) from None
