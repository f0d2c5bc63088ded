"""Routing errors (the manual's ``clink.routing.error``)."""

from __future__ import annotations

from typing import Any


class RoutingError(Exception):
    """Base of every routing error."""


class CtlSpecError(RoutingError):
    """A controller class is not mapped: it lacks ``@mapper.path``."""

    def __init__(self, ctl: Any) -> None:
        self.ctl = ctl
        name = getattr(ctl, "__qualname__", type(ctl).__qualname__)
        super().__init__(
            f"controller {name} has no path: decorate its class with @mapper.path('/prefix')"
        )


class PathNotFoundError(RoutingError):
    """No route has this path (``Router.find``)."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"no route for path {path!r}")


class HandleNotFoundError(RoutingError):
    """The path exists, but not with this method and content type (``Router.find``)."""

    def __init__(self, method: str, content_type: str | None, path: str) -> None:
        self.method = method
        self.content_type = content_type
        self.path = path
        super().__init__(
            f"no route for {method} {path} with content type {content_type or '(none)'}"
        )


class RouteExistError(RoutingError):
    """Two routes share path, method and content type (or match the same URLs)."""

    def __init__(self, route: Any, existing: Any = None) -> None:
        self.route = route
        self.existing = existing
        if existing is None or str(existing) == str(route):
            super().__init__(f"route already exists: {route}{_owner(route, existing)}")
        else:
            super().__init__(
                f"route {route}{_owner(route)} matches the same URLs as {existing}"
                f"{_owner(existing)}"
            )


def _owner(route: Any, other: Any = None) -> str:
    """`` (Ctl.method)``: where a route's handler is defined, for messages."""
    names = []
    for r in (other, route) if other is not None else (route,):
        handle = getattr(r, "handle", None)
        name = getattr(getattr(handle, "__func__", handle), "__qualname__", None)
        if name:
            names.append(name)
    return f" ({' and '.join(names)})" if names else ""


class RouteMethodError(RoutingError):
    """A route names an HTTP method Clink does not route."""

    def __init__(self, method: Any) -> None:
        self.method = method
        super().__init__(
            f"HTTP method {method!r} cannot be routed; use one of "
            "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
        )


class RoutePathError(RoutingError):
    """A route path or template is malformed; the message says what is wrong."""

    def __init__(self, path: Any, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"route path {path!r}: {problem}")


class RouteHandleError(RoutingError):
    """A route's handle is not callable."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        super().__init__(f"route handle {handle!r} is not callable")
