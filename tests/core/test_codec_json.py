"""The kernel's JSON: JSON and url-encoded request bodies, JSON responses, the codec."""

from __future__ import annotations

import json
import logging

import pytest

from clink_core import Controller, codec, mapper, stamp
from clink_core.mime.type import MIME_PLAINTEXT, MIME_URL_ENCODE
from clink_core.testing import Client


class Thing:
    pass


@stamp()
@mapper.path("/j")
class EchoCtl(Controller):
    @mapper.post("/echo")
    def echo(self, req, res):
        res.body = {"got": req.body}

    @mapper.post("/form", MIME_URL_ENCODE)
    def form(self, req, res):
        res.body = {"got": req.body}

    @mapper.post("/patch", "application/merge-patch+json")
    def patch(self, req, res):
        res.body = req.body

    @mapper.get("/value")
    def value(self, req, res):
        kind = req.args.get("kind")
        res.body = {"str": "hello", "num": 1.5, "bool": True, "none": None,
                    "list": [1, 2], "int-keys": {1: "a"}}.get(kind, {"kind": kind})

    @mapper.get("/bytes")
    def raw(self, req, res):
        res.body = b'{"raw": true}'

    @mapper.get("/text")
    def text(self, req, res):
        res.body = "plain"
        res.content_type = MIME_PLAINTEXT

    @mapper.get("/bad")
    def bad(self, req, res):
        res.body = {"thing": Thing()}

    @mapper.get("/empty")
    def empty(self, req, res):
        res.status = 204


@pytest.fixture
def client(make_app):
    return Client(make_app(EchoCtl))


def test_json_body_in_and_out(client):
    res = client.post("/j/echo", json={"name": "Dune", "tags": ["a", "b"]})
    assert res.status == 200
    assert res.content_type == "application/json"
    assert res.json == {"got": {"name": "Dune", "tags": ["a", "b"]}}


def test_json_with_charset_and_plus_json_types(client):
    res = client.post("/j/echo", data=b'{"a": 1}', content_type="application/json; charset=utf-8")
    assert res.json == {"got": {"a": 1}}
    res = client.post("/j/patch", data=b'{"a": null}', content_type="application/merge-patch+json")
    assert res.json == {"a": None}


def test_empty_json_body_is_none(client):
    res = client.post("/j/echo", data=b"", content_type="application/json")
    assert res.json == {"got": None}


def test_malformed_json_says_where(client):
    res = client.post("/j/echo", data=b'{"a": 1,, }', content_type="application/json")
    assert res.status == 400
    assert res.json["status_name"] == "400 Bad Request"
    assert "line 1 column" in res.json["message"]


def test_non_utf8_json_is_400(client):
    res = client.post("/j/echo", data=b'{"a": "\xff\xfe"}', content_type="application/json")
    assert res.status == 400
    assert "UTF-8" in res.json["message"]


def test_deep_nesting_is_400(client):
    deep = b"[" * (codec.MAX_DEPTH + 1) + b"]" * (codec.MAX_DEPTH + 1)
    res = client.post("/j/echo", data=deep, content_type="application/json")
    assert res.status == 400
    assert "deeper" in res.json["message"]
    ok = b"[" * codec.MAX_DEPTH + b"]" * codec.MAX_DEPTH
    assert client.post("/j/echo", data=ok, content_type="application/json").status == 200
    very_deep = b"[" * 5000 + b"]" * 5000
    assert client.post("/j/echo", data=very_deep, content_type="application/json").status == 400


def test_url_encoded_body_keeps_repeated_values(client):
    res = client.post("/j/form", data="a=1&b=x+y&a=2&c=", content_type=MIME_URL_ENCODE)
    assert res.json == {"got": {"a": ["1", "2"], "b": "x y", "c": ""}}
    res = client.post("/j/form", data=b"a=%ff", content_type=MIME_URL_ENCODE)
    assert res.status == 400


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("str", "hello"), ("num", 1.5), ("bool", True), ("none", None), ("list", [1, 2]),
     ("int-keys", {"1": "a"})],
)
def test_every_json_type_is_serialised(client, kind, expected):
    res = client.get("/j/value", query={"kind": kind})
    assert res.content_type == "application/json"
    assert res.json == expected


def test_bytes_and_other_content_types_are_left_alone(client):
    assert client.get("/j/bytes").data == b'{"raw": true}'
    res = client.get("/j/text")
    assert (res.data, res.content_type) == (b"plain", "text/plain")


def test_204_sends_nothing(client):
    res = client.get("/j/empty")
    assert (res.status, res.data) == (204, b"")


def test_unserialisable_body_is_500_type_in_log_only(client, caplog):
    with caplog.at_level(logging.ERROR, logger="clink.error"):
        res = client.get("/j/bad")
    assert res.status == 500
    assert "Thing" not in res.text
    assert "Thing" in caplog.text


def test_error_bodies_are_json(client):
    res = client.get("/nope")
    assert res.status == 404
    assert json.loads(res.data)["status"] == 404


def test_codec_functions():
    assert codec.loads(b'{"a": [1]}') == {"a": [1]}
    assert codec.loads('{"a": 2}') == {"a": 2}
    assert codec.dumps({"a": 1}) == b'{"a":1}'
    assert codec.dumps({"t": Thing()}, default=lambda o: "thing") == b'{"t":"thing"}'
    with pytest.raises(codec.JsonSerializeError, match="Thing"):
        codec.dumps(Thing())
    with pytest.raises(codec.JsonBodyError, match="malformed JSON"):
        codec.loads(b"nope")
    with pytest.raises(codec.JsonBodyError, match="not valid UTF-8"):
        codec.loads(b'"\xff"')


def test_integers_past_64_bits_are_written_not_refused():
    big = 10**30
    assert codec.dumps({"id": big, "é": [-big]}) == f'{{"id":{big},"é":[-{big}]}}'.encode()
    with pytest.raises(codec.JsonSerializeError, match="Thing"):
        codec.dumps({"id": big, "t": Thing()})
