"""The book catalogue: its schemas, ``BookSv`` (storage and rules) and ``BookCtl`` (HTTP).

Anyone may list and read books; adding one needs an access token (``require_auth``),
removing one needs an account in the ``admin`` group (``require_group("admin")``). The
guards also mark the routes as needing a bearer token in the OpenAPI document.
Arguments travel in the query string (``/book/item?id=...``), bodies are JSON.
"""

from __future__ import annotations

import time
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from clink_auth import require_auth, require_group
from clink_core import Controller, Request, Response, Service, mapper, stamp
from clink_core.dflow import ExistError, NonExistError, verify
from clink_mongo import MongoDocSpec, MongoSv

# -- schemas: they check requests (mapper.body, verify) and document the API ----------
BOOK_ID = {"type": "string", "pattern": "^[0-9a-f]{24}$", "description": "the book's id"}
ISBN = {
    "type": "string",
    "pattern": "^97[89][0-9]{10}$",
    "description": "ISBN-13, digits only; unique in the catalogue",
    "examples": ["9780441172719"],
}
NEW_BOOK = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "author", "isbn"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 200, "examples": ["Dune"]},
        "author": {
            "type": "string", "minLength": 1, "maxLength": 100, "examples": ["Frank Herbert"]},
        "isbn": ISBN,
        "year": {"type": "integer", "minimum": -3000, "maximum": 3000, "examples": [1965]},
    },
}
BOOK = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "title", "author", "isbn", "year", "added_by", "added_at"],
    "properties": {
        "id": BOOK_ID,
        "title": {"type": "string"},
        "author": {"type": "string"},
        "isbn": {"type": "string"},
        "year": {"type": ["integer", "null"]},
        "added_by": {"type": "string", "description": "name of the account that added it"},
        "added_at": {"type": "number", "description": "unix time, seconds"},
    },
}
PAGE = {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1}
SIZE = {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
BOOK_PAGE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["items", "page", "size", "total"],
    "properties": {
        "items": {"type": "array", "items": BOOK},
        "page": PAGE,
        "size": SIZE,
        "total": {"type": "integer", "minimum": 0, "description": "books in the catalogue"},
    },
}
ADDED_BY = {"type": "string", "minLength": 1}

#: OpenAPI links from a created book to reading and removing it (stateful tests follow them).
BOOK_LINKS = {
    "GetBook": {
        "operationId": "GET_BookCtl_get_item",
        "parameters": {"id": "$response.body#/id"},
        "description": "read the book just added",
    },
    "DeleteBook": {
        "operationId": "DELETE_BookCtl_delete_item",
        "parameters": {"id": "$response.body#/id"},
        "description": "remove the book just added (admin)",
    },
}


def _book(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document as the API answers it."""
    return {
        "id": str(doc["_id"]),
        "title": doc["title"],
        "author": doc["author"],
        "isbn": doc["isbn"],
        "year": doc.get("year"),
        "added_by": doc["added_by"],
        "added_at": doc["added_at"],
    }


@stamp(MongoSv)
class BookSv(Service):
    """Books in MongoDB (collection ``book``, unique ``isbn``); arguments checked by ``verify``."""

    def __init__(self, mongo_sv: MongoSv) -> None:
        mongo_sv.use_docspec(MongoDocSpec("book", [
            IndexModel([("isbn", ASCENDING)], unique=True, name="isbn_unique"),
            IndexModel([("added_at", DESCENDING)], name="added_at"),
        ]))
        self._books = mongo_sv.doc("book")

    @verify(None, NEW_BOOK, ADDED_BY)
    def add(self, book: dict[str, Any], added_by: str) -> dict[str, Any]:
        """Store a new book; ``ExistError`` (409) when its ISBN is taken."""
        doc = {**book, "year": book.get("year"), "added_by": added_by, "added_at": time.time()}
        try:
            self._books.insert_one(doc)
        except DuplicateKeyError:
            raise ExistError({"isbn": book["isbn"]}) from None
        return _book(doc)

    @verify(None, BOOK_ID)
    def get(self, book_id: str) -> dict[str, Any]:
        """One book; ``NonExistError`` (404) when there is none with this id."""
        doc = self._books.find_one({"_id": ObjectId(book_id)})
        if doc is None:
            raise NonExistError({"id": book_id})
        return _book(doc)

    @verify(None, PAGE, SIZE)
    def page(self, page: int, size: int) -> dict[str, Any]:
        """Books, newest first, ``size`` per page."""
        cursor = self._books.find().sort([("added_at", DESCENDING), ("_id", DESCENDING)])
        items = [_book(doc) for doc in cursor.skip((page - 1) * size).limit(size)]
        return {"items": items, "page": page, "size": size,
                "total": self._books.count_documents({})}

    @verify(None, BOOK_ID)
    def remove(self, book_id: str) -> None:
        """Remove a book; ``NonExistError`` (404) when there is none with this id."""
        if self._books.delete_one({"_id": ObjectId(book_id)}).deleted_count == 0:
            raise NonExistError({"id": book_id})


@stamp(BookSv)
@mapper.path("/book")
class BookCtl(Controller):
    """The book catalogue."""

    def __init__(self, book_sv: BookSv) -> None:
        self.book_sv = book_sv

    @mapper.get("/list")
    @mapper.query("page", PAGE, "page number, from 1")
    @mapper.query("size", SIZE, "books per page, at most 100")
    @mapper.response(200, BOOK_PAGE, "one page of books, newest first")
    @mapper.response(400, None, "page or size is not a whole number in range")
    def get_list(self, req: Request, res: Response) -> None:
        """List books, newest first, a page at a time."""
        # The declared query arguments arrive converted and checked (defaults included).
        res.body = self.book_sv.page(req.args["page"], req.args["size"])

    @mapper.get("/item")
    @mapper.query("id", BOOK_ID, "the book's id", required=True)
    @mapper.response(200, BOOK, "the book")
    @mapper.response(400, None, "id is missing or malformed")
    @mapper.response(404, None, "no book has this id")
    def get_item(self, req: Request, res: Response) -> None:
        """Read one book."""
        res.body = self.book_sv.get(req.args.get("id"))

    @mapper.post("/item")
    @mapper.response(201, BOOK, "the book as stored", links=BOOK_LINKS)
    @mapper.response(400, None, "the body breaks the schema (the message names the field)")
    @mapper.response(401, None, "no valid access token")
    @mapper.response(409, None, "a book with this ISBN exists")
    @require_auth  # checked before the body
    @mapper.body(NEW_BOOK)
    def post_item(self, req: Request, res: Response) -> None:
        """Add a book (needs an access token).

        The answer carries the stored book and a `Location` header to read it.
        """
        book = self.book_sv.add(req.body, req.context.account.name)
        res.status = 201
        res.header["Location"] = f"/book/item?id={book['id']}"
        res.body = book

    @mapper.delete("/item")
    @mapper.query("id", BOOK_ID, "the book's id", required=True)
    @mapper.response(204, None, "the book is gone")
    @mapper.response(400, None, "id is missing or malformed")
    @mapper.response(401, None, "no valid access token")
    @mapper.response(403, None, "the account is not in the admin group")
    @mapper.response(404, None, "no book has this id")
    @require_group("admin")
    def delete_item(self, req: Request, res: Response) -> None:
        """Remove a book (needs an account in the `admin` group)."""
        self.book_sv.remove(req.args.get("id"))
        res.status = 204
