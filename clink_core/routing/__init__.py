"""Routing: routes, the router, and the ``mapper`` decorators."""

from . import mapper
from .error import (
    CtlSpecError,
    HandleNotFoundError,
    PathNotFoundError,
    RouteExistError,
    RouteHandleError,
    RouteMethodError,
    RoutePathError,
    RoutingError,
)
from .route import Route
from .router import Router
from .type import CtlMethod

__all__ = [
    "CtlMethod",
    "CtlSpecError",
    "HandleNotFoundError",
    "PathNotFoundError",
    "Route",
    "RouteExistError",
    "RouteHandleError",
    "RouteMethodError",
    "RoutePathError",
    "Router",
    "RoutingError",
    "mapper",
]
