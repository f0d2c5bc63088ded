"""The book API in the ASGI peers: FastAPI (pydantic), Litestar (msgspec), BlackSheep.

Each is written the way its documentation recommends for a JSON API: ``async def``
endpoints (no thread pool), typed request models that the framework validates
(a pydantic model for FastAPI and BlackSheep, a ``msgspec.Struct`` for
Litestar), typed path and query parameters with their constraints, and an
exception handler that renders the clink manual's error body, as the Falcon and
Flask apps of ``bench_apps`` do: FastAPI's 422 for a failed validation becomes
the 400 every other app answers.

Frameworks are imported only when their app is built. ``asgi.AsgiApp`` wraps the
result so the in-process harness and the servers can drive it.
"""

# No ``from __future__ import annotations``: the frameworks read the endpoints'
# annotations at run time, and the models are local to each builder.
from typing import Annotated, Any

import bench_apps as ba

NAME_PATTERN = ba.BOOK_SCHEMA["properties"]["name"]["pattern"]


# -- FastAPI ------------------------------------------------------------------------
def fastapi_app() -> Any:
    """FastAPI: a pydantic model (extra fields forbidden), return-type serialization."""
    from fastapi import FastAPI, Query
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel, ConfigDict, Field
    from starlette.exceptions import HTTPException as StarletteHTTPException

    Text = Annotated[str, Field(pattern=NAME_PATTERN)]

    class Book(BaseModel):
        model_config = ConfigDict(extra="forbid")
        name: Text
        author: Text

    class Created(BaseModel):
        id: int
        name: str
        author: str

    class BookWithId(BaseModel):
        id: int
        name: str
        author: str

    class Page(BaseModel):
        page: int
        size: int

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    book = Book(**ba.BOOK)

    @app.get("/book/item")
    async def get_item() -> Book:
        return book

    @app.post("/book/item", status_code=201)
    async def create_item(new: Book) -> Created:
        return Created(id=1, name=new.name, author=new.author)

    @app.get("/book/list")
    async def list_books(
        page: Annotated[int, Query(ge=1)], size: Annotated[int, Query(ge=1, le=50)]
    ) -> Page:
        return Page(page=page, size=size)

    @app.get("/book/{id}")
    async def get_book(id: int) -> BookWithId:
        return BookWithId(id=id, **ba.BOOK)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Any, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        where = "/".join(str(p) for p in first.get("loc", ()))
        message = f"{where or '(root)'} fails rule {first.get('type', '?')!r}"
        return JSONResponse(ba.error_body(400, message), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Any, exc: StarletteHTTPException) -> JSONResponse:
        code = exc.status_code
        message = ba.not_found_message(request.url.path) if code == 404 else exc.detail
        return JSONResponse(ba.error_body(code, message), status_code=code, headers=exc.headers)

    return app


# -- Litestar -----------------------------------------------------------------------
def litestar_app() -> Any:
    """Litestar: a ``msgspec.Struct`` body (unknown fields refused), typed parameters
    with the markers Litestar 2.2x documents (``JSONBody``, ``FromPath``, ``QueryParameter``)."""
    import msgspec
    from litestar import Litestar, Request, Response, get, post
    from litestar.exceptions import HTTPException, NotFoundException, ValidationException
    from litestar.params import FromPath, JSONBody, QueryParameter

    Text = Annotated[str, msgspec.Meta(pattern=NAME_PATTERN)]

    class Book(msgspec.Struct, forbid_unknown_fields=True):
        name: Text
        author: Text

    class Created(msgspec.Struct):
        id: int
        name: str
        author: str

    class Page(msgspec.Struct):
        page: int
        size: int

    book = Book(**ba.BOOK)

    @get("/book/item")
    async def get_item() -> Book:
        return book

    @post("/book/item")  # Litestar's POST answers 201
    async def create_item(data: JSONBody[Book]) -> Created:
        return Created(id=1, name=data.name, author=data.author)

    @get("/book/list")
    async def list_books(
        page: Annotated[int, QueryParameter(ge=1)],
        size: Annotated[int, QueryParameter(ge=1, le=50)],
    ) -> Page:
        return Page(page=page, size=size)

    @get("/book/{id:int}")
    async def get_book(id: FromPath[int]) -> Created:
        return Created(id=id, **ba.BOOK)

    def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
        code = exc.status_code
        if isinstance(exc, NotFoundException):
            message: Any = ba.not_found_message(request.url.path)
        elif isinstance(exc, ValidationException):
            extra = exc.extra if isinstance(exc.extra, list) else []
            first = extra[0] if extra and isinstance(extra[0], dict) else {}
            message = f"{first.get('key') or '(root)'}: {first.get('message', exc.detail)}"
        else:
            message = exc.detail
        return Response(ba.error_body(code, message), status_code=code)

    return Litestar(
        [get_item, create_item, list_books, get_book],
        exception_handlers={HTTPException: http_error},
        openapi_config=None,
        logging_config=None,
    )


# -- BlackSheep ---------------------------------------------------------------------
def blacksheep_app() -> Any:
    """BlackSheep: ``FromJSON`` binding to a pydantic model, typed route and query values."""
    from blacksheep import Application, FromJSON, FromQuery, json
    from blacksheep.exceptions import BadRequest
    from pydantic import BaseModel, ConfigDict, Field

    Text = Annotated[str, Field(pattern=NAME_PATTERN)]

    class Book(BaseModel):
        model_config = ConfigDict(extra="forbid")
        name: Text
        author: Text

    app = Application(show_error_details=False)
    get = app.router.get
    post = app.router.post

    @get("/book/item")
    async def get_item() -> Any:
        return json(ba.BOOK)

    @post("/book/item")
    async def create_item(data: FromJSON[Book]) -> Any:
        new = data.value
        return json(ba.created({"name": new.name, "author": new.author}), status=201)

    @get("/book/list")
    async def list_books(page: FromQuery[int], size: FromQuery[int]) -> Any:
        if page.value < 1 or not 1 <= size.value <= 50:
            raise BadRequest("page must be at least 1, size from 1 to 50")
        return json({"page": page.value, "size": size.value})

    @get("/book/{int:id}")
    async def get_book(id: int) -> Any:
        return json({"id": id, **ba.BOOK})

    async def bad_request(app: Any, request: Any, exc: Exception) -> Any:
        message = str(exc) or "bad request"
        return json(ba.error_body(400, message.split("\n")[0][:200]), status=400)

    async def not_found(app: Any, request: Any, exc: Exception) -> Any:
        return json(ba.error_body(404, ba.not_found_message(request.url.path.decode())), status=404)

    app.exceptions_handlers[BadRequest] = bad_request
    app.exceptions_handlers[404] = not_found
    return app


BARE = {
    "fastapi": fastapi_app, "litestar": litestar_app, "blacksheep": blacksheep_app,
    "clink_asgi": ba.clink_asgi_app,  # clink's own ASGI app, served alongside the peers
}


def build_bare(key: str) -> Any:
    """The framework app of peer ``key``, as a server is given it."""
    if key not in BARE:
        raise KeyError(f"no ASGI peer {key!r}; known: {', '.join(BARE)}")
    return BARE[key]()
