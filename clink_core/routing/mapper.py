"""Decorators that map controller classes and methods to routes.

``@mapper.path('/book')`` on a ``Controller`` and ``@mapper.get('/item')`` on a
method route ``GET /book/item`` to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..com.label import read_stamp, write_stamp
from ..mime.type import MIME_JSON
from .error import RouteMethodError, RoutePathError
from .route import METHODS, PATH_REGEX
from .type import CtlMethod

PATH_KEY = "path"
CTL_METHOD_KEY = "ctl_method"
F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type)


def path(path: str) -> Callable[[C], C]:
    """Give a controller class its path prefix."""
    if not isinstance(path, str):
        raise RoutePathError(path, PATH_REGEX)

    def decorate(cls: C) -> C:
        write_stamp(cls, PATH_KEY, path)
        return cls

    return decorate


def map(path: str, method: str, req_type: str | None) -> Callable[[F], F]:
    """Route ``method path`` with request media type ``req_type`` to a method."""
    if not isinstance(path, str):
        raise RoutePathError(path, PATH_REGEX)
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise RouteMethodError(method)

    def decorate(func: F) -> F:
        write_stamp(func, CTL_METHOD_KEY, CtlMethod(path, method.upper(), req_type))
        return func

    return decorate


def get(path: str) -> Callable[[F], F]:
    """Route GET (and HEAD) ``path``."""
    return map(path, "GET", None)


def post(path: str, req_type: str = MIME_JSON) -> Callable[[F], F]:
    """Route POST ``path`` with a body of ``req_type``."""
    return map(path, "POST", req_type)


def put(path: str, req_type: str = MIME_JSON) -> Callable[[F], F]:
    """Route PUT ``path`` with a body of ``req_type``."""
    return map(path, "PUT", req_type)


def patch(path: str, req_type: str = MIME_JSON) -> Callable[[F], F]:
    """Route PATCH ``path`` with a body of ``req_type``."""
    return map(path, "PATCH", req_type)


def delete(path: str, req_type: str | None = None) -> Callable[[F], F]:
    """Route DELETE ``path``; the content type is ignored."""
    return map(path, "DELETE", req_type)


def ctl_path(ctl_type: type) -> str | None:
    """The path ``@mapper.path`` gave a controller class, or ``None``."""
    return read_stamp(ctl_type, PATH_KEY)


def ctl_method(func: Any) -> CtlMethod | None:
    """The route a mapper decorator gave a function, or ``None``."""
    return read_stamp(func, CTL_METHOD_KEY)
