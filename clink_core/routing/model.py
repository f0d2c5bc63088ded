"""Typed models as route bodies: ``msgspec.Struct`` classes and dataclasses.

``@mapper.body(Book)`` decodes and validates the request body in one pass with
msgspec's C decoder and hands the handler a ``Book``. msgspec is an optional
extra (``pip install 'clink-core[models]'``); a model given without it is an
error when the decorator runs. Errors become the same ``FormatError`` as a
schema's, built from msgspec's message without the submitted value.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from ..codec.json import loads
from ..dflow.error import FormatError

#: what a missing msgspec says (the extra that installs it).
INSTALL_HINT = "pip install 'clink-core[models]' (msgspec)"


class ModelSupportError(TypeError):
    """A model was given but msgspec, which decodes models, is not installed."""


def is_model(obj: Any) -> bool:
    """Whether ``obj`` is a model class (a ``msgspec.Struct`` subclass or a dataclass)."""
    if not isinstance(obj, type):
        return False
    if dataclasses.is_dataclass(obj):
        return True
    try:
        import msgspec
    except ImportError:
        return any(c.__module__.startswith("msgspec") for c in obj.__mro__[1:])
    return issubclass(obj, msgspec.Struct)


def require_msgspec(model: type, where: str) -> Any:
    """The msgspec module, or ``ModelSupportError`` naming ``model`` and the extra."""
    try:
        import msgspec
    except ImportError:
        raise ModelSupportError(
            f"{where}: {model.__qualname__} is a model; models need msgspec: {INSTALL_HINT}"
        ) from None
    return msgspec


_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")
_RULES: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(pattern), rule, detail)
    for pattern, rule, detail in (
        (r"Expected `(?P<x>[^`]+)` of length >= (?P<n>\d+)", "minLength",
         "must be at least {n} long"),
        (r"Expected `(?P<x>[^`]+)` of length <= (?P<n>\d+)", "maxLength",
         "must be at most {n} long"),
        (r"Expected `(?P<x>[^`]+)` matching regex (?P<n>.+)", "pattern",
         "must match pattern {n}"),
        (r"Expected `(?P<x>[^`]+)` >= (?P<n>\S+)", "minimum", "must be >= {n}"),
        (r"Expected `(?P<x>[^`]+)` <= (?P<n>\S+)", "maximum", "must be <= {n}"),
        (r"Expected `(?P<x>[^`]+)` > (?P<n>\S+)", "exclusiveMinimum", "must be > {n}"),
        (r"Expected `(?P<x>[^`]+)` < (?P<n>\S+)", "exclusiveMaximum", "must be < {n}"),
        (r"Expected `(?P<x>[^`]+)` that is a multiple of (?P<n>\S+)", "multipleOf",
         "must be a multiple of {n}"),
        (r"Expected `(?P<x>[^`]+)`, got `[^`]+`", "type", "must be of type {x}"),
        (r"Object missing required field `(?P<n>[^`]+)`", "required",
         "is missing required properties: '{n}'"),
        (r"Object contains unknown field `(?P<n>[^`]+)`", "additionalProperties",
         "has properties that are not allowed: '{n}'"),
        (r"Invalid enum value", "enum", "must be one of the allowed values"),
    )
)


def _pointer(path: str) -> str:
    return "".join("/" + (m.group(1) or m.group(2)).replace("~", "~0").replace("/", "~1")
                   for m in _STEP.finditer(path))


def format_error(name: str, message: str, model: type) -> FormatError:
    """A ``FormatError`` from a msgspec ``ValidationError`` message, echoing no value."""
    at = _AT.search(message)
    pointer = _pointer(at.group("path")) if at else ""
    text = message[: at.start()] if at else message
    for pattern, rule, detail in _RULES:
        m = pattern.match(text)
        if m is not None:
            return FormatError(name, None, model, pointer, rule, detail.format(**m.groupdict()))
    return FormatError(name, None, model, pointer, "type", "does not match the model")


class ModelDecoder:
    """Decodes JSON bytes (or already parsed values) into ``model`` instances."""

    __slots__ = ("_convert", "_decode", "model")

    def __init__(self, model: type, where: str) -> None:
        msgspec = require_msgspec(model, where)
        self.model = model
        self._decode = msgspec.json.Decoder(model).decode
        self._convert = msgspec.convert

    def __call__(self, name: str, body: Any) -> Any:
        import msgspec

        try:
            if body.__class__ is bytes:
                try:
                    return self._decode(body)
                except msgspec.ValidationError:
                    raise
                except msgspec.DecodeError:
                    # Malformed, empty or too deep: the codec says which, as for any body
                    # (JsonBodyError); what it parses goes on to the model's checks.
                    body = loads(body)
            return self._convert(body, self.model)
        except msgspec.ValidationError as e:
            raise format_error(name, str(e), self.model) from None

    def schema_components(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(schema with a $ref, {name: schema})`` for the OpenAPI document."""
        import msgspec

        (ref,), components = msgspec.json.schema_components(
            [self.model], ref_template="#/components/schemas/{name}"
        )
        return ref, components
