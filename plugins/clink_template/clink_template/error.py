"""Errors of TemplateSv: each names the placeholder or the file at fault."""

from __future__ import annotations

import os


class TemplateError(Exception):
    """Base of every error TemplateSv raises."""


class TemplateValueError(TemplateError):
    """A placeholder has no value; ``name`` is the first missing one, ``names`` all of them."""

    def __init__(self, names: list[str]) -> None:
        self.names = list(names)
        self.name = self.names[0]
        more = self.names[1:]
        also = f" (also missing: {', '.join('$' + n for n in more)})" if more else ""
        super().__init__(f"template value for ${self.name} is missing{also}")


class TemplateSyntaxError(TemplateError):
    """A ``$`` that starts no valid placeholder (write ``$$`` for a literal ``$``)."""

    def __init__(self, line: int, col: int, source: str | None = None) -> None:
        self.line = line
        self.col = col
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(
            f"{where}invalid placeholder at line {line}, column {col}: "
            "write $name or ${name}, and $$ for a literal $"
        )


class TemplateFileError(TemplateError):
    """A template file is missing, unreadable or not UTF-8 text."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"template file {self.path!r}: {reason}")
