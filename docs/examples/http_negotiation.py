"""406 for an Accept a route cannot serve; ETags, 304 and 412."""

from clink_core import App, AppConf, Controller, Request, Response, mapper
from clink_core.http import produces
from clink_core.testing import Client

BOOK = {"id": 7, "name": "Dune", "version": 3}


@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/item")  # answers application/json (the default)
    def get(self, req: Request, res: Response) -> None:
        res.etag = f"book-7-v{BOOK['version']}"  # a validator of this representation
        res.body = BOOK

    @produces("text/csv", "application/json")
    @mapper.get("/list")
    def list(self, req: Request, res: Response) -> None:
        res.content_type = "text/csv"
        res.body = "id,name\n7,Dune\n"

    @mapper.put("/item")
    def put(self, req: Request, res: Response) -> None:
        # Before changing anything: did the client see the current version?
        req.precondition(etag=f"book-7-v{BOOK['version']}")
        BOOK.update(req.body, version=BOOK["version"] + 1)
        res.body = BOOK


app = App(AppConf("negotiation"))
app.add_ctl(BookCtl)
client = Client(app)

assert client.get("/book/item").status == 200  # no Accept: anything goes
assert client.get("/book/item", headers={"Accept": "application/*"}).status == 200
assert client.get("/book/item", headers={"Accept": "text/html,*/*;q=0.8"}).status == 200
refused = client.get("/book/item", headers={"Accept": "application/xml"})
assert refused.status == 406 and "answers application/json" in refused.json["message"]
assert client.get("/book/item", headers={"Accept": "application/json;q=0, */*"}).status == 406
assert client.get("/book/list", headers={"Accept": "text/csv"}).status == 200

first = client.get("/book/item")
etag = first.header("ETag")
assert etag == '"book-7-v3"'
assert client.get("/book/item", headers={"If-None-Match": etag}).status == 304

stale = client.put("/book/item", json={"name": "Dune Messiah"}, headers={"If-Match": '"book-7-v2"'})
assert stale.status == 412 and BOOK["name"] == "Dune"  # nothing changed
done = client.put("/book/item", json={"name": "Dune Messiah"}, headers={"If-Match": etag})
assert done.status == 200 and done.json["version"] == 4
print("negotiation: ok")
