"""One route: path, method, request media type and handler."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..mime import media_type
from .error import RouteHandleError, RouteMethodError, RoutePathError
from .template import Template, is_template

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: methods whose requests carry no body, so the route ignores the content type.
BODYLESS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
PATH_REGEX = r"^(/[A-Za-z0-9._~!$&'()*+,;=:@-]+)*/?$"
_PATH_RE = re.compile(PATH_REGEX)


def normalize_path(path: str) -> str:
    """``'/book/'``, ``'book'`` and ``'//book'`` all become ``'/book'``; root stays ``'/'``."""
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts)


class Route:
    """A route ``method path [req_type] -> handle``.

    The path is static (``/book/item``) or a template (``/book/{id:int}``,
    parsed by the router, which sets ``template``); a trailing slash does not
    matter. ``req_type`` is the request media type; it is ignored (``None``) for
    GET, HEAD, DELETE and OPTIONS.
    """

    __slots__ = ("endpoint", "handle", "method", "path", "raw_json", "req_type", "template")

    def __init__(
        self, path: str, method: str, req_type: str | None, handle: Callable[..., Any]
    ) -> None:
        if not isinstance(path, str):
            raise RoutePathError(path, "a path is a str")
        if not is_template(path) and not _PATH_RE.match(path or "/"):
            raise RoutePathError(
                path, "holds characters a path cannot (percent-encode them) or is not /a/b"
            )
        if not isinstance(method, str) or method.upper() not in METHODS:
            raise RouteMethodError(method)
        if not callable(handle):
            raise RouteHandleError(handle)
        self.path = normalize_path(path)
        self.method = method.upper()
        self.req_type = None if self.method in BODYLESS else media_type(req_type)
        #: what requests call: the endpoint, wrapped by its contract and by plugins.
        self.handle = handle
        #: the controller method (or function) the route was made for.
        self.endpoint = handle
        #: the parsed template of a templated path (set by the router), else ``None``.
        self.template: Template | None = None
        #: its JSON body is decoded by its model (``@mapper.body(Model)``) in one pass, so
        #: level 3 leaves the bytes alone (set by the router).
        self.raw_json = False

    def __repr__(self) -> str:
        return f"Route({self.path!r}, {self.method!r}, {self.req_type!r}, {self.handle!r})"

    def __str__(self) -> str:
        kind = f" [{self.req_type}]" if self.req_type else ""
        return f"{self.method} {self.path}{kind}"
