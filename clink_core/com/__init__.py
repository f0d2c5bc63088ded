"""The component model: components, primitives, stamps and the injector."""

from .error import (
    CircleComError,
    ComAttrError,
    ComCreationError,
    ComDepedencyError,
    ComDependencyError,
    ComError,
    ComExistError,
    ComTypeError,
    InjectorLoadingError,
    PrimError,
)
from .find import find
from .injector import Injector
from .label import read_stamp, stamp, write_stamp
from .type import Component, Controller, Primitive, Service

__all__ = [
    "CircleComError",
    "ComAttrError",
    "ComCreationError",
    "ComDepedencyError",
    "ComDependencyError",
    "ComError",
    "ComExistError",
    "ComTypeError",
    "Component",
    "Controller",
    "Injector",
    "InjectorLoadingError",
    "PrimError",
    "Primitive",
    "Service",
    "find",
    "read_stamp",
    "stamp",
    "write_stamp",
]
