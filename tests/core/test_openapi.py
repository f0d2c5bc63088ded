"""The OpenAPI 3.1 document, its routes, the docs page and ``clink openapi``."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from clink_core import App, AppConf, AppStateError, Controller, Version, mapper, stamp
from clink_core.cli import main
from clink_core.mime.type import MIME_PLAINTEXT
from clink_core.testing import Client

BOOK = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {"name": {"type": "string", "pattern": "^[a-z ]{2,32}$"}},
}


@stamp()
@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/item")
    @mapper.response(200, BOOK)
    def get_item(self, req, res):
        """Read one book.

        The id travels in the query string.
        """
        res.body = b'{"name": "dune"}'

    @mapper.post("/item")
    @mapper.body(BOOK)
    @mapper.response(201, BOOK, "the book as stored")
    def create(self, req, res):
        res.status = 201
        res.body = json.dumps(req.body)

    @mapper.delete("/item")
    @mapper.secured()
    @mapper.response(204)
    def remove(self, req, res):
        res.status = 204

    @mapper.post("/note", MIME_PLAINTEXT)
    def note(self, req, res):
        res.body = b"noted"


def make(**kw) -> App:
    conf = AppConf("book-api", "MIT", Version(1, 2, 3), "Hell Corporation", "1st, Hell street")
    app = App(conf, entrypoints=False)
    app.add_ctl(BookCtl)
    app.enable_openapi(**kw)
    app.load()
    return app


def test_document_is_valid_openapi_31():
    document = make().openapi()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["info"] == {
        "title": "book-api", "version": "1.2.3", "license": {"name": "MIT"},
        "contact": {"name": "Hell Corporation"}, "x-org-address": "1st, Hell street",
    }


def test_operations_carry_routes_schemas_and_docs():
    paths = make().openapi()["paths"]
    assert set(paths) == {"/book/item", "/book/note"}
    get = paths["/book/item"]["get"]
    assert get["summary"] == "Read one book."
    assert get["description"] == "The id travels in the query string."
    assert get["responses"]["200"]["content"]["application/json"]["schema"] == BOOK
    assert set(get["responses"]) == {"200", "4XX", "5XX"}
    assert "requestBody" not in get
    post = paths["/book/item"]["post"]
    assert post["requestBody"] == {
        "required": True, "content": {"application/json": {"schema": BOOK}}}
    assert post["responses"]["201"]["description"] == "the book as stored"
    note = paths["/book/note"]["post"]
    assert note["requestBody"]["content"] == {"text/plain": {"schema": {}}}
    assert note["responses"]["200"] == {"description": "success"}


def test_secured_routes_get_bearer_security():
    document = make().openapi()
    assert document["paths"]["/book/item"]["delete"]["security"] == [{"bearer": []}]
    assert document["components"]["securitySchemes"] == {
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}


def test_served_document_and_offline_docs_page():
    client = Client(make())
    res = client.get("/openapi.json")
    assert res.content_type == "application/json"
    assert res.json == make().openapi()
    page = client.get("/docs")
    assert page.status == 200
    assert page.content_type == "text/html"
    assert "/docs/swagger-ui-bundle.js" in page.text
    assert "http" not in page.text.replace('"/openapi.json"', "")  # no CDN
    assert client.get("/docs/swagger-ui-bundle.js").content_type == "text/javascript"
    assert client.get("/docs/swagger-ui.css").status == 200


def test_custom_paths_and_document_only():
    client = Client(make(spec_path="/api/spec.json", docs_path=None))
    assert client.get("/api/spec.json").status == 200
    assert client.get("/docs").status == 404
    assert client.get("/openapi.json").status == 404


def test_not_enabled_means_not_served_but_available():
    app = App(AppConf("x"), entrypoints=False)
    app.add_ctl(BookCtl)
    with pytest.raises(AppStateError, match="load"):
        app.openapi()
    app.load()
    assert Client(app).get("/openapi.json").status == 404
    assert "/book/item" in app.openapi()["paths"]


def test_body_schema_is_enforced():
    client = Client(make())
    res = client.post("/book/item", json={"name": "Dune!"})
    assert res.status == 400
    assert res.json["message"]["name"] == "body"
    assert res.json["message"]["pointer"] == "/name"
    assert client.post("/book/item", json={"name": "dune"}).status == 201


def test_response_rejects_unknown_status():
    from clink_core.error.http import HttpStatusError

    with pytest.raises(HttpStatusError):
        mapper.response(999)


def test_cli_prints_the_document(tmp_path, monkeypatch, capsys):
    (tmp_path / "docapp.py").write_text(
        "from clink_core import App, AppConf, Controller, mapper, stamp\n"
        "app = App(AppConf('doc-api'), entrypoints=False)\n"
        "@stamp()\n@mapper.path('/x')\nclass XCtl(Controller):\n"
        "    @mapper.get('/y')\n    def y(self, req, res):\n        res.body = b'1'\n"
        "app.add_ctl(XCtl)\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["openapi", "docapp:app"]) == 0
    document = json.loads(capsys.readouterr().out)
    validate(document)
    assert list(document["paths"]) == ["/x/y"]
