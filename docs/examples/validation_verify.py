"""Data validation: a service method guarded by dflow.verify (the manual's data_validation.py).

The schema is compiled once, when the module loads; a bad argument raises FormatError,
which the kernel answers 400 naming the argument, the JSON pointer and the rule.
"""

from typing import Any

from clink_core import App, AppConf, Controller, Request, Response, Service, mapper, stamp
from clink_core.dflow import ExistError, FormatError, verify
from clink_core.testing import Client

POST_BOOK_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "author"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-zA-Z0-9 ]{2,32}$"},
        "author": {"type": "string", "pattern": "^[a-zA-Z0-9 ]{2,16}$"},
    },
}


class BookSv(Service):
    def __init__(self) -> None:
        self._names: set[str] = set()

    @verify(None, POST_BOOK_SCHEMA)  # None: self is not checked
    def create_one(self, book: dict[str, Any]) -> None:
        if book["name"] in self._names:
            raise ExistError({"name": book["name"]})  # answered 409
        self._names.add(book["name"])


@stamp(BookSv)
@mapper.path("/book")
class BookCtl(Controller):
    def __init__(self, book_sv: BookSv) -> None:
        self._book_sv = book_sv

    @mapper.post("/item")
    def create_one_book(self, req: Request, res: Response) -> None:
        self._book_sv.create_one(req.body)
        res.body = {"message": "created"}


app = App(AppConf("book-api"))
app.add_ctl(BookCtl)
app.load()

if __name__ == "__main__":
    client = Client(app)
    res = client.post("/book/item", json={"name": "Dead Note"})
    assert res.status == 400 and res.json["status_name"] == "400 Bad Request"
    message = res.json["message"]
    assert (message["name"], message["pointer"], message["rule"]) == ("book", "", "required")
    assert "author" in message["detail"] and "Dead Note" not in str(res.json)  # never echoed

    # Every violation of the body in one answer, the first one also at the top.
    res = client.post("/book/item", json={"name": "#", "author": "@", "year": 1})
    rules = sorted(error["rule"] for error in res.json["message"]["errors"])
    assert rules == ["additionalProperties", "pattern", "pattern"], rules

    assert client.post("/book/item", json={"name": "Dead Note", "author": "Death"}).json == {
        "message": "created"}
    res = client.post("/book/item", json={"name": "Dead Note", "author": "Death"})
    assert res.status == 409

    # Called directly, the service raises FormatError; its text names the rule, not the value.
    try:
        BookSv().create_one({"name": "Dead Note", "author": "Death", "road": "1st Hell St @@@"})
    except FormatError as e:
        assert (e.name, e.rule) == ("book", "additionalProperties")
        assert "@@@" not in str(e)
    else:
        raise AssertionError("an extra property passed")
    print("validation: ok")
