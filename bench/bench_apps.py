"""The benchmarked WSGI apps: one small book API, written once per framework.

Every app answers the same requests with the same status, content type and JSON body:

- ``GET /book/item``  -> 200 ``{"name": "How to Die", "author": "Death"}``
- ``POST /book/item`` with a JSON book valid against ``BOOK_SCHEMA``
  -> 201 ``{"id": 1, "name": ..., "author": ...}``
- the same POST with an invalid book (or malformed JSON) -> 400 with the manual's error
  body ``{"status": 400, "status_name": "400 Bad Request", "message": ...}``; the
  ``message`` is each framework's own explanation, so it is not compared
- ``GET /not-exist`` -> 404 ``{"status": 404, "status_name": "404 Not Found",
  "message": "no route for path /not-exist"}``
- ``GET /book/42`` (a templated route, ``/book/{id:int}``) -> 200 ``{"id": 42, ...BOOK}``
- ``GET /book/list?page=2&size=10`` (two declared integer query arguments, page >= 1,
  1 <= size <= 50, both required) -> 200 ``{"page": 2, "size": 10}``; a missing or bad
  one is a 400 with the error body

Each app is written the way its framework's documentation shows, with nothing
special-cased for the benchmark. Frameworks are imported only when their app is
built, so this module imports with just the standard library. The ASGI peers
(FastAPI, Litestar, BlackSheep) are in ``peer_apps``; their builders here return
them wrapped in ``asgi.AsgiApp``.

This is a plain module (``bench/`` is not a package): ``run.py``, the servers and
``tests/bench`` put ``bench/`` on ``sys.path`` and ``import bench_apps``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from http import HTTPStatus
from importlib import metadata
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

BOOK = {"name": "How to Die", "author": "Death"}

#: The one schema every app checks a posted book against.
BOOK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "author"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-zA-Z0-9 ]{2,32}$"},
        "author": {"type": "string", "pattern": "^[a-zA-Z0-9 ]{2,32}$"},
    },
}

#: the name's length in the oversized POST: past clink's default body limit (1 MiB)
OVERSIZED = 1024 * 1024 + 1

STATUS_LINES = {s.value: f"{s.value} {s.phrase}" for s in HTTPStatus}
MIME_JSON = "application/json"


def error_body(status: int, message: Any) -> dict[str, Any]:
    """The error body of the clink manual, which every app answers with."""
    return {"status": status, "status_name": STATUS_LINES[status], "message": message}


def created(book: dict[str, Any]) -> dict[str, Any]:
    """The body of a 201 answer to a valid POST."""
    return {"id": 1, "name": book["name"], "author": book["author"]}


def not_found_message(path: str) -> str:
    return f"no route for path {path}"


def book_with_id(book_id: int) -> dict[str, Any]:
    """The body of ``GET /book/{id}``."""
    return {"id": book_id, **BOOK}


#: the query arguments of ``GET /book/list``: name -> (minimum, maximum)
PAGE_LIMITS = {"page": (1, None), "size": (1, 50)}


def page_problem(args: dict[str, Any]) -> str | None:
    """What is wrong with ``GET /book/list``'s (converted) arguments, or ``None``."""
    for name, (low, high) in PAGE_LIMITS.items():
        value = args.get(name)
        if value is None:
            return f"query argument {name!r} is required"
        if value < low or (high is not None and value > high):
            return f"query argument {name!r} is out of range"
    return None


def _explain(error: Any) -> str:
    """A short message about a jsonschema error that does not echo the value."""
    pointer = "".join(f"/{p}" for p in error.absolute_path) or "(root)"
    return f"{pointer} fails rule {error.validator!r}"


class Unavailable(Exception):
    """An app cannot be built here (a framework or plugin is not installed)."""


# -- raw WSGI -----------------------------------------------------------------------
def build_raw() -> WsgiApp:
    """A hand-written WSGI callable: stdlib ``json`` and a precompiled jsonschema validator."""
    import jsonschema
    from jsonschema.exceptions import best_match

    cls = jsonschema.validators.validator_for(BOOK_SCHEMA)
    validator = cls(BOOK_SCHEMA, format_checker=cls.FORMAT_CHECKER)
    get_body = json.dumps(BOOK).encode()

    def answer(start_response: Callable[..., Any], status: int, body: Any) -> list[bytes]:
        data = json.dumps(body).encode()
        start_response(
            STATUS_LINES[status],
            [("Content-Type", MIME_JSON), ("Content-Length", str(len(data)))],
        )
        return [data]

    def read_page(environ: dict[str, Any]) -> tuple[int, Any]:
        from urllib.parse import parse_qs

        args: dict[str, Any] = {}
        for name, values in parse_qs(environ.get("QUERY_STRING") or "").items():
            if name in PAGE_LIMITS:
                try:
                    args[name] = int(values[-1])
                except ValueError:
                    return 400, error_body(400, f"query argument {name!r} must be an integer")
        problem = page_problem(args)
        if problem is not None:
            return 400, error_body(400, problem)
        return 200, {"page": args["page"], "size": args["size"]}

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = environ["REQUEST_METHOD"]
        if path != "/book/item":
            if method == "GET" and path == "/book/list":
                return answer(start_response, *read_page(environ))
            tail = path[6:] if path.startswith("/book/") else ""
            if method == "GET" and tail.isdigit() and tail.isascii():
                return answer(start_response, 200, book_with_id(int(tail)))
            return answer(start_response, 404, error_body(404, not_found_message(path)))
        if method == "GET" or method == "HEAD":
            start_response(
                "200 OK", [("Content-Type", MIME_JSON), ("Content-Length", str(len(get_body)))]
            )
            return [] if method == "HEAD" else [get_body]
        if method != "POST":
            return answer(start_response, 405, error_body(405, f"method {method} not allowed"))
        ctype = (environ.get("CONTENT_TYPE") or "").partition(";")[0].strip().lower()
        if ctype != MIME_JSON:
            return answer(start_response, 415, error_body(415, "send application/json"))
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return answer(start_response, 400, error_body(400, "bad Content-Length"))
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        try:
            book = json.loads(raw)
        except ValueError:
            return answer(start_response, 400, error_body(400, "malformed JSON"))
        error = best_match(validator.iter_errors(book))
        if error is not None:
            return answer(start_response, 400, error_body(400, _explain(error)))
        return answer(start_response, 201, created(book))

    return app


# -- Falcon -------------------------------------------------------------------------
def _falcon_error_handler(req: Any, resp: Any, ex: Any, params: Any) -> None:
    """Render every ``falcon.HTTPError`` as the manual's error body."""
    import falcon

    code = ex.status_code
    if isinstance(ex, falcon.HTTPRouteNotFound):
        message: Any = not_found_message(req.path)
    else:
        message = ex.description or ex.title
    resp.status = code
    resp.media = error_body(code, message)
    if ex.headers:
        resp.set_headers(ex.headers)


def _falcon_app(post_decorator: Callable[[Any], Any], **app_kwargs: Any) -> Any:
    import falcon

    class BookResource:
        def on_get(self, req: Any, resp: Any) -> None:
            resp.media = BOOK

        @post_decorator
        def on_post(self, req: Any, resp: Any) -> None:
            book = req.get_media()
            resp.status = falcon.HTTP_201
            resp.media = created(book)

    class BookIdResource:
        def on_get(self, req: Any, resp: Any, id: int) -> None:
            resp.media = book_with_id(id)

    class BookListResource:
        def on_get(self, req: Any, resp: Any) -> None:
            page = req.get_param_as_int("page", required=True, min_value=1)
            size = req.get_param_as_int("size", required=True, min_value=1, max_value=50)
            resp.media = {"page": page, "size": size}

    app = falcon.App(**app_kwargs)
    app.add_route("/book/item", BookResource())
    app.add_route("/book/list", BookListResource())
    app.add_route("/book/{id:int}", BookIdResource())
    app.add_error_handler(falcon.HTTPError, _falcon_error_handler)
    return app


def build_falcon() -> WsgiApp:
    """Stock Falcon: its own JSON handler and its jsonschema ``validate`` decorator."""
    from falcon.media.validators import jsonschema as falcon_jsonschema

    return _falcon_app(falcon_jsonschema.validate(req_schema=BOOK_SCHEMA))  # type: ignore[no-any-return]


def fast_validate(schema: dict[str, Any]) -> Callable[[Any], Any]:
    """A Falcon responder decorator with clink's validation libraries.

    jsonschema-rs decides on the valid path; when it rejects, jsonschema explains
    (the way ``clink_core.dflow.verify`` works), answered as Falcon's
    ``MediaValidationError`` (400).
    """
    import falcon
    import jsonschema
    import jsonschema_rs
    from jsonschema.exceptions import best_match

    fast = jsonschema_rs.validator_for(schema, validate_formats=True).is_valid
    cls = jsonschema.validators.validator_for(schema)
    slow = cls(schema, format_checker=cls.FORMAT_CHECKER)

    def decorator(func: Any) -> Any:
        @wraps(func)
        def wrapper(self: Any, req: Any, resp: Any, *args: Any, **kwargs: Any) -> Any:
            media = req.get_media()
            try:
                valid = fast(media)
            except (ValueError, TypeError, OverflowError):
                valid = False
            if not valid:
                error = best_match(slow.iter_errors(media))
                if error is not None:
                    raise falcon.MediaValidationError(
                        title="Request data failed validation", description=_explain(error)
                    )
            return func(self, req, resp, *args, **kwargs)

        return wrapper

    return decorator


def build_falcon_fast() -> WsgiApp:
    """Falcon given clink's libraries: orjson media handlers, jsonschema-rs validation."""
    import orjson
    from falcon import media

    app = _falcon_app(fast_validate(BOOK_SCHEMA))
    handler = media.JSONHandler(dumps=orjson.dumps, loads=orjson.loads)
    app.req_options.media_handlers[MIME_JSON] = handler
    app.resp_options.media_handlers[MIME_JSON] = handler
    return app  # type: ignore[no-any-return]


# -- Flask --------------------------------------------------------------------------
def build_flask() -> WsgiApp:
    """Flask: ``request.get_json()``, dict returns, a precompiled jsonschema validator."""
    import jsonschema
    from flask import Flask, request
    from jsonschema.exceptions import best_match
    from werkzeug.exceptions import HTTPException, NotFound

    cls = jsonschema.validators.validator_for(BOOK_SCHEMA)
    validator = cls(BOOK_SCHEMA, format_checker=cls.FORMAT_CHECKER)
    app = Flask("bench_flask")

    @app.get("/book/item")
    def get_item() -> Any:
        return BOOK

    @app.post("/book/item")
    def post_item() -> Any:
        book = request.get_json()
        error = best_match(validator.iter_errors(book))
        if error is not None:
            return error_body(400, _explain(error)), 400
        return created(book), 201

    @app.get("/book/<int:book_id>")
    def get_book(book_id: int) -> Any:
        return book_with_id(book_id)

    @app.get("/book/list")
    def list_books() -> Any:
        args = {}
        for name in PAGE_LIMITS:
            value = request.args.get(name, type=int)
            if value is None and name in request.args:
                return error_body(400, f"query argument {name!r} must be an integer"), 400
            args[name] = value
        problem = page_problem(args)
        if problem is not None:
            return error_body(400, problem), 400
        return args

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Any:
        code = e.code or 500
        not_found = isinstance(e, NotFound)
        message = not_found_message(request.path) if not_found else e.description
        return error_body(code, message), code

    return app


# -- clink --------------------------------------------------------------------------
def _clink_plugin(name: str) -> Any:
    """The module an installed clink plugin names in its ``clink.plugins`` entry point."""
    for ep in metadata.entry_points(group="clink.plugins"):
        if ep.name == name:
            return ep.load()
    raise Unavailable(f"{name} is not installed (no 'clink.plugins' entry point {name!r})")


def _clink_app(
    plugins: Iterable[str], app_name: str = "bench-api", prims: Iterable[Any] = ()
) -> WsgiApp:
    """clink with exactly ``plugins`` (not every installed one: the rows stay comparable)."""
    from clink_core import App, AppConf, Controller, Service, mapper, stamp
    from clink_core.dflow import verify

    @stamp()
    class BookSv(Service):
        @verify(None, BOOK_SCHEMA)
        def create_one(self: Any, book: Any) -> dict[str, Any]:
            return created(book)

    @stamp(BookSv)
    @mapper.path("/book")
    class BookCtl(Controller):
        def __init__(self, book_sv: Any) -> None:
            self._book_sv = book_sv

        # ``@mapper.inline``: these only compute, so ``app.asgi`` calls them on the event loop
        # rather than in its thread pool (docs/asgi.md); the WSGI app is not affected.
        @mapper.get("/item")
        @mapper.inline
        def get_item(self, req: Any, res: Any) -> None:
            res.body = BOOK

        @mapper.post("/item")
        @mapper.inline
        def create_item(self, req: Any, res: Any) -> None:
            res.body = self._book_sv.create_one(req.body)
            res.status = 201

        @mapper.get("/{id:int}")
        @mapper.inline
        def get_book(self, req: Any, res: Any) -> None:
            res.body = book_with_id(req.params["id"])

        @mapper.get("/list")
        @mapper.query("page", {"type": "integer", "minimum": 1}, required=True)
        @mapper.query("size", {"type": "integer", "minimum": 1, "maximum": 50}, required=True)
        @mapper.inline
        def list_books(self, req: Any, res: Any) -> None:
            args = req.args
            res.body = {"page": args["page"], "size": args["size"]}

    app = App(AppConf(app_name), plugins=[_clink_plugin(p) for p in plugins], entrypoints=False)
    app.add_prim(*prims)
    app.add_ctl(BookCtl)
    app.load()
    return app


def build_clink() -> WsgiApp:
    """clink-core alone: orjson bodies, ``dflow.verify`` (jsonschema-rs fast path)."""
    return _clink_app([])


def build_clink_asgi() -> Any:
    """The same clink app served by ``app.asgi`` (issue 14), wrapped for the ASGI harness."""
    return _asgi(clink_asgi_app, "clink (ASGI)")


def clink_asgi_app() -> Any:
    """The bare ASGI app of ``build_clink()``: what uvicorn and granian are given."""
    return _clink_app([]).asgi  # type: ignore[attr-defined]


def build_clink_log_cors() -> WsgiApp:
    """clink with clink_log and clink_cors: default log configuration, any origin allowed."""
    from clink_cors import CorsConf

    return _clink_app(
        ["clink_log", "clink_cors"], app_name="bench-api-log-cors", prims=[CorsConf("*")]
    )


def build_clink_auth() -> WsgiApp:
    """The GET of ``clink``, guarded by clink_auth's ``@require_auth`` (bearer JWT).

    clink_auth keeps accounts in MongoDB, so this starts an embedded SecantusDB
    (stopped at exit) for ``load()`` and the one login that makes the token; the
    timed requests never touch the database (the access token is checked locally).
    """
    import tempfile

    from clink_auth import AuthConf, OAuthSv, require_auth
    from clink_core import App, AppConf, Controller, mapper, stamp
    from clink_mongo import MongoConf
    from clink_mongo.embedded import EmbeddedMongo

    mongo = EmbeddedMongo(tempfile.mkdtemp(prefix="clink-bench-mongo-"))
    mongo.start()

    @stamp()
    @mapper.path("/book")
    class BookCtl(Controller):
        @mapper.get("/item")
        @require_auth
        def get_item(self, req: Any, res: Any) -> None:
            res.body = BOOK

    plugins = ["clink_mongo", "clink_auth"]
    app = App(AppConf("bench-api-auth"), plugins=[_clink_plugin(p) for p in plugins],
              entrypoints=False)
    password = "bench-root-pwd"
    app.add_prim(
        MongoConf(mongo.url, "bench"),
        AuthConf(password, "root@example.com", None, "127.0.0.1", 2525, "k" * 64,
                 smtp_security="none", argon2_time_cost=1, argon2_memory_cost=8192),
    )
    app.add_ctl(BookCtl)
    app.load()
    token = app.injector.ref(OAuthSv).mktoken_pwd("root", password)["access_token"]
    APPS["clink_auth"].environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return app


# -- the ASGI peers (peer_apps), wrapped for the harness ---------------------------
def _asgi(build: Callable[[], Any], label: str) -> Any:
    from asgi import AsgiApp

    return AsgiApp(build(), label)


def build_fastapi() -> Any:
    """FastAPI with a pydantic model; see ``peer_apps.fastapi_app``."""
    import peer_apps

    return _asgi(peer_apps.fastapi_app, "FastAPI")


def build_litestar() -> Any:
    """Litestar with a ``msgspec.Struct``; see ``peer_apps.litestar_app``."""
    import peer_apps

    return _asgi(peer_apps.litestar_app, "Litestar")


def build_blacksheep() -> Any:
    """BlackSheep with a pydantic model; see ``peer_apps.blacksheep_app``."""
    import peer_apps

    return _asgi(peer_apps.blacksheep_app, "BlackSheep")


def null_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Does nothing: the harness's own cost per call, subtracted from every row."""
    start_response("200 OK", [("Content-Length", "0")])
    return [b""]


# -- the registry -------------------------------------------------------------------
@dataclass(frozen=True)
class AppSpec:
    key: str
    label: str
    build: Callable[[], WsgiApp]
    #: import names the app needs (besides what clink-core itself needs)
    needs: tuple[str, ...] = ()
    #: scenarios this row runs; ``None`` = every scenario
    scenarios: tuple[str, ...] | None = None
    #: environ entries added to every request of this row
    environ: dict[str, str] = field(default_factory=dict)
    #: what the row means, for the report
    about: str = ""
    #: "wsgi" (``app(environ, start_response)``) or "asgi" (an ``asgi.AsgiApp``)
    interface: str = "wsgi"

    @property
    def is_asgi(self) -> bool:
        return self.interface == "asgi"


APPS: dict[str, AppSpec] = {
    spec.key: spec
    for spec in (
        AppSpec(
            "raw", "raw WSGI", build_raw, ("jsonschema",),
            about="a hand-written WSGI callable: stdlib json, jsonschema (compiled once)",
        ),
        AppSpec(
            "falcon", "Falcon", build_falcon, ("falcon", "jsonschema"),
            about="stock Falcon: its JSON handler, falcon.media.validators.jsonschema.validate",
        ),
        AppSpec(
            "falcon_fast", "Falcon (clink's libs)", build_falcon_fast,
            ("falcon", "orjson", "jsonschema_rs", "jsonschema"),
            about="Falcon with orjson media handlers and jsonschema-rs deciding validity",
        ),
        AppSpec(
            "flask", "Flask", build_flask, ("flask", "jsonschema"),
            about="Flask: request.get_json(), dict returns, jsonschema (compiled once)",
        ),
        AppSpec(
            "clink", "clink", build_clink, ("clink_core",),
            about="clink-core (orjson bodies), dflow.verify (jsonschema-rs fast path)",
        ),
        AppSpec(
            "clink_asgi", "clink (ASGI)", build_clink_asgi, ("clink_core",),
            about="the clink app above served by app.asgi (issue 14): the same controllers, "
            "marked @mapper.inline (they only compute), called on the event loop",
            interface="asgi",
        ),
        AppSpec(
            "clink_log_cors", "clink + log + cors", build_clink_log_cors,
            ("clink_core", "clink_log", "clink_cors"),
            environ={"HTTP_ORIGIN": "http://127.0.0.1:8080"},
            about="clink with clink_log and clink_cors also installed (defaults); the "
            "requests carry an Origin header",
        ),
        AppSpec(
            "clink_auth", "clink + auth (bearer GET)", build_clink_auth,
            ("clink_core", "clink_mongo", "clink_auth", "secantus"),
            scenarios=("get",),
            about="a GET whose bearer token clink_auth verifies (the token seen before: "
            "its signature was verified once, its expiry is checked on every request)",
        ),
        AppSpec(
            "fastapi", "FastAPI", build_fastapi, ("fastapi", "pydantic"),
            about="FastAPI: async endpoints, a pydantic model (extra fields forbidden), "
            "return-type serialization, typed Query/path parameters; its 422 rendered as 400",
            interface="asgi",
        ),
        AppSpec(
            "litestar", "Litestar", build_litestar, ("litestar", "msgspec"),
            about="Litestar: async handlers, a msgspec Struct body, typed Parameter()s",
            interface="asgi",
        ),
        AppSpec(
            "blacksheep", "BlackSheep", build_blacksheep, ("blacksheep", "pydantic"),
            about="BlackSheep: async handlers, FromJSON binding to a pydantic model, "
            "FromQuery/route values",
            interface="asgi",
        ),
    )
}

#: the frameworks compared on every scenario, in table order
CORE_APPS = ("raw", "falcon", "falcon_fast", "flask", "clink")
#: clink's own rows under the ASGI harness and servers
CLINK_ASGI_APPS = ("clink_asgi",)
#: the ASGI peers (issue 13)
PEER_APPS = ("fastapi", "litestar", "blacksheep")
EXTRA_APPS = ("clink_log_cors", "clink_auth")


def missing(spec: AppSpec) -> str | None:
    """Why ``spec`` cannot run here, or ``None``."""
    import importlib.util

    for name in spec.needs:
        if importlib.util.find_spec(name) is None:
            return f"{name} is not installed"
    return None


def build(key: str) -> WsgiApp:
    """Build the app ``key``; ``Unavailable`` says why it cannot be built here."""
    spec = APPS[key]
    reason = missing(spec)
    if reason is not None:
        raise Unavailable(reason)
    return spec.build()


# -- the requests -------------------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    method: str
    path: str
    status: int
    body: bytes = b""
    content_type: str | None = None
    #: whether the body's ``message`` must be equal across apps
    same_message: bool = True
    query: str = ""
    #: the apps that run it (``None``: every app): limits differ between frameworks
    apps: tuple[str, ...] | None = None
    #: whether it is also sent over sockets (the 413 comes before the body is read, and a
    #: client that sends the whole body first meets a closed connection)
    over_sockets: bool = True

    @property
    def target(self) -> str:
        """The request target: path and query."""
        return f"{self.path}?{self.query}" if self.query else self.path


SCENARIOS: dict[str, Scenario] = {
    s.key: s
    for s in (
        Scenario("get", "GET small JSON", "GET", "/book/item", 200),
        Scenario(
            "post", "POST JSON + schema", "POST", "/book/item", 201,
            json.dumps({"name": "Dead Note", "author": "Death"}).encode(), MIME_JSON,
        ),
        Scenario(
            "post_invalid", "POST invalid (400)", "POST", "/book/item", 400,
            json.dumps({"name": "Dead Note!", "author": "Death"}).encode(), MIME_JSON,
            same_message=False,
        ),
        Scenario("not_found", "404 JSON", "GET", "/not-exist", 404),
        Scenario("get_param", "GET /book/{id:int}", "GET", "/book/42", 200),
        Scenario("get_query", "GET 2 query args", "GET", "/book/list", 200,
                 query="page=2&size=10"),
        Scenario(
            "post_malformed", "POST malformed JSON (400)", "POST", "/book/item", 400,
            b'{"name": "Dead Note", "author": ', MIME_JSON, same_message=False,
        ),
        Scenario(
            "post_oversized", "POST over the body limit (413)", "POST", "/book/item", 413,
            json.dumps({"name": "x" * OVERSIZED, "author": "Death"}).encode(), MIME_JSON,
            same_message=False, apps=("clink", "clink_asgi"), over_sockets=False,
        ),
    )
}


def runs(app: str, scenario: str) -> bool:
    """Whether app ``app`` runs scenario ``scenario`` (both keys)."""
    spec, scen = APPS[app], SCENARIOS[scenario]
    return (spec.scenarios is None or scenario in spec.scenarios) and (
        scen.apps is None or app in scen.apps
    )


def make_environ(
    method: str,
    path: str,
    body: bytes = b"",
    content_type: str | None = None,
    extra: dict[str, str] | None = None,
    query: str = "",
) -> dict[str, Any]:
    """A WSGI environ like the one a server builds (without ``wsgi.input``)."""
    import sys

    env: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "RAW_URI": f"{path}?{query}" if query else path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "50000",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "clink-bench",
        "HTTP_ACCEPT": "*/*",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if body:
        env["CONTENT_LENGTH"] = str(len(body))
    if content_type:
        env["CONTENT_TYPE"] = content_type
    if extra:
        env.update(extra)
    return env


def scenario_environ(scenario: Scenario, spec: AppSpec | None = None) -> dict[str, Any]:
    return make_environ(
        scenario.method, scenario.path, scenario.body, scenario.content_type,
        spec.environ if spec else None, scenario.query,
    )


def request_for(app: Any, environ: dict[str, Any]) -> Any:
    """What ``app`` is called with: the environ itself, or an ASGI app's scope of it."""
    if hasattr(app, "batch"):
        from asgi import scope_from_environ

        return scope_from_environ(environ)
    return environ


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def call(app: WsgiApp, environ: dict[str, Any], body: bytes = b"") -> Answer:
    """Call ``app`` once as a server would, and collect the answer (WSGI or ASGI)."""
    import io

    if hasattr(app, "batch"):  # an asgi.AsgiApp
        return Answer(*app.call(request_for(app, environ), body))

    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen["status"] = int(status.split(" ", 1)[0])
        seen["headers"] = list(headers)
        return lambda data: None

    env = dict(environ)
    env["wsgi.input"] = io.BytesIO(body)
    result = app(env, start_response)
    try:
        data = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return Answer(seen["status"], seen["headers"], data)


def expected_body(scenario: Scenario) -> Any:
    """The JSON body every app must answer ``scenario`` with (``message`` aside when noted)."""
    if scenario.key == "get":
        return BOOK
    if scenario.key == "post":
        return created(json.loads(scenario.body))
    if scenario.key == "not_found":
        return error_body(404, not_found_message(scenario.path))
    if scenario.key == "get_param":
        return book_with_id(42)
    if scenario.key == "get_query":
        return {"page": 2, "size": 10}
    if scenario.key == "post_oversized":  # RFC 9110's name (Python 3.11's is the older one)
        return {"status": 413, "status_name": "413 Content Too Large", "message": None}
    return error_body(scenario.status, None)


def check_answer(scenario: Scenario, answer: Answer) -> list[str]:
    """What is wrong with ``answer`` to ``scenario`` (empty when it is right)."""
    problems = []
    if answer.status != scenario.status:
        problems.append(f"status {answer.status}, expected {scenario.status}")
    ctype = (answer.header("Content-Type") or "").partition(";")[0].strip()
    if ctype != MIME_JSON:
        problems.append(f"content type {ctype!r}, expected {MIME_JSON!r}")
    length = answer.header("Content-Length")
    if length is not None and int(length) != len(answer.body):
        problems.append(f"Content-Length {length} but {len(answer.body)} bytes")
    try:
        body = answer.json
    except ValueError:
        return [*problems, f"body is not JSON: {answer.body[:80]!r}"]
    expected = expected_body(scenario)
    if not scenario.same_message and isinstance(body, dict):
        body = {**body, "message": None}
        if not answer.json.get("message"):
            problems.append("error body has no message")
    if body != expected:
        problems.append(f"body {body!r}, expected {expected!r}")
    return problems
