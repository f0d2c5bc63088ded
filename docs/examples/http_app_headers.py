"""Header fields every response of an app carries, checked once when they are added."""

import http.client

from clink_core import App, AppConf, Controller, Request, Response, mapper
from clink_core.http import HeaderValueError
from clink_core.testing import LiveServer


@mapper.path("/docs")
class DocsCtl(Controller):
    @mapper.get("/page")
    def page(self, req: Request, res: Response) -> None:
        res.body = {"page": 1}

    @mapper.get("/framed")
    def framed(self, req: Request, res: Response) -> None:
        res.header["x-frame-options"] = "SAMEORIGIN"  # its own value wins (any case)
        res.body = {"page": 2}


app = App(AppConf("app-headers"))
app.add_ctl(DocsCtl)
app.add_response_header("X-Content-Type-Options", "nosniff")
app.add_response_header("X-Frame-Options", "DENY")
try:
    app.add_response_header("X-Note", "a\r\nSet-Cookie: owned=1")
except HeaderValueError as e:
    assert "CR/LF" in str(e)  # refused now, not on the first request

with LiveServer(app) as server:
    for path, frame in [("/docs/page", "DENY"), ("/docs/framed", "SAMEORIGIN"),
                        ("/docs/nowhere", "DENY")]:  # error answers too
        conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
        conn.request("GET", path)
        reply = conn.getresponse()
        reply.read()
        assert reply.getheader("X-Content-Type-Options") == "nosniff"
        assert [v for k, v in reply.getheaders() if k.lower() == "x-frame-options"] == [frame]
        conn.close()
print("app headers: ok")
