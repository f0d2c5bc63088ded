"""Listing the component classes a module defines."""

from __future__ import annotations

import inspect
from types import ModuleType

from .label import DEPS_KEY, read_stamp
from .type import Component


def find(module: ModuleType, com_type: type = Component) -> list[type]:
    """Return the component classes of ``module`` that extend ``com_type``.

    A class counts when it is stamped or defined in ``module`` itself, so the
    markers and interfaces a module imports (``Service``, ``ILv3Handler``) are
    left out. Classes are listed in name order.
    """
    if not isinstance(module, ModuleType):
        raise TypeError(f"find() takes a module, got {type(module).__name__}")
    found = []
    for _name, value in sorted(vars(module).items()):
        if (
            inspect.isclass(value)
            and issubclass(value, com_type)
            and value is not com_type
            and (read_stamp(value, DEPS_KEY) is not None or value.__module__ == module.__name__)
        ):
            found.append(value)
    return found
