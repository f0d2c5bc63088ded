"""Security: hostile input is a JSON 4xx, never a traceback; client addresses behind proxies."""

import http.client
import json
from typing import Any

from clink_core import App, AppConf, Controller, Request, Response, mapper
from clink_core.testing import Client, LiveServer


@mapper.path("/book")
class BookCtl(Controller):
    @mapper.post("/item")
    def add(self, req: Request, res: Response) -> None:
        res.status, res.body = 201, req.body

    @mapper.get("/whoami")
    def whoami(self, req: Request, res: Response) -> None:
        res.body = {"remote_addr": req.remote_addr, "client_addr": req.client_addr}


def make_app(**conf: object) -> App:
    app = App(AppConf("book-api", **conf))  # type: ignore[arg-type]
    app.add_ctl(BookCtl)
    app.load()
    return app


app = make_app(max_body=1024, trusted_proxies=["10.0.0.0/8"], proxy_header="X-Forwarded-For")


def raw(server: LiveServer, head: str, body: bytes = b"") -> tuple[int, dict[str, Any]]:
    """Send bytes as they are (no client library fixes them) and read the answer."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    conn.connect()
    assert conn.sock is not None
    conn.sock.sendall(head.encode("latin-1") + b"\r\n\r\n" + body)
    answer = http.client.HTTPResponse(conn.sock)
    answer.begin()
    status, data = answer.status, answer.read()
    conn.close()
    return status, json.loads(data)


if __name__ == "__main__":
    client = Client(app)
    secret = "hunter2-secret"

    # Malformed JSON, bad UTF-8, bad percent-encoding: 400 with a JSON body that says why
    # and never echoes what was sent.
    res = client.post("/book/item", data='{"pwd": "' + secret, content_type="application/json")
    assert res.status == 400 and secret not in res.text
    res = client.post("/book/item", data=b'{"name": "\xff"}', content_type="application/json")
    assert res.status == 400
    assert client.get("/book/whoami?name=%zz").status == 400

    # A body over max_body is refused from its Content-Length, before it is read.
    res = client.post("/book/item", data=b"[" + b"0," * 600 + b"0]",
                      content_type="application/json")
    assert res.status == 413 and res.json["status_name"] == "413 Content Too Large"

    # A 404 shows a non-ASCII path percent-encoded, never raw.
    assert client.get("/caf\u00e9").json["message"] == "no route for path /caf%C3%A9"

    with LiveServer(app) as server:
        # Two different Content-Length values: 400, whatever the server (RFC 9112 6.3).
        status, body = raw(server, "POST /book/item HTTP/1.1\r\nHost: x\r\n"
                           "Content-Type: application/json\r\nContent-Length: 2\r\n"
                           "Content-Length: 3", b"{}")
        assert status == 400 and body["status"] == 400

        # A forwarding header from a peer that is not a trusted proxy is ignored.
        status, body = raw(server, "GET /book/whoami HTTP/1.1\r\nHost: x\r\n"
                           "X-Forwarded-For: 203.0.113.9")
        assert body == {"remote_addr": "127.0.0.1", "client_addr": "127.0.0.1"}

    # From a trusted proxy it names the client: here the proxy is the test client's
    # address, 127.0.0.1 (the app above trusts 10.0.0.0/8 only, so it ignores the header).
    res = client.get("/book/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert res.json["client_addr"] == "127.0.0.1"
    behind = make_app(trusted_proxies=["127.0.0.1"])
    res = Client(behind).get("/book/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert res.json == {"remote_addr": "127.0.0.1", "client_addr": "203.0.113.9"}
    print("security: ok")
