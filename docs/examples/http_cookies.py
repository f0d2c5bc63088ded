"""Header fields that repeat, cookies set and read, and values that are never sent."""

import http.client

from clink_core import App, AppConf, Controller, Request, Response, mapper
from clink_core.http import CookieError, HeaderValueError
from clink_core.testing import LiveServer


@mapper.path("/session")
class SessionCtl(Controller):
    @mapper.post("/login")
    def login(self, req: Request, res: Response) -> None:
        res.header["Cache-Control"] = "no-store"  # one value per name, as the manual has it
        res.set_cookie("sid", "f3a9c2")  # Secure; HttpOnly; SameSite=Lax by default
        res.set_cookie("theme", "dark", httponly=False, max_age=30 * 24 * 3600)
        res.add_header("Link", "</session/me>; rel=self")  # a field that may repeat
        res.body = {"hello": req.cookies.get("returning", "stranger")}

    @mapper.post("/logout")
    def logout(self, req: Request, res: Response) -> None:
        res.delete_cookie("sid")
        res.status = 204

    @mapper.get("/unsafe")
    def unsafe(self, req: Request, res: Response) -> None:
        try:
            res.set_cookie("note", "two words")  # a space: not a cookie-octet
        except CookieError as e:
            refused = str(e)
        try:
            res.add_header("X-Next", "a\r\nSet-Cookie: owned=1")  # header injection
        except HeaderValueError as e:
            refused += " / " + str(e)
        res.body = {"refused": refused}


app = App(AppConf("cookies"))
app.add_ctl(SessionCtl)

with LiveServer(app) as server:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    conn.request("POST", "/session/login", body=b"{}",
                 headers={"Content-Type": "application/json", "Cookie": "returning=ada"})
    reply = conn.getresponse()
    assert reply.read() == b'{"hello":"ada"}'
    cookies = [v for k, v in reply.getheaders() if k == "Set-Cookie"]  # two fields
    assert cookies == ["sid=f3a9c2; Path=/; Secure; HttpOnly; SameSite=Lax",
                       "theme=dark; Max-Age=2592000; Path=/; Secure; SameSite=Lax"]
    assert reply.getheader("Link") == "</session/me>; rel=self"
    conn.close()

    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    conn.request("POST", "/session/logout", body=b"{}",
                 headers={"Content-Type": "application/json"})
    reply = conn.getresponse()
    assert reply.status == 204
    assert reply.getheader("Set-Cookie").startswith(
        "sid=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/")
    conn.close()

    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    conn.request("GET", "/session/unsafe")
    refused = conn.getresponse().read().decode()
    assert "encode it first" in refused and "CR/LF" in refused
    conn.close()
print("cookies: ok")
