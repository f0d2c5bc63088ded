"""Logging: the kernel logs errors to Python's logging; clink-log writes request.log and
error.log, one line per request and per error answer (pip install clink-log)."""

import tempfile
from pathlib import Path

from clink_core import App, AppConf, Controller, Request, Response, mapper
from clink_core.testing import Client
from clink_log import LogConf


@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/item")
    def get_item(self, req: Request, res: Response) -> None:
        res.body = {"name": "How to Die"}

    @mapper.get("/boom")
    def boom(self, req: Request, res: Response) -> None:
        raise KeyError("author")  # a bug: answered 500, its traceback only in the error log


def make_app(directory: str) -> App:
    app = App(AppConf("book-api"), plugins=["log"])  # named: installing it changes no app
    app.add_prim(LogConf(directory, flush_interval=0))  # default: /var/tmp/<app-name>/
    app.add_ctl(BookCtl)
    app.load()
    return app


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory:
        app = make_app(directory)
        client = Client(app)
        res = client.get("/book/item?id=1&token=s3cret", headers={"X-Request-Id": "abc-1"})
        assert res.status == 200 and res.header("X-Request-Id") == "abc-1"
        res = client.get("/book/boom")
        assert res.status == 500 and "author" not in res.text  # no detail for the client
        generated = res.header("X-Request-Id")
        assert generated is not None  # generated when the request brings none
        app.close()  # flushes the logs (also done at interpreter exit)

        requests = (Path(directory) / "request.log").read_text().splitlines()
        assert len(requests) == 2
        assert " abc-1 " in requests[0]
        assert "GET /book/item?id=1&token=[redacted] 200" in requests[0]
        assert "s3cret" not in requests[0]  # secret-looking query values are never logged
        errors = (Path(directory) / "error.log").read_text()
        assert generated in errors and "KeyError" in errors and "Traceback" in errors
    print("logging: ok")
