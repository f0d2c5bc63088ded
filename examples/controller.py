"""The manual's Controller example: reading the request, setting status, raising HTTP errors.

Needs only clink-core.
"""

from _serve import serve

from clink_core import App, AppConf, Controller, Request, Response, mapper, stamp
from clink_core.error.http import Http401Error, Http404Error

conf = AppConf("book-api", org_name="Hell Corporation", org_addr="1st, Hell street")
app = App(conf)


@stamp()
@mapper.path("/req")
class RootCtl(Controller):
    @mapper.get("/info")
    def get_info(self, req: Request, res: Response):
        res.body = {
            "path": req.path,
            "query_str": req.query_str,
            "content_type": req.content_type,
            "content_length": req.content_length,
            "server_name": req.server_name,
            "server_port": req.server_port,
            "server_protocol": req.server_protocol,
            "remote_addr": req.remote_addr,
            "header": req.header,
            "body": req.body,
        }

    @mapper.get("/no-content")
    def no_content(self, req: Request, res: Response):
        res.status = 204

    @mapper.get("/not-found")
    def not_found(self, req: Request, res: Response):
        raise Http404Error(req, "Nothing here")

    @mapper.get("/no-auth")
    def no_auth(self, req: Request, res: Response):
        raise Http401Error(req, "Go back. You are alien")


app.add_ctl(RootCtl)
app.load()

if __name__ == "__main__":
    serve(app, "/req/info")
