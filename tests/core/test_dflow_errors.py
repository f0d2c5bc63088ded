"""FormatError with every violation of a body, explained from jsonschema-rs's errors."""

from __future__ import annotations

import datetime
import http.client
import json
import subprocess
import sys
from decimal import Decimal

import pytest

from clink_core import Controller, mapper, stamp
from clink_core.dflow import CompiledSchema, FormatError, SchemaDefinitionError, verify
from clink_core.dflow.error import MAX_ERRORS, FormatViolation
from clink_core.dflow.explain import ERROR_SCAN_BUDGET
from clink_core.testing import Client, LiveServer

BOOK = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "author"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-zA-Z0-9 ]{2,32}$"},
        "author": {"type": "string", "pattern": "^[a-zA-Z0-9 ]{2,16}$"},
        "password": {"type": "string", "minLength": 12},
    },
}


def fail(schema, value, name="body") -> FormatError:
    with pytest.raises(FormatError) as info:
        CompiledSchema(schema).check(name, value)
    return info.value


def entries(e: FormatError) -> list[tuple[str, str, str]]:
    return [(v.pointer, v.rule, v.detail) for v in e.errors]


# -- every error, the best match first ------------------------------------------------
def test_every_error_is_listed_most_relevant_first():
    e = fail(BOOK, {"name": 5, "author": "D", "extra": True})
    assert entries(e) == [
        ("", "additionalProperties", "has properties that are not allowed: 'extra'"),
        ("/author", "pattern", "must match pattern '^[a-zA-Z0-9 ]{2,16}$'"),
        ("/name", "type", "must be of type string"),
    ]
    assert (e.pointer, e.rule, e.detail) == entries(e)[0]
    assert e.truncated is False


def test_http_message_keeps_the_first_error_on_top_and_lists_all():
    e = fail(BOOK, {"password": "short", "zz": 1})
    message = e.http_message()
    first = {k: message[k] for k in ("name", "pointer", "rule", "detail")}
    assert first == {
        "name": "body", "pointer": "", "rule": "additionalProperties",
        "detail": "has properties that are not allowed: 'zz'",
    }
    assert message["errors"] == [
        first,
        {"name": "body", "pointer": "", "rule": "required",
         "detail": "is missing required properties: 'name', 'author'"},
        {"name": "body", "pointer": "/password", "rule": "minLength",
         "detail": "must be at least 12 characters long"},
    ]
    assert message["truncated"] is False
    assert "short" not in json.dumps(message)


def test_errors_are_capped_and_flagged():
    e = fail({"type": "array", "items": {"type": "integer"}}, ["x"] * (MAX_ERRORS + 10))
    assert len(e.errors) == MAX_ERRORS
    assert e.truncated is True and e.http_message()["truncated"] is True
    assert {v.rule for v in e.errors} == {"type"}
    assert len({v.pointer for v in e.errors}) == MAX_ERRORS


def test_a_big_invalid_body_reports_its_first_error_only():
    value = ["x"] * (ERROR_SCAN_BUDGET + 1)
    e = fail({"type": "array", "items": {"type": "integer"}}, value)
    assert entries(e) == [("/0", "type", "must be of type integer")]
    assert e.truncated is True
    small = fail({"type": "array", "items": {"type": "integer"}}, ["x"] * 3)
    assert len(small.errors) == 3 and small.truncated is False


def test_missing_properties_make_one_violation():
    e = fail({"required": ["a", "b", "c"]}, {"b": 1})
    assert entries(e) == [("", "required", "is missing required properties: 'a', 'c'")]


def test_any_of_reports_the_branch_that_fits_the_type():
    schema = {"anyOf": [{"type": "string"}, {"type": "object", "required": ["a"]}]}
    assert entries(fail(schema, {"b": 1})) == [
        ("", "required", "is missing required properties: 'a'")
    ]
    e = fail({"oneOf": [{"type": "integer"}, {"type": "string"}]}, None)
    assert (e.pointer, e.rule) == ("", "oneOf")  # no branch fits better: the oneOf itself


def test_first_error_is_jsonschemas_best_match():
    # shallow beats deep; among same-place errors the one written first in the schema
    e = fail(BOOK, {"name": "Dune", "author": "F", "x": 1})
    assert (e.pointer, e.rule) == ("", "additionalProperties")
    e = fail({"type": "object", "required": ["a"], "additionalProperties": False}, {"b": 1})
    assert (e.pointer, e.rule) == ("", "required")


@pytest.mark.parametrize(
    ("schema", "value", "rule", "detail"),
    [
        ({"type": "string"}, 5, "type", "must be of type string"),
        ({"type": ["integer", "null"]}, "x", "type", "must be of type ['integer', 'null']"),
        ({"pattern": "^a$"}, "b", "pattern", "must match pattern '^a$'"),
        ({"minLength": 3}, "ab", "minLength", "must be at least 3 characters long"),
        ({"maxLength": 1}, "ab", "maxLength", "must be at most 1 characters long"),
        ({"minimum": 1.5}, 1, "minimum", "must be >= 1.5"),
        ({"maximum": 1}, 2, "maximum", "must be <= 1"),
        ({"exclusiveMinimum": 1}, 1, "exclusiveMinimum", "must be > 1"),
        ({"exclusiveMaximum": 1}, 1, "exclusiveMaximum", "must be < 1"),
        ({"multipleOf": 2}, 3, "multipleOf", "must be a multiple of 2"),
        ({"enum": ["a", 1]}, "b", "enum", "must be one of ['a', 1]"),
        ({"const": "k"}, "x", "const", "must equal 'k'"),
        ({"format": "email"}, "nope", "format", "must be a valid email"),
        ({"minItems": 2}, [1], "minItems", "must have at least 2 items"),
        ({"maxItems": 0}, [1], "maxItems", "must have at most 0 items"),
        ({"uniqueItems": True}, [1, 1], "uniqueItems", "must not contain duplicate items"),
        ({"minProperties": 1}, {}, "minProperties", "must have at least 1 properties"),
        ({"maxProperties": 0}, {"a": 1}, "maxProperties", "must have at most 0 properties"),
        ({"not": {"type": "string"}}, "x", "not", "matches a schema it must not match"),
        ({"contains": {"type": "string"}}, [1], "contains",
         "must contain an item that matches its schema"),
        ({"prefixItems": [{}], "items": False}, [1, 2, 3], "items", "has more items than allowed"),
        ({"properties": {"a": False}}, {"a": 1}, "false", "is not allowed"),
        ({"propertyNames": {"maxLength": 2}}, {"abc": 1}, "maxLength",
         "property names must be at most 2 characters long"),
        ({"dependentRequired": {"a": ["b"]}}, {"a": 1}, "dependentRequired",
         "is missing required properties: 'b'"),
        ({"properties": {"a": {}}, "unevaluatedProperties": False}, {"a": 1, "b": 2},
         "unevaluatedProperties", "has properties that are not allowed: 'b'"),
        ({"$schema": "http://json-schema.org/draft-04/schema#", "maximum": 3,
          "exclusiveMaximum": True}, 3, "exclusiveMaximum", "must be < 3"),
        ({"$schema": "http://json-schema.org/draft-07/schema#",
          "items": [{"type": "string"}], "additionalItems": False}, ["a", 1],
         "additionalItems", "has more items than allowed"),
        ({"$defs": {"n": {"type": "integer"}}, "properties": {"x": {"$ref": "#/$defs/n"}}},
         {"x": "1"}, "type", "must be of type integer"),
        ({"$defs": {"n": {"$id": "urn:n", "type": "integer"}},
          "properties": {"x": {"$ref": "urn:n"}}}, {"x": "1"}, "type", "must be of type integer"),
    ],
)
def test_each_rule_has_a_sentence_without_the_value(schema, value, rule, detail):
    e = fail(schema, value)
    assert (e.rule, e.detail) == (rule, detail)


def test_pointers_escape_and_reach_nested_values():
    schema = {"type": "object", "additionalProperties": {
        "type": "array", "items": {"type": "object", "properties": {"n": {"type": "integer"}}}}}
    e = fail(schema, {"a/b~c": [{"n": 1}, {"n": "x"}]})
    assert e.pointer == "/a~1b~0c/1/n"


def test_long_property_names_are_cut_in_sentences():
    e = fail(BOOK, {"name": "Dune", "author": "Frank", "k" * 500: 1})
    assert e.detail == "has properties that are not allowed: '" + "k" * 37 + "...'"


# -- FormatError and FormatViolation ----------------------------------------------------
def test_format_error_keeps_the_manuals_constructor():
    e = FormatError("road", "1st Hell Street @@@", {"type": "string"})
    assert (e.name, e.value, e.schema) == ("road", "1st Hell Street @@@", {"type": "string"})
    assert (e.pointer, e.rule, e.detail) == ("", "", "does not match its schema")
    assert e.errors == (FormatViolation("road", "", "", "does not match its schema"),)
    assert e.truncated is False
    assert str(e) == "road: (root) does not match its schema (rule '')"
    assert "@@@" not in repr(e.args) and "@@@" not in json.dumps(e.http_message())
    e = FormatError("n", 0, None, "/a", "minimum", "must be >= 1")
    assert e.http_message() == {
        "name": "n", "pointer": "/a", "rule": "minimum", "detail": "must be >= 1",
        "errors": [{"name": "n", "pointer": "/a", "rule": "minimum", "detail": "must be >= 1"}],
        "truncated": False,
    }
    assert str(e) == "n: /a must be >= 1 (rule 'minimum')"


def test_format_error_caps_given_errors():
    many = [FormatViolation("b", f"/{i}", "type", "must be of type string") for i in range(30)]
    e = FormatError("b", None, None, "/0", "type", "must be of type string", errors=many)
    assert e.errors == tuple(many[:MAX_ERRORS]) and e.truncated is True


def test_violations_are_immutable_records():
    v = fail(BOOK, {"name": 5, "author": "Frank"}).errors[0]
    with pytest.raises(AttributeError):
        v.detail = "x"  # type: ignore[misc]
    assert v.as_dict() == {"name": "body", "pointer": "/name", "rule": "type",
                           "detail": "must be of type string"}


# -- values jsonschema-rs cannot read ---------------------------------------------------
class Opaque:
    pass


@pytest.mark.parametrize(
    ("value", "pointer", "detail"),
    [
        ({"a": {1, 2}}, "/a", "is not a JSON value (set)"),
        ({"a": [1, b"x"]}, "/a/1", "is not a JSON value (bytes)"),
        ({"a": datetime.date(2020, 1, 1)}, "/a", "is not a JSON value (date)"),
        ({"a": Opaque()}, "/a", "is not a JSON value (Opaque)"),
        ({"a": {1: "x"}}, "/a", "is not a JSON value (int property name)"),
        ({1: "x"}, "", "is not a JSON value (int property name)"),
    ],
)
def test_values_that_are_not_json_are_refused(value, pointer, detail):
    for schema in ({"type": "object"}, {}, {"x-clink-allow-control": True}):
        e = fail(schema, value)
        assert (e.pointer, e.rule, e.detail) == (pointer, "json", detail)


def test_tuples_are_arrays_and_big_numbers_are_numbers():
    schema = CompiledSchema({"type": "array", "items": {"type": "integer", "maximum": 10**40}})
    schema.check("v", (1, 2**70, 10**40))
    schema.check("v", [Decimal(3)])
    assert fail({"type": "integer", "maximum": 10}, 10**40).detail == "must be <= 10"


def test_circular_and_too_deep_values_are_refused():
    loop: list = []
    loop.append(loop)
    e = fail({"type": "array"}, loop)
    assert (e.rule, e.detail) == ("json", "is not a JSON value (circular value)")
    deep: list = []
    for _ in range(20000):
        deep = [deep]
    e = fail({"type": "array"}, deep)
    assert (e.rule, e.detail) == ("json", "is nested too deeply to be checked")


# -- schema definitions ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("schema", "match"),
    [
        ({"type": "no-such-type"}, "invalid JSON schema"),
        ({"minLength": -1}, "invalid JSON schema"),
        ({"pattern": "("}, "invalid JSON schema"),
        ({"$ref": "#/nope"}, "cannot compile"),
        ({"$ref": "https://example.com/schema.json"}, "cannot compile"),
        ({"$schema": "https://example.com/unknown"}, "invalid JSON schema"),
        ({"properties": {"a": {"x-clink-allow-control": "yes"}}}, "must be true or false"),
        ("not a schema", "a schema is a dict or bool"),
    ],
)
def test_bad_schemas_fail_at_definition(schema, match):
    with pytest.raises(SchemaDefinitionError, match=match):
        CompiledSchema(schema)


def test_boolean_schemas():
    CompiledSchema(True).check("v", {"anything": [1]})
    assert fail(False, 1).rule == "false"


def test_importing_the_kernel_does_not_import_jsonschema():
    code = (
        "import sys, clink_core, clink_core.dflow\n"
        "from clink_core.dflow import CompiledSchema, FormatError\n"
        "try:\n"
        "    CompiledSchema({'type': 'string'}).check('v', 1)\n"
        "except FormatError:\n"
        "    pass\n"
        "print('jsonschema' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


# -- through the app -------------------------------------------------------------------
@stamp()
@mapper.path("/book")
class BookCtl(Controller):
    @mapper.post("/item")
    @mapper.body(BOOK)
    def create(self, req, res):
        res.status = 201
        res.body = b'{"message": "created"}'


BAD = {"name": "Dead Note!", "author": "D", "password": "hunter2", "extra": 1}
BAD_ERRORS = [
    {"name": "body", "pointer": "", "rule": "additionalProperties",
     "detail": "has properties that are not allowed: 'extra'"},
    {"name": "body", "pointer": "/author", "rule": "pattern",
     "detail": "must match pattern '^[a-zA-Z0-9 ]{2,16}$'"},
    {"name": "body", "pointer": "/name", "rule": "pattern",
     "detail": "must match pattern '^[a-zA-Z0-9 ]{2,32}$'"},
    {"name": "body", "pointer": "/password", "rule": "minLength",
     "detail": "must be at least 12 characters long"},
]


def test_app_answers_every_error_in_one_400(make_app):
    res = Client(make_app(BookCtl)).post("/book/item", json=BAD)
    assert res.status == 400
    assert res.json["message"] == {**BAD_ERRORS[0], "errors": BAD_ERRORS, "truncated": False}
    assert "hunter2" not in res.text and "Dead Note" not in res.text


def test_every_error_over_a_real_socket(make_app):
    with LiveServer(make_app(BookCtl)) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("POST", "/book/item", json.dumps(BAD), {"Content-Type": "application/json"})
        res = conn.getresponse()
        body = res.read()
        conn.close()
    assert res.status == 400
    assert res.getheader("Content-Type", "").startswith("application/json")
    assert json.loads(body)["message"]["errors"] == BAD_ERRORS
    assert b"hunter2" not in body


def test_verify_reports_every_error_too():
    @verify({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}}})
    def take(obj):
        return obj

    with pytest.raises(FormatError) as info:
        take({"a": "1", "b": 2})
    assert [(v.name, v.pointer, v.rule) for v in info.value.errors] == [
        ("obj", "/b", "type"), ("obj", "/a", "type"),
    ]


def _fields(e: FormatError) -> tuple[object, ...]:
    return (
        type(e), e.args, str(e), repr(e), e.http_message(), e.errors, e.truncated,
        *(getattr(e, name) for name in FormatError.__slots__),
    )


def test_format_error_pickles_and_copies_with_every_field() -> None:
    import copy
    import pickle

    violations = [FormatViolation("book", f"/a/{i}", "type", "must be a string") for i in range(3)]
    for e in (
        FormatError("book", {"a": 1}, True, "/a", "type", "must be a string"),
        FormatError("book", [1], None, "/0", "type", "must be a string", errors=violations,
                    truncated=True),
    ):
        for again in (pickle.loads(pickle.dumps(e)), copy.copy(e), copy.deepcopy(e)):
            assert _fields(again) == _fields(e)
