"""``req.context``: where plugins and applications keep per-request state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any


class Context:
    """An attribute namespace for one request (Falcon's ``req.context``, Starlette's
    ``request.state``): ``req.context.account = principal``.

    Plugins name their attributes after themselves or document them
    (clink-log: ``request_id``; clink-auth: ``account``). ``get(name, default)``
    reads an attribute that may not be set.
    """

    def get(self, name: str, default: Any = None) -> Any:
        """The attribute ``name``, or ``default`` when it is not set."""
        return self.__dict__.get(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self.__dict__

    if TYPE_CHECKING:  # any attribute may be set and read: type checkers see Any

        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"Context({fields})"
