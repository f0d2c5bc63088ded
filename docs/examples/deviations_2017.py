"""Deviations from the 2017 manual that code can show: each checked here."""

import sys

from clink_core import App, AppConf, Controller, Request, Response, find, mapper, stamp
from clink_core.com import ComDepedencyError, ComDependencyError, Service
from clink_core.error.http import Http404Error
from clink_core.testing import Client
from clink_template import TemplateSv


class PlainSv(Service):  # no @stamp(): optional for a constructor that takes nothing
    def hello(self) -> str:
        return "hello"


@stamp(PlainSv)
@mapper.path("/old")
class OldCtl(Controller):
    def __init__(self, plain_sv: PlainSv) -> None:
        self._plain_sv = plain_sv

    @mapper.get("/missing")
    def missing(self, req: Request, res: Response) -> None:
        raise Http404Error(req, "Nothing here")  # the manual's form: the request is ignored

    @mapper.delete("/item")  # DELETE ignores the content type, as the manual says
    def delete(self, req: Request, res: Response) -> None:
        # A handler may still set its own attributes on the request (type checkers do
        # not know them: per-request state belongs in req.context).
        req.marked = True  # type: ignore[attr-defined]
        res.body = {"deleted": req.marked, "said": self._plain_sv.hello()}  # type: ignore[attr-defined]

    @mapper.get("/empty")
    def empty(self, req: Request, res: Response) -> None:
        res.status = 204


app = App(AppConf("book-api"))
app.add_ctl(OldCtl)
app.load()

if __name__ == "__main__":
    client = Client(app)
    assert client.get("/old/missing").json["message"] == "Nothing here"
    assert Http404Error(None, "Nothing here").msg == "Nothing here"  # msg skips the request
    res = client.delete("/old/item", data="x", content_type="text/plain")
    assert res.json == {"deleted": True, "said": "hello"}

    # 204 (and 304) carry no body, no Content-Length, no Content-Type (RFC 9110).
    res = client.get("/old/empty")
    assert (res.data, res.header("Content-Length"), res.content_type) == (b"", None, None)

    # Routing errors carry a message where the manual had null; a wrong body type is 415.
    assert client.get("/nowhere").json["message"] == "no route for path /nowhere"

    # ComDependencyError is the correctly spelled name of the manual's ComDepedencyError.
    assert ComDependencyError is ComDepedencyError

    # find() lists the classes stamped or defined in the module, not the markers it imports.
    assert find(sys.modules[__name__], Controller) == [OldCtl]
    assert Service not in find(sys.modules[__name__], Service)

    # TemplateSv takes the app's configuration only (the manual also took an AuthConf).
    template = TemplateSv(AppConf("book-api", org_name="Hell Corporation"))
    assert template.build_str("$app_name by $org_name: $what", {"what": "hi"}) == (
        "book-api by Hell Corporation: hi")
    print("deviations: ok")
