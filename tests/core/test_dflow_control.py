"""The control-character rule of dflow: refused by default, ``x-clink-allow-control`` opts out."""

from __future__ import annotations

import http.client
import json

import pytest

from clink_core import Controller, mapper, stamp
from clink_core.dflow import CompiledSchema, FormatError, verify
from clink_core.dflow.control import KEY_DETAIL, RULE, VALUE_DETAIL
from clink_core.testing import Client, LiveServer

ALLOW = {"x-clink-allow-control": True}


def fail(schema, value) -> FormatError:
    with pytest.raises(FormatError) as info:
        CompiledSchema(schema).check("body", value)
    return info.value


def refused(e: FormatError) -> list[tuple[str, str]]:
    return [(v.pointer, v.detail) for v in e.errors if v.rule == RULE]


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f",
                                  "\x7f", "\x80", "\x85", "\x9b", "\x9f"])
def test_control_characters_are_refused(char):
    e = fail({"type": "string"}, f"a{char}b")
    assert (e.pointer, e.rule, e.detail) == ("", RULE, VALUE_DETAIL)
    assert f"a{char}b" not in json.dumps(e.http_message(), ensure_ascii=False)


@pytest.mark.parametrize("text", ["tab\there", "two\nlines\r\n", "caf\u00e9", "\u00a0nbsp",
                                  "line\u2028sep", "\U0001f600", "zero\u200bwidth", ""])
def test_other_text_is_accepted(text):
    CompiledSchema({"type": "string"}).check("body", text)
    CompiledSchema({"type": "object"}).check("body", {text: [text]})


def test_every_string_and_key_is_looked_at_even_where_the_schema_says_nothing():
    e = fail({"type": "object"}, {"a": {"b\x00": "x", "c": ["ok", "n\x00"]}, "d": "fine"})
    assert refused(e) == [("/a", KEY_DETAIL), ("/a/c/1", VALUE_DETAIL)]
    assert "b\x00" not in json.dumps(e.http_message(), ensure_ascii=False)


def test_refusals_come_with_the_schemas_other_errors():
    schema = {"type": "object", "properties": {
        "name": {"type": "string", "pattern": "^[a-z]+$"}, "n": {"type": "integer"}}}
    e = fail(schema, {"name": "du\x00ne", "n": "x", "note": "a\x07"})
    assert sorted((v.pointer, v.rule) for v in e.errors) == [
        ("/n", "type"), ("/name", RULE), ("/name", "pattern"), ("/note", RULE),
    ]


def test_a_nested_field_opts_out():
    schema = {"type": "object", "properties": {
        "title": {"type": "string"},
        "raw": {"type": "string", **ALLOW},
        "blob": {"type": "object", **ALLOW},
    }}
    compiled = CompiledSchema(schema)
    compiled.check("body", {"title": "ok", "raw": "\x00\x01", "blob": {"k\x02": ["\x03"]}})
    e = fail(schema, {"title": "a\x00", "raw": "\x00"})
    assert refused(e) == [("/title", VALUE_DETAIL)]


@pytest.mark.parametrize(
    ("schema", "allowed", "refused_at"),
    [
        ({"$defs": {"raw": {"type": "string", **ALLOW}},
          "properties": {"a": {"$ref": "#/$defs/raw"}, "b": {"type": "string"}}},
         {"a": "\x00"}, {"a": "\x00", "b": "\x00"}),
        ({"properties": {"a": {}}, "additionalProperties": ALLOW},
         {"x": "\x00", "y": {"z": "\x01"}}, {"a": "\x00"}),
        ({"patternProperties": {"^raw_": ALLOW}}, {"raw_1": "\x00"}, {"other": "\x00"}),
        ({"type": "array", "items": {"type": "string", **ALLOW}}, ["\x00", "\x01"], None),
        ({"type": "array", "prefixItems": [ALLOW], "items": {"type": "string"}},
         ["\x00", "ok"], ["ok", "\x00"]),
        ({"anyOf": [{"type": "integer"}, {"type": "string", **ALLOW}]}, "\x00", None),
        ({"type": "object", "allOf": [{"properties": {"a": ALLOW}}]}, {"a": "\x00"},
         {"b": "\x00"}),
        ({"$schema": "http://json-schema.org/draft-07/schema#",
          "definitions": {"raw": ALLOW}, "items": [{"$ref": "#/definitions/raw"}],
          "additionalItems": {"type": "string"}}, ["\x00"], ["ok", "\x00"]),
        ({"$defs": {"raw": {"$id": "urn:raw", **ALLOW}}, "properties": {"a": {"$ref": "urn:raw"}}},
         {"a": "\x00"}, {"b": "\x00"}),
        ({"type": "object", **ALLOW}, {"a\x00": "\x00"}, None),  # on the root: rule off
    ],
)
def test_opt_out_wherever_a_subschema_describes_the_part(schema, allowed, refused_at):
    CompiledSchema(schema).check("body", allowed)
    if refused_at is not None:
        assert refused(fail(schema, refused_at))


def test_the_whole_schema_can_opt_out_when_compiled():
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    CompiledSchema(schema, allow_control=True).check("res", {"a": "\x00", "b\x01": ["\x02"]})
    assert fail(schema, {"a": "\x00"}).rule == RULE
    with pytest.raises(FormatError) as info:  # still JSON only
        CompiledSchema(schema, allow_control=True).check("res", {"a": {1, 2}})
    assert info.value.rule == "json"


def test_opt_out_false_is_the_default():
    e = fail({"type": "string", "x-clink-allow-control": False}, "\x00")
    assert e.rule == RULE


def test_verify_refuses_control_characters_in_arguments():
    @verify({"type": "string"}, {"type": "string", **ALLOW})
    def store(name, raw):
        return name, raw

    assert store("ok", "\x00") == ("ok", "\x00")
    with pytest.raises(FormatError) as info:
        store("a\x00b", "x")
    assert (info.value.name, info.value.rule) == ("name", RULE)


# -- through the app, over a real socket ------------------------------------------------
NOTE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
RAW = {"type": "object", "properties": {"text": {"type": "string", **ALLOW}}}


@stamp()
@mapper.path("/note")
class NoteCtl(Controller):
    @mapper.post("/text")
    @mapper.body(NOTE)
    def create(self, req, res):
        res.status = 201
        res.body = b'{"message": "created"}'

    @mapper.post("/raw")
    @mapper.body(RAW)
    def create_raw(self, req, res):
        res.status = 201
        res.body = b'{"message": "created"}'


def post(port: int, path: str, body: bytes) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("POST", path, body, {"Content-Type": "application/json"})
        res = conn.getresponse()
        return res.status, res.read()
    finally:
        conn.close()


def test_nul_in_a_body_is_a_400_over_a_real_socket(make_app):
    body = json.dumps({"text": "a\u0000b-secret"}).encode()
    assert b"\\u0000" in body
    with LiveServer(make_app(NoteCtl)) as server:
        status, answer = post(server.port, "/note/text", body)
        raw_status, _ = post(server.port, "/note/raw", body)
        ok_status, _ = post(server.port, "/note/text", json.dumps({"text": "a\tb\n"}).encode())
    assert status == 400, answer
    message = json.loads(answer)["message"]
    assert (message["pointer"], message["rule"], message["detail"]) == ("/text", RULE, VALUE_DETAIL)
    assert b"secret" not in answer
    assert (raw_status, ok_status) == (201, 201)


def test_nul_in_a_property_name_is_a_400(make_app):
    res = Client(make_app(NoteCtl)).post("/note/text", json={"text": "x", "k\u0000ey": 1})
    assert res.status == 400
    assert (res.json["message"]["pointer"], res.json["message"]["detail"]) == ("", KEY_DETAIL)
    assert "k\\u0000ey" not in res.text
