"""Decorators that map controller classes and methods to routes.

``@mapper.path('/book')`` on a ``Controller`` and ``@mapper.get('/item')`` on a
method route ``GET /book/item`` to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..com.label import read_stamp, write_stamp
from ..error.http import code_to_str
from ..mime.type import MIME_JSON
from .error import RouteMethodError, RoutePathError
from .route import METHODS
from .type import CtlMethod

PATH_KEY = "path"
CTL_METHOD_KEY = "ctl_method"
BODY_KEY = "body_schema"
BODY_CHECK_KEY = "body_checked"
RESPONSES_KEY = "responses"
SECURITY_KEY = "security"
QUERY_KEY = "query_params"
WS_KEY = "websocket"
INLINE_KEY = "inline"
F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type)


def path(path: str) -> Callable[[C], C]:
    """Give a controller class its path prefix."""
    if not isinstance(path, str):
        raise RoutePathError(path, "a path is a str")

    def decorate(cls: C) -> C:
        write_stamp(cls, PATH_KEY, path)
        return cls

    return decorate


def map(path: str, method: str, req_type: str | None) -> Callable[[F], F]:
    """Route ``method path`` with request media type ``req_type`` to a method."""
    if not isinstance(path, str):
        raise RoutePathError(path, "a path is a str")
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


def websocket(path: str) -> Callable[[F], F]:
    """Route WebSocket connections to ``path`` (served by the ASGI app, ``app.asgi``).

    The method is ``async def method(self, req, ws)``: ``req`` is the handshake
    as a request (headers, query, ``req.params``), ``ws`` a
    ``clink_core.asgi.WebSocket`` to ``accept``, ``receive``, ``send`` and ``close``.
    """
    if not isinstance(path, str):
        raise RoutePathError(path, "a path is a str")

    def decorate(func: F) -> F:
        write_stamp(func, WS_KEY, path)
        return func

    return decorate


def inline(func: F) -> F:
    """Mark a plain (``def``) controller method cheap: the ASGI app calls it on the event
    loop instead of in a thread. Only for methods that never block (no database, no
    files, no network); the WSGI app is not affected."""
    write_stamp(func, INLINE_KEY, True)
    return func


def ctl_websockets(ctl_type: type) -> dict[str, str]:
    """``{attribute name: path}`` of the WebSocket methods of a controller class."""
    found: dict[str, str] = {}
    for klass in reversed(ctl_type.__mro__):
        for name, func in vars(klass).items():
            path = read_stamp(func, WS_KEY)
            if path is not None:
                found[name] = path
    return found


def ctl_path(ctl_type: type) -> str | None:
    """The path ``@mapper.path`` gave a controller class, or ``None``."""
    prefix: str | None = read_stamp(ctl_type, PATH_KEY)
    return prefix


def ctl_method(func: Any) -> CtlMethod | None:
    """The route a mapper decorator gave a function, or ``None``."""
    spec: CtlMethod | None = read_stamp(func, CTL_METHOD_KEY)
    return spec


def body(schema: Any, *, check: bool = True) -> Callable[[F], F]:
    """Declare the route's request body: a JSON schema, or a model class
    (a ``msgspec.Struct`` or a dataclass; needs ``clink-core[models]``).

    The app checks ``req.body`` before the method runs: a schema validates it
    (every violation in one 400 naming ``body``), a model decodes it in one pass
    and the method gets the instance in ``req.body``. The schema is compiled, or
    the model's decoder built, once, here; both document the body in OpenAPI.
    ``check=False`` only documents it, for a method that checks its body itself
    (to answer in its own error format, say).
    """
    from .contract import body_checker

    body_checker(schema, "mapper.body")  # a bad schema, or a model without msgspec, fails here

    def decorate(func: F) -> F:
        write_stamp(func, BODY_KEY, schema)
        write_stamp(func, BODY_CHECK_KEY, check)
        return func

    return decorate


#: Status ranges ``mapper.response`` takes besides single codes.
STATUS_RANGES = ("1XX", "2XX", "3XX", "4XX", "5XX")


def response(
    status: int | str,
    schema: Any = None,
    description: str | None = None,
    *,
    links: dict[str, Any] | None = None,
) -> Callable[[F], F]:
    """Declare a response of the route (stack one per status).

    ``schema`` is a JSON schema or a model class. It documents the response in
    OpenAPI and, when response checking is on (``AppConf(check_responses=True)``,
    ``CLINK_CHECK_RESPONSES=1``, the test client), what the handler answers with
    ``status`` is checked against it: a mismatch is a 500 naming the route and
    the rule, so tests catch an API drifting from its contract. ``status`` is a
    code or a range (``"4XX"``: replaces the kernel's default error entry, for
    routes whose errors have another shape). ``links`` are OpenAPI link
    objects by name, e.g. ``{"GetBook": {"operationId": "GET_BookCtl_get_item",
    "parameters": {"id": "$response.body#/id"}}}``.
    """
    if status not in STATUS_RANGES:
        code_to_str(status)  # type: ignore[arg-type]
    if links is not None and not isinstance(links, dict):
        raise TypeError(f"links must be a dict of link objects by name, got {links!r}")
    if schema is not None:
        from .contract import body_checker

        body_checker(schema, "mapper.response")  # a bad schema, or a model without msgspec

    def decorate(func: F) -> F:
        responses = dict(read_stamp(func, RESPONSES_KEY) or {})
        responses[status] = (schema, description, dict(links) if links else None)
        write_stamp(func, RESPONSES_KEY, responses)
        return func

    return decorate


def query(
    name: str, schema: Any = None, description: str | None = None, *, required: bool = False
) -> Callable[[F], F]:
    """Declare a query-string argument of the route (stack one per name, in source order).

    ``schema`` describes the value (``{"type": "integer", "minimum": 1}`` for
    ``?page=2``); ``None`` means any string. Before the method runs the text is
    converted to the schema's type (``integer``, ``number``, ``boolean`` from
    true/false/1/0, ``array`` from a repeated name) and validated; a missing
    ``required`` one, or a bad one, is a 400 naming it and the rule (every
    problem in one answer), a missing one with a ``default`` gets it.
    ``req.args`` then holds the converted values (undeclared arguments stay
    strings).
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"query() takes a non-empty argument name, got {name!r}")
    if schema is not None:
        from ..dflow.schema import CompiledSchema

        CompiledSchema(schema)  # a bad schema fails here, not at the first request

    def decorate(func: F) -> F:
        params = {k: v for k, v in (read_stamp(func, QUERY_KEY) or {}).items() if k != name}
        write_stamp(func, QUERY_KEY, {name: (schema, description, bool(required)), **params})
        return func

    return decorate


def secured(*schemes: str) -> Callable[[F], F]:
    """Document that the route needs credentials (``"bearer"`` by default).

    Guards such as clink-auth's ``require_auth`` set it; on its own it does not
    check anything.
    """
    names = schemes or ("bearer",)

    def decorate(func: F) -> F:
        write_stamp(func, SECURITY_KEY, tuple(names))
        return func

    return decorate


def route_doc(func: Any) -> dict[str, Any]:
    """What the mapper decorators recorded on a route's handler, for documentation."""
    func = getattr(func, "__func__", func)
    return {
        "body": read_stamp(func, BODY_KEY),
        "body_checked": read_stamp(func, BODY_CHECK_KEY) is not False,
        "responses": read_stamp(func, RESPONSES_KEY) or {},
        "security": read_stamp(func, SECURITY_KEY),
        "query": read_stamp(func, QUERY_KEY) or {},
        "doc": func.__doc__,
        "name": getattr(func, "__qualname__", repr(func)),
    }
