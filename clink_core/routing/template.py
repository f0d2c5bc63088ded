"""Route templates: ``/shelf/{shelf:int}/book/{id}`` parsed into segments.

A template is a path whose segments may hold parameters ``{name}`` or
``{name:converter}`` (``str`` by default: one segment). A segment is a literal,
one parameter, or literals and parameters mixed (``{name}.{ext}``); a ``path``
parameter takes the rest of the path and must come last.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .converter import Converter
from .error import RoutePathError

_PARAM = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: characters a literal segment may hold (RFC 3986 pchar, without percent-encoding).
_LITERAL = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@-]*")


@dataclass(frozen=True)
class Param:
    """A parameter of a template segment."""

    name: str
    converter: Converter


@dataclass(frozen=True)
class Segment:
    """One segment of a template: a literal, or parameters with a regex matching it whole."""

    text: str
    params: tuple[Param, ...] = ()
    #: compiled whole-segment matcher; ``None`` for a literal.
    regex: Any = None
    #: canonical form (parameter names dropped): equal keys match the same segments.
    key: str = ""
    #: sort rank: literal 0, typed 1, str 2, path 3; mixed segments rank like typed.
    rank: int = 0

    @property
    def is_literal(self) -> bool:
        return not self.params

    @property
    def spans(self) -> bool:
        """Whether this segment takes the rest of the path (a ``path`` parameter)."""
        return len(self.params) == 1 and self.params[0].converter.spans_segments


@dataclass(frozen=True)
class Template:
    """A parsed route template."""

    path: str
    segments: tuple[Segment, ...]

    @property
    def params(self) -> tuple[Param, ...]:
        return tuple(p for s in self.segments for p in s.params)

    @property
    def key(self) -> str:
        """Equal for templates that match exactly the same URLs."""
        return "/" + "/".join(s.key for s in self.segments)

    @property
    def openapi_path(self) -> str:
        """The path as OpenAPI writes it: ``/book/{id}``."""
        return _PARAM.sub(lambda m: "{" + m.group(1).partition(":")[0].strip() + "}", self.path)

    def sort_key(self) -> tuple[int, ...]:
        """Most specific first: literals before typed parameters before str before path."""
        return tuple(s.rank for s in self.segments)


def is_template(path: str) -> bool:
    """Whether ``path`` holds parameters (or stray braces, which parsing refuses)."""
    return "{" in path or "}" in path


def parse(path: str, converters: Mapping[str, Converter]) -> Template:
    """Parse the normalised template ``path``; a malformed one raises ``RoutePathError``."""
    segments: list[Segment] = []
    names: set[str] = set()
    parts = path.strip("/").split("/") if path != "/" else []
    for index, part in enumerate(parts):
        segment = _segment(path, part, converters, names)
        if segment.spans and index != len(parts) - 1:
            raise RoutePathError(path, f"a path parameter takes the rest of the path: "
                                       f"{part!r} must be the last segment")
        segments.append(segment)
    return Template(path, tuple(segments))


def _segment(
    path: str, part: str, converters: Mapping[str, Converter], names: set[str]
) -> Segment:
    pieces: list[str] = []
    regex: list[str] = []
    params: list[Param] = []
    pos = 0
    for m in _PARAM.finditer(part):
        literal = part[pos:m.start()]
        _check_literal(path, literal)
        pieces.append(literal)
        regex.append(re.escape(literal))
        spec = m.group(1)
        name, _, conv_name = spec.partition(":")
        name, conv_name = name.strip(), conv_name.strip() or "str"
        if not _NAME.fullmatch(name):
            raise RoutePathError(path, f"parameter {{{spec}}} needs a name that is an identifier")
        if name in names:
            raise RoutePathError(path, f"parameter name {name!r} is used twice")
        converter = converters.get(conv_name)
        if converter is None:
            known = ", ".join(sorted(converters))
            raise RoutePathError(path, f"unknown converter {conv_name!r} (known: {known})")
        names.add(name)
        params.append(Param(name, converter))
        pieces.append("{:" + conv_name + "}")
        regex.append(f"({converter.regex})")
        pos = m.end()
    tail = part[pos:]
    _check_literal(path, tail)
    if not params:
        return Segment(part, key=part)
    pieces.append(tail)
    regex.append(re.escape(tail))
    whole = len(params) == 1 and pieces[0] == "" and pieces[-1] == ""
    if not whole and any(p.converter.spans_segments for p in params):
        raise RoutePathError(path, f"a path parameter must be a whole segment, not in {part!r}")
    rank = params[0].converter.rank if whole else 1
    return Segment(part, tuple(params), re.compile("".join(regex)), "".join(pieces), rank)


def _check_literal(path: str, literal: str) -> None:
    if "{" in literal or "}" in literal:
        raise RoutePathError(path, "a brace is not closed (or a parameter holds a brace)")
    if not _LITERAL.fullmatch(literal):
        raise RoutePathError(
            path, f"{literal!r} holds characters a path cannot (percent-encode them)"
        )
