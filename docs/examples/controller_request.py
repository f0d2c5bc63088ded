"""Controller: read the request, set the response, raise HTTP errors (the manual's RootCtl)."""

from clink_core import App, AppConf, Controller, Request, Response, mapper
from clink_core.error.http import Http401Error, Http404Error
from clink_core.testing import Client


@mapper.path("/req")
class RootCtl(Controller):
    @mapper.get("/info")
    def get_info(self, req: Request, res: Response) -> None:
        res.body = {
            "method": req.method,
            "path": req.path,
            "query_str": req.query_str,
            "args": req.args,  # the first value of each name
            "args_all": req.args_all,  # every value
            "content_type": req.content_type,
            "content_length": req.content_length,
            "server_name": req.server_name,
            "server_port": req.server_port,
            "server_protocol": req.server_protocol,
            "remote_addr": req.remote_addr,
            "user_agent": req.header.get("USER_AGENT"),  # upper-case, underscores
            "tags": req.header_values("X_TAG"),  # a repeated header, split
            "body": req.body,
        }

    @mapper.post("/echo")
    def echo(self, req: Request, res: Response) -> None:
        req.context.seen = True  # per-request state for handlers and plugins
        res.status = 201
        res.header["Location"] = "/req/echo/1"
        res.body = {"got": req.body, "seen": req.context.seen}

    @mapper.get("/no-content")
    def no_content(self, req: Request, res: Response) -> None:
        res.status = 204

    @mapper.get("/not-found")
    def not_found(self, req: Request, res: Response) -> None:
        raise Http404Error("Nothing here")

    @mapper.get("/no-auth")
    def no_auth(self, req: Request, res: Response) -> None:
        raise Http401Error("Go back. You are alien", {"WWW-Authenticate": "Bearer"})


app = App(AppConf("book-api"))
app.add_ctl(RootCtl)
app.load()

if __name__ == "__main__":
    client = Client(app)
    info = client.get("/req/info?page=2&tag=a&tag=b",
                      headers={"User-Agent": "curl/8", "X-Tag": "x, y"}).json
    assert info["method"] == "GET" and info["path"] == "/req/info"
    assert info["query_str"] == "page=2&tag=a&tag=b"
    assert info["args"] == {"page": "2", "tag": "a"}
    assert info["args_all"] == {"page": ["2"], "tag": ["a", "b"]}
    assert (info["content_type"], info["content_length"], info["body"]) == (None, 0, None)
    assert info["user_agent"] == "curl/8" and info["tags"] == ["x", "y"]
    assert info["server_port"] == 80 and info["server_protocol"] == "HTTP/1.1"

    res = client.post("/req/echo", json={"name": "Dune"})
    assert res.status == 201 and res.header("Location") == "/req/echo/1"
    assert res.json == {"got": {"name": "Dune"}, "seen": True}

    # 204 carries no body, no Content-Length and no Content-Type (RFC 9110).
    res = client.get("/req/no-content")
    assert res.status == 204 and res.data == b"" and res.content_type is None

    assert client.get("/req/not-found").json == {
        "status": 404, "status_name": "404 Not Found", "message": "Nothing here"}
    res = client.get("/req/no-auth")
    assert res.json == {"status": 401, "status_name": "401 Unauthorized",
                        "message": "Go back. You are alien"}
    assert res.header("WWW-Authenticate") == "Bearer"
    print("controller: ok")
