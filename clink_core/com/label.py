"""Metadata on classes and functions: ``stamp``, ``write_stamp``, ``read_stamp``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .error import ComTypeError

_STAMPS = "__clink_stamps__"
DEPS_KEY = "deps"
T = TypeVar("T")


def write_stamp(target: Any, key: str, value: Any) -> None:
    """Store ``value`` under ``key`` on ``target`` (a class, function or object).

    Stamps belong to the target itself: a subclass does not inherit its parent's.
    The dict is copied on every write because ``functools.wraps`` shares a
    function's ``__dict__`` contents with its wrapper.
    """
    old = target.__dict__.get(_STAMPS) if hasattr(target, "__dict__") else None
    stamps = dict(old) if old else {}
    stamps[key] = value
    try:
        setattr(target, _STAMPS, stamps)
    except (AttributeError, TypeError) as e:
        raise TypeError(f"cannot write a stamp on {target!r}: it takes no attributes") from e


def read_stamp(target: Any, key: str) -> Any:
    """Return the value stored under ``key`` on ``target``, or ``None``."""
    stamps = getattr(target, "__dict__", {}).get(_STAMPS)
    if stamps is None:
        return None
    return stamps.get(key)


def stamp(*deps: type) -> Callable[[type[T]], type[T]]:
    """Mark a class as a component whose constructor takes ``deps`` in order."""
    for dep in deps:
        if not isinstance(dep, type):
            raise ComTypeError(dep, f"@stamp() takes classes, got {dep!r}")

    def decorate(cls: type[T]) -> type[T]:
        if not isinstance(cls, type):
            raise ComTypeError(cls, f"@stamp() decorates classes, not {cls!r}")
        write_stamp(cls, DEPS_KEY, tuple(deps))
        return cls

    return decorate
