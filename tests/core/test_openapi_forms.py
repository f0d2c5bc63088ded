"""OpenAPI documents ``multipart/form-data`` bodies (issue 11.4): text fields from the
route's body schema, files declared with ``@upload`` as binary strings; and error bodies
as problem details under ``AppConf(error_format="problem")``."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from clink_core import App, AppConf, Controller, Request, Response, mapper, stamp
from clink_core.http import upload
from clink_core.http.form import UploadSpecError
from clink_core.testing import Client

FIELDS = {"type": "object", "required": ["title"], "additionalProperties": False,
          "properties": {"title": {"type": "string", "minLength": 1},
                         "tags": {"type": "string"}}}
CTYPE = "multipart/form-data; boundary=B0undary"


@stamp()
@mapper.path("/u")
class UploadCtl(Controller):
    @mapper.body(FIELDS)
    @upload("cover", media_types=("image/png", "image/jpeg"), description="front cover")
    @upload("pages", required=False, multiple=True)
    @mapper.post("/book", "multipart/form-data")
    def book(self, req: Request, res: Response) -> None:
        """Upload a book."""
        res.status = 201
        res.body = {"title": req.body["title"],
                    "files": {k: [f.size for f in v] for k, v in req.files_all.items()}}

    @upload("avatar", media_types=["image/*"])
    @mapper.post("/avatar", "multipart/form-data")
    def avatar(self, req: Request, res: Response) -> None:
        res.body = {"type": req.files["avatar"].content_type}

    @mapper.post("/free", "multipart/form-data")
    def free(self, req: Request, res: Response) -> None:
        res.body = req.form

    @mapper.post("/free", "application/x-www-form-urlencoded")
    def free_urlencoded(self, req: Request, res: Response) -> None:
        res.body = req.form


def make_app(error_format: str = "clink") -> App:
    app = App(AppConf("uploads", error_format=error_format), entrypoints=False)
    app.add_ctl(UploadCtl)
    app.load()
    return app


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    doc = make_app().openapi()
    validate(doc)
    return doc


def test_multipart_body_fields_and_files(document: dict[str, Any]) -> None:
    media = document["paths"]["/u/book"]["post"]["requestBody"]["content"]["multipart/form-data"]
    schema = media["schema"]
    assert schema["type"] == "object"
    assert schema["properties"]["title"] == {"type": "string", "minLength": 1}
    assert schema["properties"]["cover"] == {
        "type": "string", "format": "binary", "description": "front cover",
    }
    assert schema["properties"]["pages"] == {
        "type": "array", "items": {"type": "string", "format": "binary"},
    }
    assert schema["required"] == ["title", "cover"]
    assert media["encoding"] == {"cover": {"contentType": "image/png, image/jpeg"}}


def test_multipart_without_a_body_schema(document: dict[str, Any]) -> None:
    content = document["paths"]["/u/avatar"]["post"]["requestBody"]["content"]
    assert content["multipart/form-data"]["schema"] == {
        "type": "object", "required": ["avatar"],
        "properties": {"avatar": {"type": "string", "format": "binary"}},
    }
    free = document["paths"]["/u/free"]["post"]["requestBody"]["content"]
    assert free["multipart/form-data"] == {"schema": {"type": "object"}}
    assert "application/x-www-form-urlencoded" in free


def test_problem_format_documents_problem_details() -> None:
    doc = make_app("problem").openapi()
    validate(doc)
    assert "Problem" in doc["components"]["schemas"] and "Error" not in doc["components"]["schemas"]
    responses = doc["paths"]["/u/book"]["post"]["responses"]
    assert responses["4XX"]["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}},
    }


def test_default_format_documents_the_manual_body(document: dict[str, Any]) -> None:
    responses = document["paths"]["/u/book"]["post"]["responses"]
    assert responses["4XX"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


# -- the declared files are checked ------------------------------------------------------
def part(name: str, data: bytes, filename: str | None = None, ctype: str | None = None) -> bytes:
    head = f'--B0undary\r\nContent-Disposition: form-data; name="{name}"'
    if filename:
        head += f'; filename="{filename}"'
    head += "\r\n" + (f"Content-Type: {ctype}\r\n" if ctype else "") + "\r\n"
    return head.encode() + data + b"\r\n"


END = b"--B0undary--\r\n"


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(make_app())


def test_declared_files_accepted(client: Client) -> None:
    data = (part("title", b"Dune") + part("cover", b"PNG", "c.png", "image/png")
            + part("pages", b"p1", "1.txt") + part("pages", b"p22", "2.txt") + END)
    res = client.post("/u/book", data=data, content_type=CTYPE)
    assert res.status == 201, res.json
    assert res.json == {"title": "Dune", "files": {"cover": [3], "pages": [2, 3]}}


@pytest.mark.parametrize(("data", "status", "message"), [
    (part("title", b"Dune") + END, 400, "form file 'cover' is required"),
    (part("title", b"Dune") + part("cover", b"a", "a.png", "image/png")
     + part("cover", b"b", "b.png", "image/png") + END, 400,
     "form file 'cover' is sent 2 times; one is expected"),
    (part("title", b"Dune") + part("cover", b"GIF", "c.gif", "image/gif") + END, 415,
     "form file 'cover' is image/gif; expected image/png, image/jpeg"),
    (part("cover", b"PNG", "c.png", "image/png") + END, 400, "title"),
])
def test_declared_files_checked(client: Client, data: bytes, status: int, message: str) -> None:
    res = client.post("/u/book", data=data, content_type=CTYPE)
    assert res.status == status
    assert message in str(res.json["message"])


def test_media_type_wildcards(client: Client) -> None:
    ok = client.post("/u/avatar", content_type=CTYPE,
                     data=part("avatar", b"x", "a.webp", "image/webp") + END)
    assert ok.json == {"type": "image/webp"}
    bad = client.post("/u/avatar", content_type=CTYPE,
                      data=part("avatar", b"x", "a.txt", "text/plain") + END)
    assert bad.status == 415


def test_upload_declarations_checked() -> None:
    with pytest.raises(UploadSpecError, match="field's name"):
        upload("")
    with pytest.raises(UploadSpecError, match="look like 'image/png'"):
        upload("f", media_types=("png",))

    def handler(self: Any, req: Request, res: Response) -> None: ...

    with pytest.raises(UploadSpecError, match="declared twice"):
        upload("f")(upload("f")(handler))
