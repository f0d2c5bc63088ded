"""Redirects: a status, a Location, no body; open redirects refused."""

from clink_core import App, AppConf, Controller, Request, Response, mapper
from clink_core.http import RedirectError
from clink_core.testing import Client


@mapper.path("/book")
class BookCtl(Controller):
    @mapper.post("/item")
    def create(self, req: Request, res: Response) -> None:
        res.redirect("/book/item?id=7")  # 303 See Other: the client GETs the new book

    @mapper.get("/old")
    def old(self, req: Request, res: Response) -> None:
        res.redirect("https://books.example/item", 308)  # moved for good, method kept

    @mapper.get("/login")
    def login(self, req: Request, res: Response) -> None:
        then = req.args.get("next", "/")
        try:
            res.redirect(then)  # "//evil.example" would send the user anywhere
        except RedirectError:
            res.redirect("/")


app = App(AppConf("redirects"))
app.add_ctl(BookCtl)
client = Client(app)

res = client.post("/book/item", json={"name": "Dune"})
assert (res.status, res.header("Location"), res.data) == (303, "/book/item?id=7", b"")
assert res.content_type is None  # no JSON null body, no JSON content type

assert client.get("/book/old").status == 308
assert client.get("/book/login", query={"next": "/shelf"}).header("Location") == "/shelf"
assert client.get("/book/login", query={"next": "//evil.example"}).header("Location") == "/"
print("redirects: ok")
