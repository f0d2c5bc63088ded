"""The router: a dict lookup ``path -> method -> media type -> handler``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from ..error.http import Http404Error, Http405Error, Http415Error
from ..iface.pipe import ILv2Handler
from ..type.request import Request
from .error import CtlSpecError, HandleNotFoundError, PathNotFoundError, RouteExistError
from .mapper import ctl_method, ctl_path
from .route import BODYLESS, Route, normalize_path


def _echo(path: str) -> str:
    """The path as an error message may show it: non-ASCII percent-encoded (UTF-8)."""
    # PERF: an ASCII path (nearly every one) is shown as it is.
    return path if path.isascii() else quote(path, safe="/")


class Router(ILv2Handler):
    """Stores routes and finds the handler of a request (the app's level 2).

    Paths are static (arguments travel in the query string) and a trailing
    slash does not matter. HEAD is served wherever GET is, and OPTIONS on a
    path without its own OPTIONS route is answered 204 with ``Allow``
    (RFC 9110 §9.3.7; CORS preflights build on it).
    """

    trylast = True

    def __init__(self, routes: Iterable[Route] = ()) -> None:
        self.routes: list[Route] = []
        # path -> method -> handler (bodyless methods) or {media type -> handler}
        self._table: dict[str, dict[str, Any]] = {}
        self._allow: dict[str, str] = {}
        self._options: dict[str, Callable[..., Any]] = {}
        self.add_routes(routes)

    def add_ctl(self, ctl: Any) -> None:
        """Add a route for every mapped method of controller instance ``ctl``."""
        prefix = ctl_path(type(ctl))
        if prefix is None:
            raise CtlSpecError(type(ctl))
        seen: dict[str, Any] = {}
        for klass in reversed(type(ctl).__mro__):
            seen.update(vars(klass))
        for name, func in seen.items():
            spec = ctl_method(func)
            if spec is None:
                continue
            path = normalize_path(f"{prefix}/{spec.path}")
            self.add_route(Route(path, spec.method, spec.req_type, getattr(ctl, name)))

    def add_route(self, route: Route) -> None:
        """Add one route; the same path, method and media type twice raises."""
        self._index(route)
        self.routes.append(route)

    def compile(self) -> None:
        """Rebuild the lookup table from ``routes``, taking handles replaced since they were
        added (``App.load()`` calls it after plugins wrapped route handles)."""
        self._table, self._allow, self._options = {}, {}, {}
        for route in self.routes:
            self._index(route)

    def _index(self, route: Route) -> None:
        methods = self._table.setdefault(route.path, {})
        if route.req_type is None and route.method in BODYLESS:
            if route.method in methods:
                raise RouteExistError(route)
            methods[route.method] = route.handle
        else:
            types = methods.setdefault(route.method, {})
            if route.req_type in types:
                raise RouteExistError(route)
            types[route.req_type] = route.handle
        allowed = set(methods) | {"OPTIONS"}
        if "GET" in allowed:
            allowed.add("HEAD")
        allow = self._allow[route.path] = ", ".join(sorted(allowed))

        def answer_options(req: Request, res: Any) -> None:
            res.status = 204
            res.header["Allow"] = allow

        self._options[route.path] = answer_options

    def add_routes(self, routes: Iterable[Route]) -> None:
        """Add several routes."""
        for route in routes:
            self.add_route(route)

    def handle(self, req: Request) -> Callable[..., Any]:
        """Return the handler of ``req``: 404 unknown path, 405 wrong method, 415 wrong type."""
        path = req.path or "/"
        if path[-1] == "/" and len(path) > 1:
            path = path.rstrip("/") or "/"
        methods = self._table.get(path)
        if methods is None:
            raise Http404Error(f"no route for path {_echo(path)}")
        method = req.method or ""
        entry = methods.get(method)
        if entry is None:
            entry = self._method_fallback(req, methods, path)
        # PERF: bodyless routes store the handler itself; only typed ones hold a dict.
        if entry.__class__ is not dict:
            return entry  # type: ignore[no-any-return]
        handler = entry.get(req.content_type) or entry.get(None)
        if handler is None:
            accepted = ", ".join(sorted(t for t in entry if t))
            raise Http415Error(
                f"content type {req.content_type or '(none)'} is not accepted by "
                f"{method} {path}; send one of: {accepted}",
            )
        return handler  # type: ignore[no-any-return]

    def _method_fallback(self, req: Request, methods: dict[str, Any], path: str) -> Any:
        method = (req.method or "").upper()
        entry = methods.get(method)
        if entry is None and method == "HEAD":
            entry = methods.get("GET")
        if entry is None and method == "OPTIONS":
            return self._options[path]
        if entry is None:
            allow = self._allow[path]
            raise Http405Error(
                f"method {method} is not allowed on {path}; allowed: {allow}",
                {"Allow": allow},
            )
        return entry

    def find(self, path: str, method: str, content_type: str | None = None) -> Callable[..., Any]:
        """Look a handler up without a request; raises the routing errors, not HTTP ones."""
        req = _Lookup(path, method.upper(), content_type)
        try:
            return self.handle(req)  # type: ignore[arg-type]
        except Http404Error:
            raise PathNotFoundError(path) from None
        except (Http405Error, Http415Error):
            raise HandleNotFoundError(method, content_type, path) from None


class _Lookup:
    """What ``Router.handle`` reads of a request, for ``find``."""

    __slots__ = ("content_type", "method", "path")

    def __init__(self, path: str, method: str, content_type: str | None) -> None:
        self.path = path
        self.method = method
        self.content_type = content_type
