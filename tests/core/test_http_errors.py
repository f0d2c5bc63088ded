"""Issue 11.6: ``app.add_error_handler`` by the nearest class of the MRO, and problem+json."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from clink_core import (
    App,
    AppConf,
    AppStateError,
    Controller,
    Request,
    Response,
    Service,
    mapper,
    stamp,
)
from clink_core.dflow import verify
from clink_core.dflow.error import NonExistError
from clink_core.error.handlers import ErrorHandlerError, nearest
from clink_core.error.http import Http404Error, Http409Error, Http503Error
from clink_core.handler import ErrorHttpHandler, set_error
from clink_core.http import problem_body
from clink_core.testing import Client

SCHEMA = {"type": "object", "required": ["name"],
          "properties": {"name": {"type": "string", "minLength": 2}, "n": {"type": "integer"}}}


class ShopError(Exception):
    pass


class OutOfStock(ShopError):
    pass


class Backorder(OutOfStock):
    pass


class PaymentError(ShopError):
    pass


class Rejected(Exception):
    pass


class Broken(Exception):
    pass


@stamp()
class BookSv(Service):
    @verify(None, SCHEMA)
    def create(self, book: Any) -> Any:
        return book


@stamp(BookSv)
@mapper.path("/e")
class ErrCtl(Controller):
    def __init__(self, sv: BookSv) -> None:
        self.sv = sv

    @mapper.get("/raise")
    def raise_(self, req: Request, res: Response) -> None:
        kinds = {"shop": ShopError, "stock": OutOfStock, "back": Backorder,
                 "pay": PaymentError, "rejected": Rejected, "broken": Broken,
                 "key": KeyError, "value": ValueError}
        raise kinds[req.args["kind"]]("details 7f3a")

    @mapper.get("/http")
    def http(self, req: Request, res: Response) -> None:
        raise Http404Error("no book 42")

    @mapper.get("/conflict")
    def conflict(self, req: Request, res: Response) -> None:
        raise Http409Error({"field": "name", "reason": "taken", "status": 999})

    @mapper.get("/nonexist")
    def nonexist(self, req: Request, res: Response) -> None:
        raise NonExistError({"id": 42})

    @mapper.post("/book")
    def book(self, req: Request, res: Response) -> None:
        res.body = self.sv.create(req.body)

    @mapper.get("/unavailable")
    def unavailable(self, req: Request, res: Response) -> None:
        raise Http503Error("down for a moment", {"Retry-After": "5"})


def on_shop(req: Request, res: Response, e: BaseException) -> None:
    res.status = 409
    res.body = {"shop": type(e).__name__}


def on_stock(req: Request, res: Response, e: BaseException) -> None:
    res.status = 410
    res.header["X-Restock"] = "tomorrow"
    res.body = {"stock": type(e).__name__}


def on_rejected(req: Request, res: Response, e: BaseException) -> None:
    raise Http503Error("payment provider said no", {"Retry-After": "30"})


def on_broken(req: Request, res: Response, e: BaseException) -> None:
    raise RuntimeError("the handler itself fails")


def on_lookup(req: Request, res: Response, e: BaseException) -> None:
    res.status = 404
    res.body = {"lookup": type(e).__name__}


def make_app(error_format: str = "clink", **handlers: Any) -> App:
    app = App(AppConf("errors", error_format=error_format), entrypoints=False)
    app.add_com(BookSv)
    app.add_ctl(ErrCtl)
    app.add_error_handler(ShopError, on_shop)
    app.add_error_handler(OutOfStock, on_stock)
    app.add_error_handler(Rejected, on_rejected)
    app.add_error_handler(Broken, on_broken)
    app.add_error_handler(LookupError, on_lookup)
    app.load()
    return app


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(make_app())


@pytest.mark.parametrize(("kind", "status", "body"), [
    ("shop", 409, {"shop": "ShopError"}),
    ("stock", 410, {"stock": "OutOfStock"}),
    ("back", 410, {"stock": "Backorder"}),  # nearest: OutOfStock, not ShopError
    ("pay", 409, {"shop": "PaymentError"}),
    ("key", 404, {"lookup": "KeyError"}),
])
def test_nearest_class_of_the_mro_answers(client: Client, kind: str, status: int,
                                          body: dict[str, str]) -> None:
    res = client.get("/e/raise", query={"kind": kind})
    assert (res.status, res.json) == (status, body)


def test_handler_headers_reach_the_client(client: Client) -> None:
    assert client.get("/e/raise", query={"kind": "stock"}).header("X-Restock") == "tomorrow"


def test_a_handler_may_raise_an_http_error(client: Client) -> None:
    res = client.get("/e/raise", query={"kind": "rejected"})
    assert res.status == 503 and res.header("Retry-After") == "30"
    assert res.json["message"] == "payment provider said no"


def test_a_failing_handler_is_a_bare_500(client: Client, caplog: pytest.LogCaptureFixture
                                         ) -> None:
    with caplog.at_level(logging.ERROR, "clink.error"):
        res = client.get("/e/raise", query={"kind": "broken"})
    assert res.status == 500 and res.json["status"] == 500
    assert "7f3a" not in res.text
    assert "the handler itself fails" in caplog.text


def test_unmapped_exceptions_keep_the_kernel_answers(client: Client) -> None:
    res = client.get("/e/raise", query={"kind": "value"})
    assert res.status == 500 and "7f3a" not in res.text
    assert client.get("/e/http").json["message"] == "no book 42"


def test_the_table_is_built_at_load() -> None:
    app = make_app()
    handler = app.injector.ref(ErrorHttpHandler)
    assert handler._table[ShopError] is not None and handler._table[OutOfStock] is not None
    assert handler._cache == {}
    Client(app).get("/e/raise", query={"kind": "back"})
    assert Backorder in handler._cache  # the MRO walked once for the class, then a dict hit
    with pytest.raises(AppStateError, match="after load"):
        app.add_error_handler(ShopError, on_shop)


def test_add_error_handler_checks_its_arguments() -> None:
    app = App(AppConf("x"), entrypoints=False)
    with pytest.raises(ErrorHandlerError, match="exception class"):
        app.add_error_handler("ShopError", on_shop)  # type: ignore[arg-type]
    with pytest.raises(ErrorHandlerError, match="exception class"):
        app.add_error_handler(int, on_shop)  # type: ignore[arg-type]
    with pytest.raises(ErrorHandlerError, match="not callable"):
        app.add_error_handler(ShopError, 5)  # type: ignore[arg-type]
    with pytest.raises(ErrorHandlerError, match=r"must take \(req, res, e\)"):
        app.add_error_handler(ShopError, lambda e: None)


def test_a_second_handler_replaces_the_first() -> None:
    app = App(AppConf("x"), entrypoints=False)
    app.add_ctl(ErrCtl)
    app.add_com(BookSv)
    app.add_error_handler(ShopError, on_shop)
    app.add_error_handler(ShopError, on_lookup)
    assert Client(app).get("/e/raise", query={"kind": "shop"}).json == {"lookup": "ShopError"}


def test_nearest() -> None:
    table = {ShopError: "shop", Exception: "exc"}
    assert nearest(table, Backorder) == "shop"
    assert nearest(table, KeyError) == "exc"
    assert nearest(table, KeyboardInterrupt) is None


# -- problem+json -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def problem() -> Client:
    return Client(make_app("problem"))


def test_problem_404(problem: Client) -> None:
    res = problem.get("/e/http")
    assert res.status == 404 and res.content_type == "application/problem+json"
    assert res.json == {"type": "about:blank", "title": "Not Found", "status": 404,
                        "detail": "no book 42", "instance": "/e/http"}
    res = problem.get("/nowhere/ü")
    assert res.json["instance"] == "/nowhere/%C3%BC" and res.json["status"] == 404


def test_problem_validation_entries_as_extension(problem: Client) -> None:
    res = problem.post("/e/book", json={"name": "x", "n": "two"})
    assert res.status == 400 and res.content_type == "application/problem+json"
    body = res.json
    assert (body["type"], body["title"], body["status"]) == ("about:blank", "Bad Request", 400)
    assert body["instance"] == "/e/book" and "book" in body["detail"]
    pointers = sorted(e["pointer"] for e in body["errors"])
    assert pointers == ["/n", "/name"]
    assert all(set(e) == {"name", "pointer", "rule", "detail"} for e in body["errors"])
    assert body["truncated"] is False
    assert "two" not in res.text  # the submitted value is never echoed


def test_problem_dict_messages_are_extensions(problem: Client) -> None:
    body = problem.get("/e/conflict").json
    assert body["status"] == 409 and body["field"] == "name" and body["reason"] == "taken"
    assert "detail" not in body


def test_problem_for_dflow_and_500_and_headers(problem: Client) -> None:
    body = problem.get("/e/nonexist").json
    assert (body["status"], body["title"]) == (404, "Not Found")
    assert body["detail"] == "does not exist: id"  # the fields, never their values
    res = problem.get("/e/raise", query={"kind": "value"})
    assert res.status == 500 and res.content_type == "application/problem+json"
    assert res.json["title"] == "Internal Server Error" and "7f3a" not in res.text
    res = problem.get("/e/unavailable")
    assert res.header("Retry-After") == "5" and res.json["status"] == 503


def test_problem_with_mapped_handlers(problem: Client) -> None:
    assert problem.get("/e/raise", query={"kind": "back"}).json == {"stock": "Backorder"}
    res = problem.get("/e/raise", query={"kind": "rejected"})
    assert res.content_type == "application/problem+json" and res.json["status"] == 503


def test_problem_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = AppConf.from_env({"CLINK_ERROR_FORMAT": "problem"}, name="env")
    assert conf.error_format == "problem"
    app = App(conf, entrypoints=False)
    app.add_ctl(ErrCtl)
    app.add_com(BookSv)
    res = Client(app).get("/e/http")
    assert res.content_type == "application/problem+json" and res.json["title"] == "Not Found"
    assert AppConf.from_env({}, name="env").error_format == "clink"


def test_set_error_keeps_the_format() -> None:
    res = Response()
    res.content_type = "application/problem+json"
    res.body = problem_body(404, "x", "/a")
    set_error(res, 503, "database down")
    assert res.body == {"type": "about:blank", "title": "Service Unavailable", "status": 503,
                        "detail": "database down", "instance": "/a"}
    plain = Response()
    set_error(plain, 503, "database down")
    assert plain.body["status_name"] == "503 Service Unavailable"


def test_the_manual_body_stays_the_default(client: Client) -> None:
    res = client.get("/e/http")
    assert res.content_type == "application/json"
    assert res.json == {"status": 404, "status_name": "404 Not Found", "message": "no book 42"}
