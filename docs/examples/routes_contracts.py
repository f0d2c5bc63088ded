"""Contracts: declared query arguments, bodies and responses are checked, not only documented.

Needs msgspec for the model (pip install 'clink-core[models]').
"""

import logging
from typing import Annotated

import msgspec

from clink_core import App, AppConf, Controller, Request, Response, mapper
from clink_core.testing import Client


class Book(msgspec.Struct):
    title: Annotated[str, msgspec.Meta(min_length=2)]
    year: int


@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/list")
    @mapper.query("page", {"type": "integer", "minimum": 1}, required=True)
    @mapper.query("size", {"type": "integer", "maximum": 50, "default": 10})
    @mapper.query("tag", {"type": "array", "items": {"type": "string"}})
    def list(self, req: Request, res: Response) -> None:
        res.body = {"page": req.args["page"], "size": req.args["size"],
                    "tag": req.args.get("tag")}

    @mapper.post("/item")
    @mapper.body(Book)  # or a JSON schema dict
    @mapper.response(201, Book)
    def add(self, req: Request, res: Response) -> None:
        book: Book = req.body  # decoded and validated by msgspec before the method runs
        res.status, res.body = 201, {"title": book.title, "year": book.year}

    @mapper.get("/broken")
    @mapper.response(200, {"type": "object", "required": ["title"]})
    def broken(self, req: Request, res: Response) -> None:
        res.body = {"name": "not what the contract says"}


class KeptLines(logging.Handler):
    """Keeps the log lines it is given, to check them."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def make_app(check_responses: bool) -> App:
    app = App(AppConf("book-api", check_responses=check_responses))
    app.add_ctl(BookCtl)
    app.load()
    return app


app = make_app(check_responses=True)  # for tests and staging

if __name__ == "__main__":
    client = Client(app)
    # Query text converted to the schema's types; a missing one with a default gets it.
    assert client.get("/book/list?page=2&tag=a&tag=b").json == {
        "page": 2, "size": 10, "tag": ["a", "b"]}

    # A missing required or bad argument is a 400 naming it and the rule, never the value.
    res = client.get("/book/list?page=0")
    assert res.status == 400
    assert (res.json["message"]["name"], res.json["message"]["rule"]) == ("page", "minimum")
    assert client.get("/book/list").status == 400

    # The body is decoded into the model; a bad one is the same 400 shape, naming `body`.
    res = client.post("/book/item", json={"title": "Dune", "year": 1965})
    assert res.status == 201 and res.json == {"title": "Dune", "year": 1965}
    res = client.post("/book/item", json={"title": "D", "year": 1965})
    assert res.status == 400 and res.json["message"]["name"] == "body"
    assert res.json["message"]["pointer"] == "/title"

    # With response checking on, a handler drifting from its contract is a 500, and the
    # error log (the `clink.error` logger until a plugin replaces it) names route and rule.
    error_log = logging.getLogger("clink.error")
    error_log.propagate = False  # keep the traceback out of this script's output
    error_log.addHandler(kept := KeptLines())
    assert client.get("/book/broken").status == 500
    assert "GET /book/broken" in kept.lines[0] and "(rule 'required')" in kept.lines[0]
    assert Client(make_app(check_responses=False)).get("/book/broken").status == 200
    # Left None (the default): off when served, on when the test Client loads the app.
    unsaid = App(AppConf("book-api"))
    unsaid.add_ctl(BookCtl)
    assert Client(unsaid).get("/book/broken").status == 500  # Client calls load()

    # The same declarations are the OpenAPI document.
    doc = app.openapi()
    operation = doc["paths"]["/book/item"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Book"}
    assert "Book" in doc["components"]["schemas"]
    print("contracts: ok")
