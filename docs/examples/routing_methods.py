"""Routing by method, path and content type (the 2017 manual's routing.py, checked)."""

from clink_core import App, AppConf, Controller, Request, Response, mapper
from clink_core.mime.type import MIME_PLAINTEXT
from clink_core.routing import RouteExistError
from clink_core.testing import Client


@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/item")
    def get_item(self, req: Request, res: Response) -> None:
        res.body = {"name": "How to Die", "author": "Death"}

    @mapper.post("/item", MIME_PLAINTEXT)  # the content type is part of the route
    def create_item(self, req: Request, res: Response) -> None:
        res.body = {"msg": "created"}

    @mapper.patch("/item")  # POST, PUT and PATCH default to application/json
    def patch_item(self, req: Request, res: Response) -> None:
        res.body = {"msg": "patched"}

    @mapper.put("/item")
    def put_item(self, req: Request, res: Response) -> None:
        res.body = {"msg": "putted"}

    @mapper.delete("/item")  # GET and DELETE ignore the content type
    def delete_item(self, req: Request, res: Response) -> None:
        res.body = {"msg": "deleted"}


app = App(AppConf("book-api"))
app.add_ctl(BookCtl)
app.load()

if __name__ == "__main__":
    client = Client(app)
    assert client.get("/book/item").json == {"name": "How to Die", "author": "Death"}
    assert client.post("/book/item", data="", content_type="text/plain").json == {
        "msg": "created"}
    assert client.patch("/book/item", json={}).json == {"msg": "patched"}
    assert client.put("/book/item", json={}).json == {"msg": "putted"}
    assert client.delete("/book/item").json == {"msg": "deleted"}

    # A trailing slash never matters; a JSON media type with parameters still matches.
    assert client.get("/book/item/").status == 200
    assert client.put("/book/item", data="{}",
                      content_type="application/json; charset=utf-8").status == 200

    # Wrong body type: 415 (the manual said 406). Unknown path: 404. Wrong method: 405.
    res = client.post("/book/item", json={})
    assert res.status == 415 and res.json["status_name"] == "415 Unsupported Media Type"
    res = client.get("/not-exist-path")
    assert res.json == {"status": 404, "status_name": "404 Not Found",
                        "message": "no route for path /not-exist-path"}
    res = client.request("TRACE", "/book/item")
    assert res.status == 405
    assert set((res.header("Allow") or "").split(", ")) >= {"GET", "HEAD", "POST", "PUT", "PATCH"}

    # HEAD is served wherever GET is; OPTIONS on a routed path answers 204 with Allow.
    res = client.head("/book/item")
    assert res.status == 200 and res.data == b""
    res = client.options("/book/item")
    assert res.status == 204 and "DELETE" in (res.header("Allow") or "")

    # Two routes with the same method, path and type fail load(), naming both.
    @mapper.path("/book")
    class AgainCtl(Controller):
        @mapper.get("/item")
        def get_again(self, req: Request, res: Response) -> None: ...

    twice = App(AppConf("book-api"))
    twice.add_ctl(BookCtl)
    twice.add_ctl(AgainCtl)
    try:
        twice.load()
    except RouteExistError as e:
        assert "get_item" in str(e) and "get_again" in str(e)
    else:
        raise AssertionError("two GET /book/item routes loaded")
    print("routing: ok")
