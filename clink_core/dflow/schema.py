"""A JSON schema compiled once: jsonschema-rs decides, jsonschema explains.

jsonschema-rs answers "valid?" in a fraction of a microsecond; when it says
no (or cannot read the value), jsonschema judges again and its verdict counts,
so both agree on the rules that matter and errors carry jsonschema's detail.
"""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import jsonschema_rs
from jsonschema.exceptions import best_match

from .error import FormatError


class SchemaDefinitionError(ValueError):
    """The schema given to ``verify`` is not a valid JSON schema."""


def _pointer(path: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _extra_keys(error: Any) -> list[str]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    props = schema.get("properties", {})
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    instance = error.instance if isinstance(error.instance, dict) else {}
    return [
        str(k)
        for k in instance
        if k not in props and not any(p.search(str(k)) for p in patterns)
    ]


_DETAILS = {
    "type": lambda e: f"must be of type {e.validator_value}",
    "pattern": lambda e: f"must match pattern {e.validator_value!r}",
    "minLength": lambda e: f"must be at least {e.validator_value} characters long",
    "maxLength": lambda e: f"must be at most {e.validator_value} characters long",
    "minimum": lambda e: f"must be >= {e.validator_value}",
    "maximum": lambda e: f"must be <= {e.validator_value}",
    "exclusiveMinimum": lambda e: f"must be > {e.validator_value}",
    "exclusiveMaximum": lambda e: f"must be < {e.validator_value}",
    "multipleOf": lambda e: f"must be a multiple of {e.validator_value}",
    "enum": lambda e: f"must be one of {_short(e.validator_value)}",
    "const": lambda e: f"must equal {_short(e.validator_value)}",
    "format": lambda e: f"must be a valid {e.validator_value}",
    "minItems": lambda e: f"must have at least {e.validator_value} items",
    "maxItems": lambda e: f"must have at most {e.validator_value} items",
    "uniqueItems": lambda e: "must not contain duplicate items",
    "minProperties": lambda e: f"must have at least {e.validator_value} properties",
    "maxProperties": lambda e: f"must have at most {e.validator_value} properties",
    "required": lambda e: "is missing required properties: "
    + ", ".join(
        repr(k)
        for k in e.validator_value
        if not (isinstance(e.instance, dict) and k in e.instance)
    ),
    "additionalProperties": lambda e: "has properties that are not allowed: "
    + ", ".join(repr(k) for k in _extra_keys(e)[:10]),
    "additionalItems": lambda e: "has more items than allowed",
    "not": lambda e: "matches a schema it must not match",
}


def describe(error: Any) -> str:
    """A sentence about a jsonschema error that does not repeat the value."""
    render = _DETAILS.get(error.validator)
    if render is not None:
        return str(render(error))
    return f"fails rule {error.validator!r} ({_short(error.validator_value)})"


class CompiledSchema:
    """A schema checked and compiled at definition time."""

    __slots__ = ("_fast", "_slow", "schema")

    def __init__(self, schema: Any) -> None:
        if not isinstance(schema, (dict, bool)):
            raise SchemaDefinitionError(f"a schema is a dict or bool, got {type(schema).__name__}")
        cls = jsonschema.validators.validator_for(schema)
        try:
            cls.check_schema(schema)
        except jsonschema.SchemaError as e:
            raise SchemaDefinitionError(f"invalid JSON schema: {e.message}") from None
        self.schema = schema
        self._slow = cls(schema, format_checker=cls.FORMAT_CHECKER)
        try:
            self._fast: Any = jsonschema_rs.validator_for(schema, validate_formats=True).is_valid
        except Exception:  # a schema jsonschema-rs cannot compile: jsonschema alone decides
            self._fast = None

    def check(self, name: str, value: Any) -> None:
        """Return when ``value`` is valid, else raise ``FormatError``."""
        fast = self._fast
        if fast is not None:
            try:
                if fast(value):
                    return
            except (ValueError, TypeError, OverflowError):
                pass  # not a JSON value jsonschema-rs reads: jsonschema decides
        error = best_match(self._slow.iter_errors(value))
        if error is None:
            return
        raise FormatError(
            name, value, self.schema, _pointer(error.absolute_path), str(error.validator),
            describe(error),
        )
