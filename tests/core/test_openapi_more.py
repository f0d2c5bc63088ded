"""OpenAPI: query arguments, links, status ranges, error entries, one path with two media types.

Found while documenting the demo (examples/book_api) and running schemathesis
against it: arguments in the query string could not be documented (so neither
Swagger UI nor schemathesis could send them), a route's two media types left
only one in the document, a declared 404 lost the error body's schema, and an
endpoint whose errors have another shape (OAuth2) could not say so for 4XX.
"""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from clink_core import App, AppConf, Controller, mapper, stamp
from clink_core.mime.type import MIME_URL_ENCODE

ITEM = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
OTHER_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {}}}
LINKS = {"Read": {"operationId": "GET_ItemCtl_read", "parameters": {"id": "$response.body#/id"}}}


@stamp()
@mapper.path("/item")
class ItemCtl(Controller):
    @mapper.get("/one")
    @mapper.query("id", {"type": "string", "pattern": "^[0-9]+$"}, "the id", required=True)
    @mapper.query("verbose")
    @mapper.response(200, ITEM)
    @mapper.response(404, None, "no such item")
    def read(self, req, res):
        res.body = b"{}"

    @mapper.post("/one")
    @mapper.response(201, ITEM, "created", links=LINKS)
    @mapper.response("4XX", OTHER_ERROR, "errors have another shape here")
    def create(self, req, res):
        res.status = 201

    @mapper.post("/one", MIME_URL_ENCODE)
    @mapper.body({"type": "object"})
    @mapper.response(201, ITEM, "created")
    def create_form(self, req, res):
        res.status = 201


def document() -> dict:
    app = App(AppConf("items"), entrypoints=False)
    app.add_ctl(ItemCtl)
    app.load()
    doc = app.openapi()
    validate(doc)
    return doc


def test_query_arguments_in_source_order():
    op = document()["paths"]["/item/one"]["get"]
    assert op["parameters"] == [
        {"name": "id", "in": "query", "required": True, "description": "the id",
         "schema": {"type": "string", "pattern": "^[0-9]+$"}},
        {"name": "verbose", "in": "query", "required": False, "schema": {"type": "string"}},
    ]


def test_declared_error_without_schema_has_the_error_body():
    op = document()["paths"]["/item/one"]["get"]
    assert op["responses"]["404"] == {
        "description": "no such item",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def test_links_and_status_ranges():
    op = document()["paths"]["/item/one"]["post"]
    assert op["responses"]["201"]["links"] == LINKS
    assert op["responses"]["4XX"]["content"]["application/json"]["schema"] == OTHER_ERROR
    assert op["responses"]["4XX"]["description"] == "errors have another shape here"
    assert "200" not in op["responses"]


def test_one_operation_lists_every_request_media_type():
    op = document()["paths"]["/item/one"]["post"]
    assert op["requestBody"]["content"] == {
        "application/json": {"schema": {}},
        MIME_URL_ENCODE: {"schema": {"type": "object"}},
    }
    assert op["operationId"] == "POST_ItemCtl_create"


def test_bad_arguments_are_refused():
    with pytest.raises(TypeError):
        mapper.query("")
    with pytest.raises(TypeError):
        mapper.response(200, links=["x"])
    from clink_core.error.http import HttpStatusError

    with pytest.raises(HttpStatusError):
        mapper.response("6XX")
