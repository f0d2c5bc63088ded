"""dflow.verify and the data errors, alone and through an app."""

from __future__ import annotations

import pytest

from clink_core import Controller, Service, mapper, stamp
from clink_core.dflow import (
    ExistError,
    ExpiredError,
    FormatError,
    NonExistError,
    SchemaDefinitionError,
    verify,
)
from clink_core.testing import Client

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


@verify(BOOK)
def create(book):
    return "created"


class Shelf:
    @verify(None, BOOK, {"type": "integer", "minimum": 1})
    def put(self, book, count=1):
        return count


def test_valid_arguments_pass_through():
    assert create({"name": "Dune", "author": "Frank"}) == "created"
    assert Shelf().put({"name": "Dune", "author": "Frank"}, 3) == 3
    assert Shelf().put({"name": "Dune", "author": "Frank"}, count=2) == 2
    assert Shelf().put({"name": "Dune", "author": "Frank"}) == 1


@pytest.mark.parametrize(
    ("value", "pointer", "rule"),
    [
        ({"name": "Dune"}, "", "required"),
        ({"name": "Dune", "author": "F", "x": 1}, "", "additionalProperties"),
        ({"name": "Dune!", "author": "Frank"}, "/name", "pattern"),
        ({"name": 5, "author": "Frank"}, "/name", "type"),
        ("not an object", "", "type"),
        (None, "", "type"),
    ],
)
def test_format_error_names_argument_pointer_and_rule(value, pointer, rule):
    with pytest.raises(FormatError) as info:
        create(value)
    e = info.value
    assert (e.name, e.pointer, e.rule) == ("book", pointer, rule)
    assert e.value == value


def test_keyword_argument_is_checked_by_name():
    with pytest.raises(FormatError) as info:
        Shelf().put({"name": "Dune", "author": "Frank"}, count=0)
    assert (info.value.name, info.value.rule) == ("count", "minimum")


def test_submitted_value_is_never_echoed():
    secret = "hunter2-short"
    with pytest.raises(FormatError) as info:
        create({"name": "Dune", "author": "Frank", "password": secret[:5]})
    e = info.value
    assert e.rule == "minLength"
    for text in (str(e), repr(e), repr(e.http_message()), repr(e.args)):
        assert secret[:5] not in text


def test_values_that_are_not_json_are_refused_with_rule_json():
    @verify({"type": "object"})
    def take(obj):
        return obj

    class Opaque:
        pass

    with pytest.raises(FormatError) as info:
        take(Opaque())
    assert (info.value.pointer, info.value.rule) == ("", "json")
    assert info.value.detail == "is not a JSON value (Opaque)"
    assert take({"when": 1.5}) == {"when": 1.5}


def test_bad_schema_fails_at_decoration():
    with pytest.raises(SchemaDefinitionError, match="invalid JSON schema"):
        verify({"type": "no-such-type"})
    with pytest.raises(SchemaDefinitionError):
        verify("not a schema")
    with pytest.raises(TypeError, match="2 schemas"):
        verify(None, BOOK)(lambda book: None)


def test_verify_records_schemas_for_introspection():
    assert create.__clink_stamps__["verify_schemas"] == {"book": BOOK}
    assert create.__name__ == "create"


def test_error_messages_name_fields_not_values():
    assert str(ExistError({"email": "a@b.c"})) == "already exists: email"
    assert "a@b.c" not in str(NonExistError({"email": "a@b.c"}))
    assert str(ExpiredError({"code": "X"})) == "expired: code"


@stamp()
class BookSv(Service):
    @verify(None, BOOK)
    def create_one(self, book):
        if book["name"] == "Taken":
            raise ExistError({"name": book["name"]})
        if book["name"] == "Gone":
            raise ExpiredError({"name": book["name"]})
        if book["name"] == "Lost":
            raise NonExistError({"name": book["name"]})


@stamp(BookSv)
@mapper.path("/book")
class BookCtl(Controller):
    def __init__(self, book_sv):
        self._book_sv = book_sv

    @mapper.post("/item", "text/plain")
    def create_one_book(self, req, res):
        import json

        self._book_sv.create_one(json.loads(req.body))
        res.status = 201
        res.body = b'{"message": "created"}'


@pytest.mark.parametrize(
    ("book", "status"),
    [
        ({"name": "Dune", "author": "Frank"}, 201),
        ({"name": "Taken", "author": "Frank"}, 409),
        ({"name": "Lost", "author": "Frank"}, 404),
        ({"name": "Gone", "author": "Frank"}, 410),
    ],
)
def test_app_answers_data_errors(make_app, book, status):
    import json

    res = Client(make_app(BookCtl)).post(
        "/book/item", data=json.dumps(book), content_type="text/plain"
    )
    assert res.status == status
    if status != 201:
        assert res.json["status"] == status
        assert "Taken" not in res.text


def test_app_answers_format_error_400_without_value(make_app):
    import json

    res = Client(make_app(BookCtl)).post(
        "/book/item", data=json.dumps({"name": "Dead Note"}), content_type="text/plain"
    )
    assert res.status == 400
    assert res.json == {
        "status": 400,
        "status_name": "400 Bad Request",
        "message": {
            "name": "book",
            "pointer": "",
            "rule": "required",
            "detail": "is missing required properties: 'author'",
            "errors": [
                {
                    "name": "book",
                    "pointer": "",
                    "rule": "required",
                    "detail": "is missing required properties: 'author'",
                }
            ],
            "truncated": False,
        },
    }
    assert "Dead Note" not in res.text
