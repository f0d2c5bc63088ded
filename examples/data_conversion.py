"""The manual's Data Conversion example: handler classes on levels 3 and 5 for text/plain."""

from _serve import serve

from clink_core import App, AppConf, Controller, Request, Response, mapper, stamp
from clink_core.iface import ILv3Handler, ILv5Handler
from clink_core.mime.type import MIME_PLAINTEXT

conf = AppConf("book-api", org_name="Hell Corporation", org_addr="1st, Hell street")
app = App(conf)


@stamp()
class ReqTextHandler(ILv3Handler):
    def handle(self, req: Request, res: Response):
        if req.content_type != MIME_PLAINTEXT:
            return
        if req.body is None:
            req.body = []
        else:
            req.body = req.body.decode("utf-8").split(" ")


@stamp()
class ResTextHandler(ILv5Handler):
    def handle(self, req: Request, res: Response):
        if res.content_type != MIME_PLAINTEXT:
            return
        if res.body is None:
            res.body = ""
        else:
            res.body = " ".join(res.body).encode("utf-8")


@stamp()
@mapper.path("/text")
class TextCtl(Controller):
    @mapper.post("/", MIME_PLAINTEXT)
    def process_text(self, req: Request, res: Response):
        res.body = [w.upper() for w in req.body]
        res.content_type = MIME_PLAINTEXT


app.add_handler(ReqTextHandler)
app.add_handler(ResTextHandler)
app.add_ctl(TextCtl)
app.load()

if __name__ == "__main__":
    serve(app, "/text")
