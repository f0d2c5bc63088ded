"""The pipeline: handlers at levels 1, 3, 5 and 7 record the order they run in.

A request passes levels 0-6; after an exception it passes 7, 5 again, 8 and 9, so a
header a level-5 handler adds reaches error answers too.
"""

from clink_core import App, AppConf, Controller, Request, Response, mapper
from clink_core.error.http import Http404Error
from clink_core.plugin import (
    LEVELS,
    ILv1Handler,
    ILv3Handler,
    ILv5Handler,
    ILv7Handler,
    PipelineError,
)
from clink_core.testing import Client

seen: list[str] = []


class PreRouting(ILv1Handler):
    def handle(self, req: Request, res: Response) -> None:
        seen.append("1 pre-routing")


class PreMain(ILv3Handler):
    def handle(self, req: Request, res: Response) -> None:
        seen.append("3 pre-main")


class Responding(ILv5Handler):
    def handle(self, req: Request, res: Response) -> None:
        seen.append("5 responding")
        res.header["X-Served-By"] = "clink"  # on every answer, errors included


class ErrorHandling(ILv7Handler):
    def handle(self, req: Request, res: Response, e: Exception) -> None:
        seen.append(f"7 error handling: {type(e).__name__}")


@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/item")
    def get_item(self, req: Request, res: Response) -> None:
        seen.append("4 main")
        res.body = {"name": "How to Die"}

    @mapper.get("/gone")
    def gone(self, req: Request, res: Response) -> None:
        seen.append("4 main")
        raise Http404Error("no such book")


app = App(AppConf("book-api"))
app.add_handlers([PreRouting, PreMain, Responding, ErrorHandling])
app.add_ctl(BookCtl)
app.load()

if __name__ == "__main__":
    # The levels, as the kernel defines them: number, name, hook, arguments, [1] or [n].
    assert [(lv.number, lv.hook) for lv in LEVELS][:3] == [
        (0, "clink_receive"), (1, "clink_pre_routing"), (2, "clink_routing")]
    assert [lv.number for lv in LEVELS if lv.single] == [0, 2, 4, 6, 8, 9]

    client = Client(app)
    res = client.get("/book/item")
    assert res.status == 200 and res.header("X-Served-By") == "clink"
    assert seen == ["1 pre-routing", "3 pre-main", "4 main", "5 responding"]

    seen.clear()
    res = client.get("/book/gone")
    assert res.status == 404 and res.header("X-Served-By") == "clink"
    assert res.json == {"status": 404, "status_name": "404 Not Found", "message": "no such book"}
    assert seen == ["1 pre-routing", "3 pre-main", "4 main",
                    "7 error handling: Http404Error", "5 responding"]

    # A handle() takes its level's arguments, or some of them, by these names; any other
    # name is refused when the class is defined, not when the first request comes.
    class OnlyReq(ILv3Handler):
        def handle(self, req: Request) -> None: ...

    try:
        class Wrong(ILv3Handler):
            def handle(self, request: Request, response: Response) -> None: ...
    except PipelineError as e:
        assert "a level-3 handler takes (req, res)" in str(e)
    else:
        raise AssertionError("a level-3 handler taking (request, response) was accepted")
    print("pipeline: ok")
