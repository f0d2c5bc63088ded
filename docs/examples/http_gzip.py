"""The clink-gzip plugin: big JSON answers compressed for clients that accept gzip."""

import gzip

from clink_core import App, AppConf, Controller, Request, Response, mapper
from clink_core.testing import Client
from clink_gzip import GzipConf


@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/all")
    def all(self, req: Request, res: Response) -> None:
        res.body = [{"id": n, "name": f"Book {n}"} for n in range(500)]

    @mapper.get("/one")
    def one(self, req: Request, res: Response) -> None:
        res.body = {"id": 1, "name": "Book 1"}


app = App(AppConf("books", plugins=["gzip"]))  # or CLINK_PLUGINS=gzip
app.add_prim(GzipConf(min_size=1024, level=6))  # or CLINK_GZIP_MIN_SIZE / CLINK_GZIP_LEVEL
app.add_ctl(BookCtl)
client = Client(app)

res = client.get("/book/all", headers={"Accept-Encoding": "gzip, br"})
assert res.header("Content-Encoding") == "gzip" and res.header("Vary") == "Accept-Encoding"
plain = client.get("/book/all")  # no Accept-Encoding: the identity body
assert gzip.decompress(res.data) == plain.data and len(res.data) < len(plain.data) / 4
assert client.get("/book/all", headers={"Accept-Encoding": "gzip;q=0"}).header(
    "Content-Encoding") is None
assert client.get("/book/one", headers={"Accept-Encoding": "gzip"}).header(
    "Content-Encoding") is None  # under min_size: not worth it
print("gzip: ok")
