"""Data conversion: a level-3 handler turns text/plain into a list of words, a level-5 one
joins the answer back (the manual's data_conversion.py). JSON needs no handler: the
kernel converts JSON and url-encoded bodies itself."""

from clink_core import App, AppConf, Controller, Request, Response, mapper
from clink_core.mime.type import MIME_PLAINTEXT
from clink_core.plugin import ILv3Handler, ILv5Handler
from clink_core.testing import Client


class ReqTextHandler(ILv3Handler):
    def handle(self, req: Request, res: Response) -> None:
        if req.content_type != MIME_PLAINTEXT:
            return
        req.body = [] if req.body is None else req.body.decode("utf-8").split(" ")


class ResTextHandler(ILv5Handler):
    def handle(self, req: Request, res: Response) -> None:
        if res.content_type != MIME_PLAINTEXT:
            return
        res.body = b"" if res.body is None else " ".join(res.body).encode("utf-8")


@mapper.path("/text")
class TextCtl(Controller):
    @mapper.post("", MIME_PLAINTEXT)
    def process_text(self, req: Request, res: Response) -> None:
        res.body = [word.upper() for word in req.body]
        res.content_type = MIME_PLAINTEXT

    @mapper.post("/json")  # application/json: parsed by the kernel's level-3 converter
    def process_json(self, req: Request, res: Response) -> None:
        res.body = {key.upper(): value for key, value in req.body.items()}

    @mapper.post("/form", "application/x-www-form-urlencoded")
    def process_form(self, req: Request, res: Response) -> None:
        res.body = req.body  # a dict; a repeated name gives a list


app = App(AppConf("book-api"))
app.add_handler(ReqTextHandler)
app.add_handler(ResTextHandler)
app.add_ctl(TextCtl)
app.load()

if __name__ == "__main__":
    client = Client(app)
    res = client.post("/text", data="my name is kevin", content_type="text/plain")
    assert (res.content_type, res.text) == ("text/plain", "MY NAME IS KEVIN")

    assert client.post("/text/json", json={"name": "kevin"}).json == {"NAME": "kevin"}
    res = client.post("/text/form", data="a=1&a=2&b=3",
                      content_type="application/x-www-form-urlencoded")
    assert res.json == {"a": ["1", "2"], "b": "3"}

    # Malformed JSON is a 400 naming where it breaks, before any handler sees it.
    res = client.post("/text/json", data='{"name": ', content_type="application/json")
    assert res.status == 400 and "line 1" in res.json["message"]
    print("conversion: ok")
