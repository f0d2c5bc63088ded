"""Data flow: argument verification against JSON schemas, and data errors.

``verify``/``CompiledSchema`` check values with jsonschema-rs and refuse control
characters in strings (``"x-clink-allow-control": true`` on a subschema opts out);
a bad value raises one ``FormatError`` listing every violation (``FormatViolation``).
"""

from .error import (
    DflowError,
    ExistError,
    ExpiredError,
    FormatError,
    FormatViolation,
    NonExistError,
)
from .schema import CompiledSchema, SchemaDefinitionError
from .verify import verify

__all__ = [
    "CompiledSchema",
    "DflowError",
    "ExistError",
    "ExpiredError",
    "FormatError",
    "FormatViolation",
    "NonExistError",
    "SchemaDefinitionError",
    "verify",
]
