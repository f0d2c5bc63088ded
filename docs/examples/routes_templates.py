"""Route templates: typed path parameters, custom converters, and what load() refuses."""

import uuid

from clink_core import App, AppConf, Controller, Request, Response, mapper
from clink_core.routing import RoutePathError
from clink_core.testing import Client


@mapper.path("/shelf")
class ShelfCtl(Controller):
    @mapper.get("/{shelf:int}/book/{id:int}")  # /shelf/3/book/9
    def book(self, req: Request, res: Response) -> None:
        res.body = {"shelf": req.params["shelf"], "id": req.params["id"],
                    "route": req.route.path}

    @mapper.get("/new")  # a static path beats a template: /shelf/new is not /shelf/{x}
    def new(self, req: Request, res: Response) -> None:
        res.body = {"new": True}

    @mapper.get("/{name}")  # {name} is {name:str}: one segment
    def by_name(self, req: Request, res: Response) -> None:
        res.body = {"name": req.params["name"]}

    @mapper.get("/files/{rest:path}")  # the rest of the path, slashes included
    def file(self, req: Request, res: Response) -> None:
        res.body = {"rest": req.params["rest"]}

    @mapper.get("/doc/{name}.{ext}")  # a segment may mix text and parameters
    def doc(self, req: Request, res: Response) -> None:
        res.body = dict(req.params)

    @mapper.get("/ticket/{key:uuid}")
    def ticket(self, req: Request, res: Response) -> None:
        assert isinstance(req.params["key"], uuid.UUID)
        res.body = {"key": str(req.params["key"])}

    @mapper.get("/even/{n:even}")  # a converter the app adds
    def even(self, req: Request, res: Response) -> None:
        res.body = {"half": req.params["n"] // 2}


def even(text: str) -> int:
    value = int(text)
    if value % 2:
        raise ValueError("odd")  # ValueError: this segment does not match
    return value


app = App(AppConf("book-api"))
app.add_converter("even", r"[0-9]+", even, {"type": "integer", "multipleOf": 2})
app.add_ctl(ShelfCtl)
app.load()

if __name__ == "__main__":
    client = Client(app)
    assert client.get("/shelf/3/book/9").json == {
        "shelf": 3, "id": 9, "route": "/shelf/{shelf:int}/book/{id:int}"}
    assert client.get("/shelf/new").json == {"new": True}
    assert client.get("/shelf/attic").json == {"name": "attic"}
    assert client.get("/shelf/files/a/b.txt").json == {"rest": "a/b.txt"}
    assert client.get("/shelf/doc/notes.md").json == {"name": "notes", "ext": "md"}
    key = "5f0c1b6e-3b0a-4c5e-9d3f-2a1b0c9d8e7f"
    assert client.get(f"/shelf/ticket/{key}").json == {"key": key}
    assert client.get("/shelf/even/8").json == {"half": 4}

    # A value that does not convert names no resource: 404, not 400.
    assert client.get("/shelf/3/book/x").status == 404
    assert client.get("/shelf/even/7").status == 404

    # OpenAPI shows the template with each parameter's schema.
    doc = app.openapi()
    params = doc["paths"]["/shelf/{shelf}/book/{id}"]["get"]["parameters"]
    assert [(p["name"], p["in"], p["schema"]["type"]) for p in params] == [
        ("shelf", "path", "integer"), ("id", "path", "integer")]

    # A malformed template fails load(), naming the template and the problem.
    @mapper.path("/bad")
    class BadCtl(Controller):
        @mapper.get("/{id:number}")
        def get(self, req: Request, res: Response) -> None: ...

    bad = App(AppConf("book-api"))
    bad.add_ctl(BadCtl)
    try:
        bad.load()
    except RoutePathError as e:
        assert "/bad/{id:number}" in str(e) and "number" in str(e)
    else:
        raise AssertionError("an unknown converter loaded")
    print("routes: ok")
