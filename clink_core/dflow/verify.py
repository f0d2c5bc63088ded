"""``verify``: check a function's arguments against JSON schemas."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from ..com.label import write_stamp
from .schema import CompiledSchema

F = TypeVar("F", bound=Callable[..., Any])
#: stamp key holding ``{argument name: schema}`` on a verified function.
SCHEMAS_KEY = "verify_schemas"


def verify(*schemas: Any) -> Callable[[F], F]:
    """Check positional arguments in order against ``schemas`` on every call.

    ``None`` skips an argument (``self`` of a method). Schemas are checked and
    compiled once, here; a bad schema raises ``SchemaDefinitionError`` at once.
    A bad argument raises ``FormatError`` (the app answers 400).
    """
    compiled = [None if s is None else CompiledSchema(s) for s in schemas]

    def decorate(func: F) -> F:
        params = [
            p.name
            for p in inspect.signature(func).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        if len(compiled) > len(params):
            raise TypeError(
                f"verify() got {len(compiled)} schemas but {func.__qualname__} takes "
                f"{len(params)} positional arguments"
            )
        checks = tuple(
            (i, params[i], c) for i, c in enumerate(compiled) if c is not None
        )

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            n = len(args)
            for i, name, schema in checks:
                if i < n:
                    schema.check(name, args[i])
                elif name in kwargs:
                    schema.check(name, kwargs[name])
            return func(*args, **kwargs)

        write_stamp(wrapper, SCHEMAS_KEY, {name: c.schema for _, name, c in checks})
        return wrapper  # type: ignore[return-value]

    return decorate
