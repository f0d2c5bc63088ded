"""The injector: creates each component once, in dependency order."""

from __future__ import annotations

import inspect
from typing import Any, TypeVar

from ..type.error import ConfError
from .error import (
    CircleComError,
    ComAttrError,
    ComCreationError,
    ComDepedencyError,
    ComError,
    ComExistError,
    ComTypeError,
    InjectorLoadingError,
    PrimError,
)
from .label import DEPS_KEY, read_stamp
from .type import Component, Primitive

T = TypeVar("T")


def _takes_no_arguments(com_type: type) -> bool:
    try:
        inspect.signature(com_type).bind()
    except TypeError:
        return False
    except ValueError:  # no signature to read (a builtin's): assume it takes none
        return True
    return True


def deps_of(com_type: type) -> tuple[type, ...]:
    """Return the dependencies ``@stamp`` recorded on ``com_type``.

    A class without ``@stamp`` whose constructor takes no arguments has none;
    one whose constructor takes arguments raises ``ComAttrError``.
    """
    deps = read_stamp(com_type, DEPS_KEY)
    if deps is None:
        if _takes_no_arguments(com_type):
            return ()
        raise ComAttrError(com_type)
    return deps  # type: ignore[no-any-return]


def _check_com_type(com_type: Any) -> None:
    if not isinstance(com_type, type) or not issubclass(com_type, Component):
        raise ComTypeError(com_type)


class Injector:
    """Manages components: add classes and primitives, ``load()``, then ``ref()``."""

    def __init__(self) -> None:
        self._com_types: list[type] = []
        self._instances: dict[type, Any] = {}
        self._loaded = False

    # -- adding ---------------------------------------------------------------
    def add_prim(self, com_obj: Any) -> None:
        """Manage an instance of a primitive; dependents receive this instance."""
        if isinstance(com_obj, type) or not isinstance(com_obj, Primitive):
            raise ComTypeError(
                com_obj,
                "add_prim() takes an instance of a Primitive, got "
                + (f"the class {com_obj.__qualname__}" if isinstance(com_obj, type)
                   else f"an instance of {type(com_obj).__qualname__}"),
            )
        prim_type = type(com_obj)
        if prim_type in self._instances:
            raise ComExistError(prim_type)
        self._instances[prim_type] = com_obj

    def has_prim(self, prim_type: type) -> bool:
        """Tell whether an instance of ``prim_type`` (or a subclass) was added."""
        return self._find_instance(prim_type) is not None

    def add_com(self, com_type: type) -> None:
        """Manage a component class; ``load()`` creates it and its dependencies."""
        _check_com_type(com_type)
        if issubclass(com_type, Primitive):
            raise PrimError(
                com_type, "primitives are added as instances: use add_prim(instance)"
            )
        deps_of(com_type)
        if com_type in self._com_types or com_type in self._instances:
            raise ComExistError(com_type)
        self._com_types.append(com_type)
        self._loaded = False

    def add_coms(self, com_types: list[type]) -> None:
        """Manage several component classes."""
        for com_type in com_types:
            self.add_com(com_type)

    # -- creating -------------------------------------------------------------
    def load(self) -> None:
        """Create every managed component (and each dependency) exactly once."""
        for com_type in self._com_types:
            self._create(com_type, [])
        self._loaded = True

    def _find_instance(self, com_type: type) -> Any:
        obj = self._instances.get(com_type)
        if obj is not None:
            return obj
        for t, candidate in self._instances.items():
            if issubclass(t, com_type):
                return candidate
        return None

    def _create(self, com_type: type, chain: list[type]) -> Any:
        obj = self._instances.get(com_type)
        if obj is not None:
            return obj
        if com_type in chain:
            raise CircleComError([*chain[chain.index(com_type):], com_type])
        if issubclass(com_type, Primitive):
            obj = self._find_instance(com_type)  # an instance of a subclass serves too
            if obj is not None:
                return obj
            default = getattr(com_type, "default", None)
            if default is not None:
                obj = self._instances[com_type] = default()
                return obj
            needer = chain[-1].__qualname__ if chain else "the application"
            raise PrimError(
                com_type,
                f"needed by {needer} but no instance was added; "
                f"add one with add_prim({com_type.__qualname__}(...))",
            )
        _check_com_type(com_type)
        deps = deps_of(com_type)
        for dep in deps:
            if not isinstance(dep, type) or not issubclass(dep, Component):
                raise ComDepedencyError(
                    com_type, f"dependency {dep!r} is not a component class"
                )
        chain.append(com_type)
        args = [self._create(dep, chain) for dep in deps]
        chain.pop()
        try:
            inspect.signature(com_type).bind(*args)
        except TypeError as e:
            raise ComDepedencyError(
                com_type,
                f"@stamp lists {len(deps)} dependencies but the constructor does not "
                f"take them: {e}",
            ) from None
        try:
            obj = com_type(*args)
        except (ComError, ConfError):
            raise  # already says what to fix; wrapping would only bury it
        except Exception as e:
            raise ComCreationError(com_type, f"{type(e).__name__}: {e}") from e
        self._instances[com_type] = obj
        return obj

    # -- reading --------------------------------------------------------------
    def ref(self, com_type: type[T]) -> T:
        """Return the instance of ``com_type`` (or of a subclass of it)."""
        obj = self._find_instance(com_type)
        if obj is not None:
            return obj  # type: ignore[no-any-return]
        if not self._loaded:
            raise InjectorLoadingError(
                f"{getattr(com_type, '__qualname__', com_type)} is not created yet: "
                "call load() first"
            )
        raise ComDepedencyError(com_type, "is not managed by this injector; add it first")

    def sub_ref(self, com_type: type) -> list[Any]:
        """Return every managed instance whose type extends ``com_type``."""
        return [obj for t, obj in self._instances.items() if issubclass(t, com_type)]
