"""A book API over MongoSv and an HTTP helper, shared by the clink_mongo tests.

The apps here use no plugin but clink_mongo, so the tests run with it alone.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from pymongo import ASCENDING, IndexModel

from clink_core import Controller, mapper, stamp
from clink_core.error.http import Http404Error
from clink_mongo import MongoDocSpec, MongoSv


def book_spec() -> MongoDocSpec:
    return MongoDocSpec("book", [IndexModel([("name", ASCENDING)], unique=True)])


def reply(res: Any, data: Any, status: int = 200) -> None:
    res.status = status
    res.body = json.dumps(data).encode()


@stamp(MongoSv)
@mapper.path("/book")
class BookCtl(Controller):
    """Creates its index at load (needs the server then), then reads and writes books."""

    def __init__(self, mongo_sv: MongoSv) -> None:
        mongo_sv.use_docspec(book_spec())
        self.books = mongo_sv.doc("book")

    @mapper.post("/item")
    def add(self, req: Any, res: Any) -> None:
        data = req.body  # the kernel parsed the JSON body
        self.books.insert_one({"name": data["name"], "author": data.get("author")})
        reply(res, {"name": data["name"]}, 201)

    @mapper.get("/item")
    def get(self, req: Any, res: Any) -> None:
        book = self.books.find_one({"name": req.args.get("name")}, {"_id": 0})
        if book is None:
            raise Http404Error(req, "no such book")
        reply(res, book)

    @mapper.get("/count")
    def count(self, req: Any, res: Any) -> None:
        reply(res, {"count": self.books.count_documents({})})


@stamp(MongoSv)
@mapper.path("/lazy")
class LazyCtl(Controller):
    """Touches the database only per request, so its app loads with the server down."""

    def __init__(self, mongo_sv: MongoSv) -> None:
        self.mongo_sv = mongo_sv

    @mapper.get("/ping")
    def ping(self, req: Any, res: Any) -> None:
        self.mongo_sv.ping()
        reply(res, {"ok": True})

    @mapper.get("/find")
    def find(self, req: Any, res: Any) -> None:
        reply(res, {"found": self.mongo_sv.db["thing"].find_one({}, {"_id": 0})})


def http_get(url: str, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    """GET ``url`` over a real socket; any status comes back (no exception for 5xx)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, dict(e.headers), e.read()
