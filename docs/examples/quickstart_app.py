"""Quickstart: one controller answering GET /book/item with JSON.

Run it: `python quickstart_app.py` checks the app in-process and over a real socket;
`clink run quickstart_app:app` serves it on http://127.0.0.1:8080.
"""

import json
import urllib.request

from clink_core import App, AppConf, Controller, Request, Response, mapper
from clink_core.testing import Client, LiveServer

app = App(AppConf("book-api"))  # JSON is built in; plugins are named: plugins=["log"]


@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/item")  # GET /book/item?id=1: arguments come in the query string
    def get_item(self, req: Request, res: Response) -> None:
        res.body = {"name": "How to Die", "author": "Death", "id": req.args.get("id")}


app.add_ctl(BookCtl)
app.load()

if __name__ == "__main__":
    # In-process, through the WSGI interface: no socket, no server.
    res = Client(app).get("/book/item", query={"id": "1"})
    assert res.status == 200
    assert res.content_type == "application/json"
    assert res.json == {"name": "How to Die", "author": "Death", "id": "1"}

    # Over a real socket, with the server of `clink run`.
    with LiveServer(app) as server, urllib.request.urlopen(server.url + "/book/item?id=1") as got:
        assert json.loads(got.read()) == {"name": "How to Die", "author": "Death", "id": "1"}
    print("quickstart: ok")
