"""``req.context``: where plugins and applications keep per-request state."""

from __future__ import annotations

import keyword
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar


class ContextNameError(ValueError):
    """A name declared for ``req.context`` (``App.declare_context``) cannot be one."""


class Context:
    """An attribute namespace for one request (Falcon's ``req.context``, Starlette's
    ``request.state``): ``req.context.account = principal``.

    Plugins name their attributes after themselves or document them
    (clink-log: ``request_id``; clink-auth: ``account``). ``get(name, default)``
    reads an attribute that may not be set.

    A plugin that sets attributes on every request declares them
    (``App.declare_context``): the app's context class then holds them in slots, and
    every request gets its context when it arrives instead of on first use.
    """

    #: the attributes this class holds in slots (``with_names``); others go to ``__dict__``.
    names: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def check_names(cls, names: Iterable[Any]) -> tuple[str, ...]:
        """``names`` without repeats, each an identifier ``Context`` does not use itself;
        else ``ContextNameError``."""
        names = tuple(dict.fromkeys(names))
        for name in names:
            if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
                raise ContextNameError(f"req.context attribute names are identifiers, got {name!r}")
            if name.startswith("__") or hasattr(cls, name):
                raise ContextNameError(
                    f"req.context cannot hold an attribute named {name!r}: Context uses it"
                )
        return names

    @classmethod
    def with_names(cls, names: Iterable[str]) -> type[Context]:
        """A context class holding ``names`` in slots (raises ``ContextNameError``)."""
        names = cls.check_names(names)
        # PERF: a slot is set and read without the instance dict (no dict made per request)
        return type(cls.__name__, (cls,), {
            "__slots__": names, "__module__": cls.__module__, "__qualname__": cls.__qualname__,
            "names": names,
        })

    def get(self, name: str, default: Any = None) -> Any:
        """The attribute ``name``, or ``default`` when it is not set."""
        if name in self.names:
            return getattr(self, name, default)
        return self.__dict__.get(name, default)

    def __contains__(self, name: str) -> bool:
        if name in self.names:
            return hasattr(self, name)
        return name in self.__dict__

    if TYPE_CHECKING:  # any attribute may be set and read: type checkers see Any

        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...

    def _items(self) -> list[tuple[str, Any]]:
        slots = [(n, getattr(self, n)) for n in self.names if hasattr(self, n)]
        return [*slots, *self.__dict__.items()]

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self._items())
        return f"Context({fields})"
