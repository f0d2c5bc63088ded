"""The manual's Data Validation example: a service method guarded by ``dflow.verify``.

Needs only clink-core. Deviation: the 400 body names the argument, the JSON pointer and the
failed rule, and never echoes the submitted value or the schema.
"""

from _serve import serve

from clink_core import App, AppConf, Controller, Request, Response, Service, mapper, stamp
from clink_core.dflow import verify

conf = AppConf("book-api", org_name="Hell Corporation", org_addr="1st, Hell street")
app = App(conf)

POST_BOOK_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "author"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-zA-Z0-9 ]{2,32}$"},
        "author": {"type": "string", "pattern": "^[a-zA-Z0-9 ]{2,16}$"},
    },
}


@stamp()
class BookSv(Service):
    @verify(None, POST_BOOK_SCHEMA)
    def create_one(self, book):
        # if data is invalid, clink_core.dflow.FormatError is raised
        # and the application answers 400
        return book


@stamp(BookSv)
@mapper.path("/book")
class BookCtl(Controller):
    def __init__(self, book_sv):
        self._book_sv = book_sv

    @mapper.post("/item")
    def create_one_book(self, req: Request, res: Response):
        self._book_sv.create_one(req.body)
        res.body = {"message": "created"}


app.add_ctl(BookCtl)
app.load()

if __name__ == "__main__":
    serve(app, "/book/item")
