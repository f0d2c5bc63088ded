"""Walks over a checked value: JSON pointers, size, and what is not JSON in it."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

Path = tuple[Any, ...]

#: leaf types a JSON value holds (``Decimal`` as jsonschema-rs reads it).
_LEAVES = (str, int, float, bool, type(None), Decimal)
#: the same without ``str``.
JSON_SCALARS = (int, float, type(None), Decimal)


def pointer(path: Sequence[Any]) -> str:
    """The JSON pointer of ``path`` (``("a/b", 0)`` -> ``/a~1b/0``)."""
    if not path:
        return ""
    if len(path) == 1:  # PERF: the usual bad field
        token = path[0]
        if type(token) is str and "/" not in token and "~" not in token:
            return "/" + token
    text = "/" + "/".join(map(str, path))
    if "~" in text or text.count("/") != len(path):  # a token to escape
        text = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)
    return text


def at(value: Any, path: Sequence[Any]) -> Any:
    """The part of ``value`` at ``path``; ``None`` if there is none."""
    for token in path:
        try:
            value = value[token]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def within(value: Any, budget: int) -> bool:
    """Whether ``value`` holds at most ``budget`` values (items and property values, nested)."""
    if type(value) is dict and len(value) <= budget:  # PERF: a flat object, without calls
        for x in value.values():
            tx = type(x)
            if tx is dict or tx is list or tx is tuple:
                return _room(value, budget) >= 0
        return True
    return _room(value, budget) >= 0


def _room(value: Any, budget: int) -> int:
    """``budget`` minus the values inside ``value``; negative once it is exceeded."""
    if isinstance(value, dict):
        children: Any = value.values()
    elif isinstance(value, (list, tuple)):
        children = value
    else:
        return budget
    budget -= len(children)
    if budget < 0:
        return budget
    for child in children:
        if isinstance(child, (dict, list, tuple)):
            budget = _room(child, budget)
            if budget < 0:
                return budget
    return budget


def json_only(value: Any) -> bool:
    """``True``, or ``TypeError`` where ``value`` holds what JSON has not (a set, a date...)."""
    if isinstance(value, dict):
        for k, x in value.items():
            if not isinstance(k, str):
                raise TypeError(f"a {type(k).__name__} property name")
            json_only(x)
    elif isinstance(value, (list, tuple)):
        for x in value:
            json_only(x)
    elif not isinstance(value, _LEAVES):
        raise TypeError(f"not a JSON value: {type(value).__name__}")
    return True


def not_json(value: Any) -> tuple[Path, str]:
    """Where ``value`` first holds something JSON has not, and what it is (a type name).

    Arrays may be lists or tuples; object keys must be strings. ``((), "value")``
    when nothing is found (a value too deep or circular to read).
    """
    stack: list[tuple[Any, Path]] = [(value, ())]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            if id(node) in seen:
                return path, "circular value"
            seen.add(id(node))
            for key in node:
                if not isinstance(key, str):
                    return path, f"{type(key).__name__} property name"
            stack.extend((v, (*path, k)) for k, v in reversed(node.items()))
        elif isinstance(node, (list, tuple)):
            if id(node) in seen:
                return path, "circular value"
            seen.add(id(node))
            stack.extend((v, (*path, i)) for i, v in reversed(list(enumerate(node))))
        elif not isinstance(node, _LEAVES) or (
            isinstance(node, int) and type(node) not in (int, bool)
        ):
            return path, type(node).__name__
    return (), "value"
