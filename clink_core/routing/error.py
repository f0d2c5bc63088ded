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
    """Two routes share path, method and content type."""

    def __init__(self, route: Any) -> None:
        self.route = route
        super().__init__(f"route already exists: {route}")


class RouteMethodError(RoutingError):
    """A route names an HTTP method Clink does not route."""

    def __init__(self, method: Any) -> None:
        self.method = method
        super().__init__(
            f"HTTP method {method!r} cannot be routed; use one of "
            "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
        )


class RoutePathError(RoutingError):
    """A route path does not match the allowed form."""

    def __init__(self, path: Any, regex: str) -> None:
        self.path = path
        self.regex = regex
        super().__init__(f"route path {path!r} does not match {regex}")


class RouteHandleError(RoutingError):
    """A route's handle is not callable."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        super().__init__(f"route handle {handle!r} is not callable")
