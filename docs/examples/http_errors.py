"""Exceptions mapped to answers by class, and RFC 9457 problem details."""

from clink_core import App, AppConf, Controller, Request, Response, mapper
from clink_core.error.http import Http404Error, Http503Error
from clink_core.testing import Client


class ShopError(Exception):
    """Everything the shop's services raise."""


class OutOfStock(ShopError):
    def __init__(self, sku: str) -> None:
        super().__init__(sku)
        self.sku = sku


class PaymentDown(ShopError):
    pass


@mapper.path("/shop")
class ShopCtl(Controller):
    @mapper.get("/buy")
    def buy(self, req: Request, res: Response) -> None:
        if req.args.get("pay") == "down":
            raise PaymentDown()
        raise OutOfStock(req.args.get("sku", "?"))

    @mapper.get("/item")
    def item(self, req: Request, res: Response) -> None:
        raise Http404Error("no item 42")


def out_of_stock(req: Request, res: Response, e: BaseException) -> None:
    assert isinstance(e, OutOfStock)
    res.status = 409
    res.body = {"error": "out_of_stock", "sku": e.sku}


def shop_error(req: Request, res: Response, e: BaseException) -> None:
    raise Http503Error("the shop is busy; try again", {"Retry-After": "30"})


def make_app(conf: AppConf) -> App:
    app = App(conf)
    app.add_ctl(ShopCtl)
    app.add_error_handler(OutOfStock, out_of_stock)  # the nearest class of the MRO wins
    app.add_error_handler(ShopError, shop_error)
    return app


client = Client(make_app(AppConf("shop")))
res = client.get("/shop/buy", query={"sku": "B-7"})
assert (res.status, res.json) == (409, {"error": "out_of_stock", "sku": "B-7"})
res = client.get("/shop/buy", query={"pay": "down"})  # a ShopError: its handler answers
assert res.status == 503 and res.header("Retry-After") == "30"
assert res.json == {"status": 503, "status_name": "503 Service Unavailable",
                    "message": "the shop is busy; try again"}  # the manual's body

problems = Client(make_app(AppConf("shop", error_format="problem")))  # or CLINK_ERROR_FORMAT
res = problems.get("/shop/item")
assert res.content_type == "application/problem+json"
assert res.json == {"type": "about:blank", "title": "Not Found", "status": 404,
                    "detail": "no item 42", "instance": "/shop/item"}
print("errors: ok")
