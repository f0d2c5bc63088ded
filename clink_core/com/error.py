"""Errors of the component model (``clink.com.error`` in the 2017 manual)."""

from __future__ import annotations


def _name(t: object) -> str:
    return getattr(t, "__qualname__", None) or repr(t)


class ComError(Exception):
    """Base of every component-model error."""


class PrimError(ComError):
    """A primitive is needed but no instance of it was added."""

    def __init__(self, prim_type: type, msg: str) -> None:
        self.prim_type = prim_type
        super().__init__(f"primitive {_name(prim_type)}: {msg}")


class ComDepedencyError(ComError):
    """A component's dependencies are wrong (spelling kept from the manual)."""

    def __init__(self, com_type: object, msg: str) -> None:
        self.com_type = com_type
        super().__init__(f"{_name(com_type)}: {msg}")


class InjectorLoadingError(ComError):
    """An instance was asked for before ``Injector.load()`` created it."""

    def __init__(self, msg: str = "the injector is not loaded; call load() first") -> None:
        super().__init__(msg)


class ComTypeError(ComError):
    """Something that is not a component class was given where one is needed."""

    def __init__(self, com_type: object, msg: str | None = None) -> None:
        self.com_type = com_type
        super().__init__(
            msg or f"{_name(com_type)} is not a component: it must be a class that "
            "extends clink_core.Component (or Service, Controller, Primitive)"
        )


class ComAttrError(ComError):
    """A component class whose constructor takes arguments carries no ``@stamp``."""

    def __init__(self, com_type: object) -> None:
        self.com_type = com_type
        super().__init__(
            f"{_name(com_type)} is not stamped but its constructor takes arguments: "
            "decorate it with @stamp(...) listing the components to pass, in order"
        )


class CircleComError(ComError):
    """Components depend on each other in a cycle."""

    def __init__(self, com_types: list[type]) -> None:
        self.com_types = list(com_types)
        chain = " -> ".join(_name(t) for t in self.com_types)
        super().__init__(f"circular dependency: {chain}")


class ComExistError(ComError):
    """A component or primitive of this type is already managed."""

    def __init__(self, com_type: object) -> None:
        self.com_type = com_type
        super().__init__(f"{_name(com_type)} is already added to this injector")


class ComCreationError(ComError):
    """A component's constructor failed."""

    def __init__(self, com_type: object, args: object) -> None:
        self.com_type = com_type
        self.com_args = args
        cause = args if isinstance(args, str) else repr(args)
        super().__init__(f"cannot create {_name(com_type)}: {cause}")


#: The manual's ``ComDepedencyError``, correctly spelled.
ComDependencyError = ComDepedencyError
