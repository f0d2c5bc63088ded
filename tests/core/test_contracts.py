"""Contracts enforced: declared query arguments, bodies (schemas and models), responses."""

from __future__ import annotations

import dataclasses
import http.client
import json
import logging
from typing import Annotated

import msgspec
import pytest

from clink_core import App, AppConf, Controller, mapper
from clink_core.routing.contract import ResponseContractError
from clink_core.routing.model import ModelSupportError
from clink_core.testing import Client, LiveServer

BOOK = {
    "type": "object",
    "required": ["title", "year"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "minLength": 2},
        "year": {"type": "integer", "minimum": 0},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
    },
}


class BookModel(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=2)]
    year: Annotated[int, msgspec.Meta(ge=0)]
    kind: str = "novel"


@dataclasses.dataclass
class NoteModel:
    text: str
    stars: int = 0


@mapper.path("/c")
class ContractCtl(Controller):
    @mapper.get("/list")
    @mapper.query("page", {"type": "integer", "minimum": 1}, required=True)
    @mapper.query("size", {"type": "integer", "minimum": 1, "maximum": 50, "default": 10})
    @mapper.query("ratio", {"type": "number"})
    @mapper.query("draft", {"type": "boolean"})
    @mapper.query("tag", {"type": "array", "items": {"type": "string"}, "maxItems": 2})
    @mapper.query("ids", {"type": "array", "items": {"type": "integer"}})
    def list(self, req, res):
        res.body = {"args": req.args}

    @mapper.get("/free")
    def free(self, req, res):
        res.body = {"args": req.args}

    @mapper.post("/book")
    @mapper.body(BOOK)
    def post_book(self, req, res):
        res.status = 201
        res.body = req.body

    @mapper.post("/model")
    @mapper.body(BookModel)
    def post_model(self, req, res):
        assert isinstance(req.body, BookModel)
        res.body = {"title": req.body.title, "year": req.body.year, "kind": req.body.kind}

    @mapper.post("/note")
    @mapper.body(NoteModel)
    def post_note(self, req, res):
        assert isinstance(req.body, NoteModel)
        res.body = dataclasses.asdict(req.body)

    @mapper.get("/answer")
    @mapper.query("id", {"type": "integer"})
    @mapper.response(200, {"type": "object", "required": ["id"],
                           "properties": {"id": {"type": "integer"}}})
    def answer(self, req, res):
        res.body = {"id": req.args.get("id", "not-a-number")}

    @mapper.get("/answer-model")
    @mapper.response(200, BookModel)
    def answer_model(self, req, res):
        if "good" in req.args:
            res.body = BookModel("Dune", 1965)
        else:
            res.body = {"title": "x", "year": -1}


def client(check_responses: bool | None = False) -> Client:
    app = App(AppConf("c", check_responses=check_responses), entrypoints=False)
    app.add_ctl(ContractCtl)
    return Client(app)


@pytest.fixture(scope="module")
def c():
    return client()


def test_declared_query_arguments_are_converted(c):
    res = c.get("/c/list?page=2&ratio=2.5&draft=true&tag=a&tag=b&ids=1&ids=2&extra=x")
    assert res.status == 200
    assert res.json["args"] == {
        "page": 2, "size": 10, "ratio": 2.5, "draft": True, "tag": ["a", "b"], "ids": [1, 2],
        "extra": "x",
    }
    assert c.get("/c/list?page=1&draft=0").json["args"]["draft"] is False
    assert c.get("/c/list?page=1&ratio=3").json["args"]["ratio"] == 3


@pytest.mark.parametrize(
    ("query", "name", "rule"),
    [
        ("", "page", "required"),
        ("page=abc", "page", "type"),
        ("page=0", "page", "minimum"),
        ("page=1.5", "page", "type"),
        ("page=1e3", "page", "type"),
        ("page= 1", "page", "type"),
        ("page=" + "9" * 5000, "page", "type"),
        ("page=1&size=99", "size", "maximum"),
        ("page=1&ratio=nan", "ratio", "type"),
        ("page=1&ratio=1e999", "ratio", "type"),
        ("page=1&ratio=1_0", "ratio", "type"),
        ("page=1&draft=yes", "draft", "type"),
        ("page=1&tag=a&tag=b&tag=c", "tag", "maxItems"),
        ("page=1&ids=1&ids=x", "ids", "type"),
    ],
)
def test_a_bad_query_argument_is_a_400_naming_it_and_the_rule(c, query, name, rule):
    res = c.get(f"/c/list?{query}")
    assert res.status == 400
    message = res.json["message"]
    assert (message["name"], message["rule"]) == (name, rule)
    secret = query.rpartition("=")[2]
    if len(secret) > 1:
        assert secret not in res.text


def test_every_query_problem_in_one_answer(c):
    res = c.get("/c/list?size=0&draft=maybe&ids=x")
    assert res.status == 400
    found = [(e["name"], e["rule"]) for e in res.json["message"]["errors"]]
    assert found == [("page", "required"), ("size", "minimum"), ("draft", "type"), ("ids", "type")]


def test_a_route_declaring_no_query_passes_arguments_as_strings(c):
    assert c.get("/c/free?page=abc&n=1").json == {"args": {"page": "abc", "n": "1"}}


def test_every_body_error_in_one_400_with_the_first_at_the_top(c):
    res = c.post("/c/book", json={"title": "x", "year": -5, "tags": [1, "a", "b", "c"],
                                  "secret": "hunter2"})
    assert res.status == 400
    message = res.json["message"]
    rules = {(e["pointer"], e["rule"]) for e in message["errors"]}
    assert {("/title", "minLength"), ("/year", "minimum"), ("/tags", "maxItems"),
            ("/tags/0", "type")} <= rules
    assert ("", "additionalProperties") in rules
    top = {k: message[k] for k in ("name", "pointer", "rule", "detail")}
    assert top == message["errors"][0]
    assert message["name"] == "body"
    assert "hunter2" not in res.text
    assert c.post("/c/book", json={"title": "Dune", "year": 1965}).status == 201


def test_a_msgspec_model_body_is_decoded_and_validated(c):
    assert c.post("/c/model", json={"title": "Dune", "year": 1965}).json == {
        "title": "Dune", "year": 1965, "kind": "novel"}
    for body, pointer, rule in [
        ({"title": "D", "year": 1}, "/title", "minLength"),
        ({"title": "Dune", "year": -1}, "/year", "minimum"),
        ({"title": "Dune"}, "", "required"),
        ({"title": "Dune", "year": "1965"}, "/year", "type"),
        ({"title": "Dune", "year": 1, "x": "secret-value"}, "", "additionalProperties"),
        ([1, 2], "", "type"),
    ]:
        res = c.post("/c/model", json=body)
        assert res.status == 400, body
        message = res.json["message"]
        assert (message["name"], message["pointer"], message["rule"]) == ("body", pointer, rule)
        assert "secret-value" not in res.text
    res = c.post("/c/model", data=b"{not json", content_type="application/json")
    assert res.status == 400
    assert res.json["message"].startswith("malformed JSON at line 1 column 2")  # as any body
    res = c.post("/c/model", data=b"", content_type="application/json")
    assert (res.status, res.json["message"]["rule"]) == (400, "type")  # no body: null
    res = c.post("/c/model", data=b'{"title": "\xff\xfe", "year": 1965}',
                 content_type="application/json")
    assert "not valid UTF-8" in res.json["message"]


def test_a_model_body_is_decoded_once_from_the_bytes(c, monkeypatch):
    from clink_core.handler import convert

    def no_second_pass(body, *args):
        raise AssertionError("the codec parsed a body its model decodes")

    monkeypatch.setattr(convert, "loads", no_second_pass)
    assert c.post("/c/model", json={"title": "Dune", "year": 1965}).status == 200
    assert c.post("/c/book", json={"title": "Dune"}).status == 500  # a schema route: parsed


def test_a_dataclass_model_body(c):
    assert c.post("/c/note", json={"text": "hi"}).json == {"text": "hi", "stars": 0}
    assert c.post("/c/note", json={"stars": 1}).status == 400


def test_models_and_path_parameters_in_openapi():
    app = App(AppConf("c"), entrypoints=False)
    app.add_ctl(ContractCtl)
    app.load()
    doc = app.openapi()
    body = doc["paths"]["/c/model"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/BookModel"}
    assert doc["components"]["schemas"]["BookModel"]["required"] == ["title", "year"]
    ok = doc["paths"]["/c/answer-model"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/BookModel"}
    names = [p["name"] for p in doc["paths"]["/c/list"]["get"]["parameters"]]
    assert names == ["page", "size", "ratio", "draft", "tag", "ids"]
    from openapi_spec_validator import validate

    validate(doc)


def test_responses_are_checked_only_in_checking_mode(caplog):
    assert client().get("/c/answer").status == 200  # production: not checked
    checking = client(check_responses=True)
    assert checking.get("/c/answer?id=7").json == {"id": 7}
    with caplog.at_level(logging.ERROR, logger="clink.error"):
        res = checking.get("/c/answer")
    assert res.status == 500
    assert "GET /c/answer answered 200" in caplog.text and "'type'" in caplog.text
    assert checking.get("/c/answer-model?good=1").json == {"title": "Dune", "year": 1965,
                                                           "kind": "novel"}
    assert checking.get("/c/answer-model").status == 500


def test_the_test_client_checks_responses_unless_the_conf_says_otherwise():
    assert AppConf("c").check_responses is None
    assert client(check_responses=None).get("/c/answer").status == 500  # Client: on
    assert client(check_responses=False).get("/c/answer").status == 200  # said: off
    served = App(AppConf("c"), entrypoints=False)
    served.add_ctl(ContractCtl)
    served.load()  # loaded as a server loads it: not checked
    assert Client(served).get("/c/answer").status == 200
    assert AppConf.from_env({"CLINK_CHECK_RESPONSES": "1"}, "c").check_responses is True
    assert AppConf.from_env({}, "c").check_responses is None


def test_response_contract_error_names_route_and_rule():
    from clink_core.dflow import FormatError

    e = ResponseContractError("GET /x", 200, FormatError("response", None, None, "/id", "type",
                                                       "must be of type integer"))
    assert str(e) == ("GET /x answered 200 with a body that breaks its declared schema: "
                      "/id must be of type integer (rule 'type')")


def test_a_model_without_msgspec_is_refused_when_decorated(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_msgspec(name, *args, **kwargs):
        if name == "msgspec" or name.startswith("msgspec."):
            raise ImportError("No module named 'msgspec'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_msgspec)
    with pytest.raises(ModelSupportError, match=r"clink-core\[models\]"):
        mapper.body(NoteModel)


def test_contracts_over_a_real_socket():
    app = App(AppConf("c"), entrypoints=False)
    app.add_ctl(ContractCtl)
    with LiveServer(app) as server:
        conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
        conn.request("GET", "/c/list?page=x")
        res = conn.getresponse()
        body = json.loads(res.read())
        conn.close()
        assert res.status == 400 and body["message"]["name"] == "page"
        conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
        conn.request("POST", "/c/model", body=b'{"title": "Dune", "year": 1965}',
                     headers={"Content-Type": "application/json"})
        res = conn.getresponse()
        assert res.status == 200 and json.loads(res.read())["kind"] == "novel"
        conn.close()
