"""The OpenAPI document of an app with clink-auth: every endpoint as it answers.

Schemathesis (tests/e2e/test_schemathesis.py) found the token endpoint's errors
documented with the kernel's error body while they are OAuth2 bodies, and the
``/acc`` endpoints documented as "200 success" with any body while they answer
204 and check the manual's schemas.
"""

from __future__ import annotations

from openapi_spec_validator import validate

from clink_auth import model
from clink_auth.ctl import OAUTH_ERROR
from clink_core import App
from clink_core.testing import Client

ERROR_REF = {"$ref": "#/components/schemas/Error"}


def test_document_is_valid_and_lists_every_endpoint(app: App):
    document = app.openapi()
    validate(document)
    assert set(document["paths"]) == {
        "/acc/reg/code", "/acc/reg", "/acc/me", "/acc/me/pwd", "/acc/pwd/code", "/acc/pwd",
        "/auth/token"}


def statuses(op: dict) -> set[str]:
    return set(op["responses"])


def test_account_endpoints_document_bodies_and_statuses(app: App):
    paths = app.openapi()["paths"]
    expected = {
        ("/acc/reg/code", "post"): (model.acc.post_reg_code_body, {"204", "400", "409", "503"}),
        ("/acc/reg", "post"): (model.acc.post_reg, {"204", "400", "404", "409", "410"}),
        ("/acc/me/pwd", "put"): (model.acc.put_pwd, {"204", "400", "401", "403", "429"}),
        ("/acc/pwd/code", "post"): (model.acc.post_rpwd_code, {"204", "400"}),
        ("/acc/pwd", "post"): (model.acc.post_rpwd, {"204", "400", "404", "410"}),
    }
    for (path, method), (schema, codes) in expected.items():
        op = paths[path][method]
        assert op["requestBody"]["content"] == {"application/json": {"schema": schema}}, path
        assert statuses(op) == codes | {"4XX", "5XX"}, path
        assert "content" not in op["responses"]["204"]
        for code in codes - {"204"}:
            assert op["responses"][code]["content"]["application/json"]["schema"] == ERROR_REF
    me = paths["/acc/me"]["get"]
    assert me["responses"]["200"]["content"]["application/json"]["schema"] == (
        model.acc.get_me_body)
    assert statuses(me) == {"200", "401", "4XX", "5XX"}
    assert me["security"] == paths["/acc/me/pwd"]["put"]["security"] == [{"bearer": []}]


def test_token_endpoint_documents_both_media_types_and_oauth_errors(app: App):
    op = app.openapi()["paths"]["/auth/token"]["post"]
    body = {"oneOf": [model.auth.post_token_pwd, model.auth.post_token_rtoken]}
    assert op["requestBody"]["content"] == {
        "application/json": {"schema": body},
        "application/x-www-form-urlencoded": {"schema": body},
    }
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == (
        model.auth.res_bearer_token)
    assert statuses(op) == {"200", "400", "429", "503", "4XX", "5XX"}
    for code in ("400", "429", "503", "4XX", "5XX"):
        assert op["responses"][code]["content"]["application/json"]["schema"] == OAUTH_ERROR


def test_bodies_are_still_checked_before_anything_else(client: Client):
    res = client.post("/acc/reg/code", json={"name": "Bad Name", "email": "a@b.cd", "pwd": "x"})
    assert res.status == 400
    assert res.json["message"]["name"] == "body"
    res = client.put("/acc/me/pwd", json={"old_pwd": 1})
    assert res.status == 401  # the token first, then the body
    res = client.post("/acc/pwd", json={})
    assert (res.status, res.json["message"]["rule"]) == (400, "required")


def test_token_errors_match_the_documented_oauth_schema(client: Client):
    from jsonschema import validate as check

    for res in (
        client.post("/auth/token", json={"grant_type": "password"}),
        client.post("/auth/token", json={"grant_type": "nope"}),
        client.post("/auth/token", data=b"x", content_type="text/plain"),
    ):
        assert res.status in (400, 415)
        check(res.json, OAUTH_ERROR)
