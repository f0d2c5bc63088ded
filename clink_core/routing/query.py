"""Query arguments checked against what ``@mapper.query`` documents.

Text becomes the schema's type (``integer``, ``number``, ``boolean`` from
true/false/1/0, ``array`` from a repeated name), then the value is validated
with the same compiled validator as ``dflow.verify``. Every problem of every
argument is reported in one 400; values are never echoed.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable
from typing import Any

from ..dflow.error import FormatError, FormatViolation
from ..dflow.schema import CompiledSchema

_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})
_MISSING: Any = object()


def _integer(text: str) -> int:
    if text.isdigit() and text.isascii():  # PERF: the common case, no regex
        return int(text)
    if not _INTEGER.fullmatch(text):
        raise ValueError(text)
    return int(text)  # over 4300 digits raises ValueError: no CPU-exhausting parse


def _number(text: str) -> float | int:
    if _INTEGER.fullmatch(text):
        return int(text)
    if not _NUMBER.fullmatch(text):  # float() would take " 1", "1_0", "nan", "inf"
        raise ValueError(text)
    value = float(text)
    if value in (float("inf"), float("-inf")):  # 1e999
        raise ValueError(text)
    return value


def _boolean(text: str) -> bool:
    lower = text.lower()
    if lower in _TRUE:
        return True
    if lower in _FALSE:
        return False
    raise ValueError(text)


_COERCE: dict[str, Callable[[str], Any]] = {
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "string": str,
}
_EXPECTED = {
    "integer": "must be an integer",
    "number": "must be a number",
    "boolean": "must be true, false, 1 or 0",
}


def _schema_type(schema: Any) -> str | None:
    """The type text is coerced to: the schema's ``type`` (the first non-null of a list)."""
    if not isinstance(schema, dict):
        return None
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind if isinstance(kind, str) else None


#: schema keys a plain numeric bound check may hold (annotations and the bounds).
_BOUND_KEYS = frozenset({
    "type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "default", "title", "description", "examples", "deprecated",
})
#: bound keyword -> ``op(bound, value)`` true when the value is within it.
_BOUND_OPS = {
    "minimum": operator.le, "maximum": operator.ge,
    "exclusiveMinimum": operator.lt, "exclusiveMaximum": operator.gt,
}


def _bounds_check(schema: Any) -> Callable[[Any], bool] | None:
    """For a schema that is a numeric type and bounds only (``{"type": "integer",
    "minimum": 1}``): a predicate true exactly for the coerced values it accepts."""
    if not isinstance(schema, dict) or not schema.keys() <= _BOUND_KEYS:
        return None
    if schema.get("type") not in ("integer", "number"):
        return None
    checks = []
    for key, op in _BOUND_OPS.items():
        if key in schema:
            bound = schema[key]
            if isinstance(bound, bool) or not isinstance(bound, (int, float)):
                return None
            checks.append(functools.partial(op, bound))
    if not checks:
        return lambda value: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        low, high = checks
        return lambda value: low(value) and high(value)
    return lambda value: all(check(value) for check in checks)


class _Param:
    __slots__ = (
        "accepts", "check", "coerce", "default", "is_array", "kind", "name", "required",
    )

    def __init__(self, name: str, schema: Any, required: bool) -> None:
        self.name = name
        self.required = required
        self.check = CompiledSchema(schema).check if schema is not None else None
        self.default = schema.get("default", _MISSING) if isinstance(schema, dict) else _MISSING
        kind = _schema_type(schema)
        self.is_array = kind == "array"
        if self.is_array:
            kind = _schema_type(schema.get("items"))
        self.kind = kind
        self.coerce = _COERCE.get(kind or "string", str)
        #: PERF: plain numeric bounds are checked here (~0.1 µs); what they refuse, and
        #: every other schema, goes to the compiled validator, which explains the error.
        self.accepts = None if self.is_array else _bounds_check(schema)


class QueryContract:
    """The declared query arguments of one route: ``apply(req)`` checks and converts them.

    ``req.args`` becomes the converted values of the declared arguments plus the
    undeclared ones as strings (first value), as before.
    """

    def __init__(self, declared: dict[str, tuple[Any, str | None, bool]]) -> None:
        self._params = tuple(_Param(n, schema, req) for n, (schema, _, req) in declared.items())

    def apply(self, req: Any) -> None:
        args_all = req.args_all
        args = {k: v[0] for k, v in args_all.items()}
        problems: list[FormatViolation] = []
        for param in self._params:
            texts = args_all.get(param.name)
            if texts is None:
                if param.default is not _MISSING:
                    args[param.name] = param.default
                elif param.required:
                    problems.append(
                        FormatViolation(param.name, "", "required", "is a required query argument")
                    )
                continue
            try:
                value = [param.coerce(t) for t in texts] if param.is_array else param.coerce(
                    texts[0]
                )
            except ValueError:
                detail = _EXPECTED.get(param.kind or "", "is malformed")
                if param.is_array:
                    detail = f"items {detail}"
                problems.append(FormatViolation(param.name, "", "type", detail))
                continue
            if param.check is not None and (param.accepts is None or not param.accepts(value)):
                try:
                    param.check(param.name, value)
                except FormatError as e:
                    problems.extend(e.errors)
                    continue
            args[param.name] = value
        if problems:
            first = problems[0]
            raise FormatError(
                first.name, None, None, first.pointer, first.rule, first.detail, errors=problems
            )
        req.args = args
