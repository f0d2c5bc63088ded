"""The manual's Routing example: routes by method, path and content type.

Needs only clink-core. Deviation: a body of the wrong type is answered 415 (the manual said 406).
"""

from _serve import serve

from clink_core import App, AppConf, Controller, Request, Response, mapper, stamp

conf = AppConf("book-api", org_name="Hell Corporation", org_addr="1st, Hell street")
app = App(conf)


@stamp()
@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/item")
    def get_item(self, req: Request, res: Response):
        res.body = {"name": "How to Die", "author": "Death"}

    @mapper.post("/item", "text/plain")
    def create_item(self, req: Request, res: Response):
        res.body = {"msg": "created"}

    @mapper.patch("/item")
    def patch_item(self, req: Request, res: Response):
        res.body = {"msg": "patched"}

    @mapper.put("/item")
    def put_item(self, req: Request, res: Response):
        res.body = {"msg": "putted"}

    @mapper.delete("/item")
    def delete_item(self, req: Request, res: Response):
        res.body = {"msg": "deleted"}


app.add_ctl(BookCtl)
app.load()

if __name__ == "__main__":
    serve(app, "/book/item")
