"""Data flow: argument verification against JSON schemas, and data errors."""

from .error import DflowError, ExistError, ExpiredError, FormatError, NonExistError
from .schema import CompiledSchema, SchemaDefinitionError
from .verify import verify

__all__ = [
    "CompiledSchema",
    "DflowError",
    "ExistError",
    "ExpiredError",
    "FormatError",
    "NonExistError",
    "SchemaDefinitionError",
    "verify",
]
