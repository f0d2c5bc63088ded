"""clink-cors: no origin is allowed until configured; then responses and preflights say so."""

from clink_core import App, AppConf, Controller, Request, Response, mapper
from clink_core.plugin import ConfError
from clink_core.testing import Client
from clink_cors import CorsConf


@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/item")
    def get_item(self, req: Request, res: Response) -> None:
        res.body = {"name": "How to Die"}

    @mapper.put("/item")
    def put_item(self, req: Request, res: Response) -> None:
        res.body = {"msg": "putted"}


def make_app(conf: CorsConf | None) -> App:
    app = App(AppConf("book-api"), plugins=["cors"])
    if conf is not None:
        app.add_prim(conf)  # else the plugin reads CLINK_CORS_* from the environment
    app.add_ctl(BookCtl)
    app.load()
    return app


if __name__ == "__main__":
    site = {"Origin": "https://app.example"}

    # Enabled but not configured: no origin is allowed, no CORS header is sent.
    closed = Client(make_app(CorsConf()))
    assert closed.get("/book/item", headers=site).header("Access-Control-Allow-Origin") is None

    client = Client(make_app(CorsConf(origins=["https://app.example"], max_age=600)))
    res = client.get("/book/item", headers=site)
    assert res.header("Access-Control-Allow-Origin") == "https://app.example"
    assert res.header("Vary") == "Origin"
    assert res.header("Access-Control-Expose-Headers") == "X-Request-Id"
    # Errors carry the headers too (level 5 runs on the error path).
    res = client.get("/book/nowhere", headers=site)
    assert res.status == 404 and res.header("Access-Control-Allow-Origin") == "https://app.example"
    # Another origin gets no CORS headers.
    res = client.get("/book/item", headers={"Origin": "https://evil.example"})
    assert res.header("Access-Control-Allow-Origin") is None

    # A preflight on a routed path: 204 with the route's methods, the headers, the max age.
    res = client.options("/book/item", headers={**site, "Access-Control-Request-Method": "PUT"})
    assert res.status == 204
    assert set((res.header("Access-Control-Allow-Methods") or "").split(", ")) >= {"GET", "PUT"}
    assert res.header("Access-Control-Allow-Headers") == "Authorization, Content-Type"
    assert res.header("Access-Control-Max-Age") == "600"

    # "*" with credentials is refused: browsers would not honour it.
    try:
        CorsConf(origins=["*"], credentials=True)
    except ConfError as e:
        assert "credentials" in str(e)
    else:
        raise AssertionError("'*' with credentials was accepted")

    # The same settings from the environment.
    conf = CorsConf.from_env({"CLINK_CORS_ORIGINS": "https://a.example,https://b.example",
                              "CLINK_CORS_CREDENTIALS": "true", "CLINK_CORS_MAX_AGE": "60"})
    assert (conf.origins, conf.credentials, conf.max_age) == (
        ("https://a.example", "https://b.example"), True, 60)
    print("cors: ok")
