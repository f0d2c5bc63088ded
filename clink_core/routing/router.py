"""The router: a dict lookup ``path -> method -> media type -> route``, then templates.

Static paths (the manual's) are looked up in a dict, as they always were.
Only when that misses are the templates (``/book/{id:int}``) matched, by one
segment trie built from all of them (``matcher``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, unquote

from ..error.http import Http404Error, Http405Error, Http415Error
from ..iface.pipe import ILv2Handler
from ..type.request import Request
from .converter import DEFAULT_CONVERTERS, Converter, make_converter
from .error import (
    CtlSpecError,
    HandleNotFoundError,
    PathNotFoundError,
    RouteExistError,
    RoutePathError,
)
from .mapper import ctl_method, ctl_path, ctl_websockets
from .matcher import TemplateMatcher
from .route import BODYLESS, Route, normalize_path
from .template import is_template, parse

#: a decoded ``/`` inside a raw segment (``%2F``) while segments are matched.
_SLASH = "\x00"


def _echo(path: str) -> str:
    """The path as an error message may show it: non-ASCII percent-encoded (UTF-8)."""
    # PERF: an ASCII path (nearly every one) is shown as it is.
    return path if path.isascii() else quote(path, safe="/")


class _Resource:
    """What one path (or template) answers: its routes by method, and its ``Allow``."""

    __slots__ = ("allow", "methods", "options", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        #: method -> route (bodyless methods) or {media type -> route}
        self.methods: dict[str, Any] = {}
        self.allow = ""
        self.options: Route | None = None

    def add(self, route: Route) -> None:
        methods = self.methods
        if route.req_type is None and route.method in BODYLESS:
            if route.method in methods:
                raise RouteExistError(route, methods[route.method])
            methods[route.method] = route
        else:
            types = methods.setdefault(route.method, {})
            if route.req_type in types:
                raise RouteExistError(route, types[route.req_type])
            types[route.req_type] = route
        allowed = set(methods) | {"OPTIONS"}
        if "GET" in allowed:
            allowed.add("HEAD")
        allow = self.allow = ", ".join(sorted(allowed))

        def answer_options(req: Request, res: Any) -> None:
            res.status = 204
            res.header["Allow"] = allow

        self.options = Route(route.path, "OPTIONS", None, answer_options)
        self.options.template = route.template


class Router(ILv2Handler):
    """Stores routes and finds the route of a request (the app's level 2).

    A trailing slash does not matter. HEAD is served wherever GET is, and
    OPTIONS on a path without its own OPTIONS route is answered 204 with
    ``Allow`` (RFC 9110 §9.3.7; CORS preflights build on it). ``handle(req)``
    sets ``req.route`` (the ``Route``, whose ``path`` is the template for
    templated routes) and, for templates, ``req.params``.
    """

    trylast = True

    def __init__(self, routes: Iterable[Route] = ()) -> None:
        self.routes: list[Route] = []
        #: check what handlers answer against their ``@mapper.response`` schemas.
        self.check_responses = False
        self.converters: dict[str, Converter] = dict(DEFAULT_CONVERTERS)
        self._static: dict[str, dict[str, Any]] = {}
        self._resources: dict[str, _Resource] = {}
        self._templates = TemplateMatcher()
        self._has_templates = False
        self.add_routes(routes)

    def add_converter(
        self,
        name: str,
        regex: str,
        convert: Callable[[str], Any],
        schema: dict[str, Any] | None = None,
    ) -> None:
        """Teach templates ``{x:name}``: a segment matching ``regex``, handed to the
        handler as ``convert(text)`` (a ``ValueError`` there means no match).

        ``schema`` is the value's JSON schema in OpenAPI (default: a string).
        """
        if self.routes:
            raise RoutePathError(name, "add converters before the routes that use them")
        self.converters[name] = make_converter(name, regex, convert, schema)

    def add_ctl(self, ctl: Any) -> None:
        """Add a route for every mapped method of controller instance ``ctl``, each
        wrapped by its contract (``contract.enforce``: declared query, body, responses)."""
        from .contract import decodes_raw_json, enforce

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
            route = Route(path, spec.method, spec.req_type, getattr(ctl, name))
            route.handle = enforce(str(route), route.handle, self.check_responses)
            route.raw_json = decodes_raw_json(route.endpoint)
            self.add_route(route)

    def add_websockets(self, ctl: Any) -> None:
        """Add a route (method ``GET``: the handshake) for every ``@mapper.websocket``
        method of controller instance ``ctl``."""
        prefix = ctl_path(type(ctl))
        if prefix is None:
            raise CtlSpecError(type(ctl))
        for name, path in ctl_websockets(type(ctl)).items():
            self.add_route(Route(normalize_path(f"{prefix}/{path}"), "GET", None,
                                 getattr(ctl, name)))

    def add_route(self, route: Route) -> None:
        """Add one route; the same path (or URLs), method and media type twice raises."""
        self._index(route)
        self.routes.append(route)

    def add_routes(self, routes: Iterable[Route]) -> None:
        """Add several routes."""
        for route in routes:
            self.add_route(route)

    def compile(self) -> None:
        """Rebuild the lookup from ``routes``, taking handles replaced since they were
        added (``App.load()`` calls it after plugins wrapped route handles)."""
        self._static, self._resources, self._templates = {}, {}, TemplateMatcher()
        self._has_templates = False
        for route in self.routes:
            self._index(route)
        if self._has_templates:
            self._templates.compile()

    def _index(self, route: Route) -> None:
        if not is_template(route.path):
            resource = self._resources.get(route.path)
            if resource is None:
                resource = self._resources[route.path] = _Resource(route.path)
                self._static[route.path] = resource.methods
            resource.add(route)
            return
        template = route.template = parse(route.path, self.converters)
        self._has_templates = True
        found = self._templates.find(template)
        if found is None:
            resource = _Resource(route.path)
            self._templates.add(template, resource)
        else:
            known, resource = found
            if [p.name for p in known.params] != [p.name for p in template.params]:
                raise RoutePathError(
                    route.path,
                    f"matches the same URLs as {known.path!r} with other parameter names; "
                    "name the parameters alike",
                )
        resource.add(route)

    def handle(self, req: Request) -> Callable[..., Any]:
        """Return the handler of ``req``: 404 unknown path, 405 wrong method, 415 wrong type."""
        path = req.path or "/"
        if path[-1] == "/" and len(path) > 1:
            path = path.rstrip("/") or "/"
        methods = self._static.get(path)
        resource = None
        if methods is None:
            if not self._has_templates:
                # PERF: an ASCII path (nearly every one) needs no call to show it.
                raise Http404Error(f"no route for path {path if path.isascii() else _echo(path)}")
            resource = self._match_template(req, path)
            methods = resource.methods
        entry = methods.get(req.method)  # type: ignore[arg-type]
        if entry is None:
            entry = self._method_fallback(req, resource or self._resources[path], path)
        # PERF: bodyless routes are stored as themselves; only typed ones in a dict.
        if entry.__class__ is not dict:
            req.route = entry
            return entry.handle  # type: ignore[no-any-return]
        route = entry.get(req.content_type) or entry.get(None)
        if route is None:
            accepted = ", ".join(sorted(t for t in entry if t))
            raise Http415Error(
                f"content type {req.content_type or '(none)'} is not accepted by "
                f"{req.method} {_echo(path)}; send one of: {accepted}"
            )
        req.route = route
        return route.handle  # type: ignore[no-any-return]

    def _match_template(self, req: Request, path: str) -> _Resource:
        """The resource of the template ``path`` matches (setting ``req.params``), or 404."""
        env = req.env
        raw = (env.get("RAW_URI") or env.get("REQUEST_URI")) if env is not None else None
        if raw and ("%2F" in raw or "%2f" in raw):
            found = self._match_encoded_slashes(raw)
        else:
            # PERF: the common case inline: split, one call to the compiled matcher.
            found = self._templates.match(path.split("/")[1:] if path != "/" else [])
        if found is None:
            raise Http404Error(f"no route for path {_echo(path)}")
        req.params = found[1]
        return found[0]  # type: ignore[no-any-return]

    def _match_encoded_slashes(self, raw: str) -> tuple[Any, dict[str, Any]] | None:
        """Match the raw request path whose segments hold a ``%2F`` (a ``/`` that is
        no separator: kept as ``_SLASH`` while matching, restored in the values)."""
        raw_path = raw.partition("?")[0].rstrip("/") or "/"
        segments = [unquote(s).replace("/", _SLASH) for s in raw_path.split("/")[1:]]
        found = self._templates.match(segments)
        if found is None:
            return None
        resource, params = found
        return resource, {k: _restore(v) for k, v in params.items()}

    def _method_fallback(self, req: Request, resource: _Resource, path: str) -> Any:
        method = (req.method or "").upper()
        methods = resource.methods
        entry = methods.get(method)
        if entry is None and method == "HEAD":
            entry = methods.get("GET")
        if entry is not None:
            return entry
        if method == "OPTIONS":
            return resource.options
        raise Http405Error(
            f"method {method} is not allowed on {_echo(path)}; allowed: {resource.allow}",
            {"Allow": resource.allow},
        )

    def find(self, path: str, method: str, content_type: str | None = None) -> Callable[..., Any]:
        """Look a handler up without a request; raises the routing errors, not HTTP ones."""
        req = Request()
        req.path, req.method, req.content_type = path, method.upper(), content_type
        try:
            return self.handle(req)
        except Http404Error:
            raise PathNotFoundError(path) from None
        except (Http405Error, Http415Error):
            raise HandleNotFoundError(method, content_type, path) from None


def _restore(value: Any) -> Any:
    return value.replace(_SLASH, "/") if isinstance(value, str) else value
