"""MongoConf, MongoRetryConf and MongoDocSpec: validation, from_env, client options."""

from __future__ import annotations

import pytest
from pymongo import ASCENDING, IndexModel

from clink_core import Primitive
from clink_core.type import ConfError
from clink_mongo import MongoConf, MongoDocSpec, MongoRetryConf, redact_url
from clink_mongo.type import (
    DEFAULT_CONNECT_TIMEOUT_MS,
    DEFAULT_HEARTBEAT_FREQUENCY_MS,
    DEFAULT_SERVER_SELECTION_TIMEOUT_MS,
    DEFAULT_SOCKET_TIMEOUT_MS,
)

pytestmark = pytest.mark.timeout(30)


def test_conf_is_a_primitive_with_the_manual_constructor():
    conf = MongoConf("mongodb://localhost", "book-db")
    assert isinstance(conf, Primitive)
    assert conf.dburl == "mongodb://localhost"
    assert conf.dbname == "book-db"


@pytest.mark.parametrize(
    "url",
    [
        "mongodb://127.0.0.1:27017",
        "mongodb://db1,db2:27018/?replicaSet=rs0",
        "mongodb://user:p%40ss@host/admin",
        "mongodb+srv://cluster0.example.net/?retryWrites=true",
    ],
)
def test_valid_urls(url):
    assert MongoConf(url, "x").dburl == url


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("", "non-empty"),
        (None, "non-empty"),
        ("http://127.0.0.1:27017", "must start with mongodb://"),
        ("127.0.0.1:27017", "must start with mongodb://"),
        ("mongodb://", "not a valid MongoDB URL"),
        ("mongodb://host:notaport", "not a valid MongoDB URL"),
        ("mongodb://host:99999", "not a valid MongoDB URL"),
        ("mongodb://host/?noSuchOption=1", "not a valid MongoDB URL"),
        ("mongodb+srv://", "names no host"),
    ],
)
def test_bad_urls_raise_conf_error(url, fragment):
    with pytest.raises(ConfError, match=fragment):
        MongoConf(url, "x")


def test_errors_and_repr_never_show_the_password():
    with pytest.raises(ConfError) as info:
        MongoConf("mongodb://admin:s3cret@host:99999", "x")
    assert "s3cret" not in str(info.value)
    assert "admin:***@" in str(info.value)
    conf = MongoConf("mongodb://admin:s3cret@host", "x")
    assert "s3cret" not in repr(conf)
    assert redact_url("mongodb://admin:s3cret@h/db") == "mongodb://admin:***@h/db"
    assert redact_url("mongodb://admin@h") == "mongodb://admin@h"
    assert redact_url("mongodb://h/db") == "mongodb://h/db"


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "non-empty"),
        (None, "non-empty"),
        (7, "non-empty"),
        ("a.b", "refuses"),
        ("a/b", "refuses"),
        ("a b", "refuses"),
        ("a$b", "refuses"),
        ("x" * 64, "too long"),
    ],
)
def test_bad_dbnames(name, fragment):
    with pytest.raises(ConfError, match=fragment):
        MongoConf("mongodb://h", name)


def test_short_timeouts_by_default():
    options = MongoConf("mongodb://h", "x").client_options()
    assert options == {
        "serverSelectionTimeoutMS": DEFAULT_SERVER_SELECTION_TIMEOUT_MS,
        "connectTimeoutMS": DEFAULT_CONNECT_TIMEOUT_MS,
        "socketTimeoutMS": DEFAULT_SOCKET_TIMEOUT_MS,
        "heartbeatFrequencyMS": DEFAULT_HEARTBEAT_FREQUENCY_MS,
    }
    assert all(v <= 5000 for v in options.values())
    assert DEFAULT_HEARTBEAT_FREQUENCY_MS == 500  # recovery within about 0.5 s
    assert MongoConf("mongodb://h", "x").fail_fast is True


def test_url_timeouts_win_over_defaults_and_explicit_ones_win_over_url():
    conf = MongoConf(
        "mongodb://h/?serverSelectionTimeoutMS=9000&sockettimeoutms=1&heartbeatFrequencyMS=800",
        "x",
    )
    assert conf.client_options() == {"connectTimeoutMS": DEFAULT_CONNECT_TIMEOUT_MS}
    conf = MongoConf(
        "mongodb://h/?serverSelectionTimeoutMS=9000", "x",
        server_selection_timeout_ms=100, connect_timeout_ms=200, socket_timeout_ms=300,
        heartbeat_frequency_ms=700,
    )
    assert conf.client_options() == {
        "serverSelectionTimeoutMS": 100, "connectTimeoutMS": 200, "socketTimeoutMS": 300,
        "heartbeatFrequencyMS": 700,
    }


@pytest.mark.parametrize("value", [0, -1, 1.5, "100", True])
def test_bad_timeouts(value):
    with pytest.raises(ConfError, match="connect_timeout_ms"):
        MongoConf("mongodb://h", "x", connect_timeout_ms=value)


def test_heartbeat_below_pymongo_minimum_and_bad_fail_fast():
    with pytest.raises(ConfError, match="heartbeat_frequency_ms must be at least 500"):
        MongoConf("mongodb://h", "x", heartbeat_frequency_ms=499)
    assert MongoConf("mongodb://h", "x", heartbeat_frequency_ms=500).heartbeat_frequency_ms == 500
    with pytest.raises(ConfError, match="fail_fast must be True or False"):
        MongoConf("mongodb://h", "x", fail_fast="no")  # type: ignore[arg-type]
    assert MongoConf("mongodb://h", "x", fail_fast=False).fail_fast is False


def test_from_env_timings_and_fail_fast():
    env = {
        "CLINK_MONGO_URL": "mongodb://db", "CLINK_MONGO_DB": "x",
        "CLINK_MONGO_SERVER_SELECTION_TIMEOUT_MS": "300",
        "CLINK_MONGO_CONNECT_TIMEOUT_MS": "400",
        "CLINK_MONGO_SOCKET_TIMEOUT_MS": "9000",
        "CLINK_MONGO_HEARTBEAT_FREQUENCY_MS": "1000",
        "CLINK_MONGO_FAIL_FAST": "off",
    }
    conf = MongoConf.from_env(env)
    assert conf.client_options() == {
        "serverSelectionTimeoutMS": 300, "connectTimeoutMS": 400, "socketTimeoutMS": 9000,
        "heartbeatFrequencyMS": 1000,
    }
    assert conf.fail_fast is False
    for flag, expected in (("1", True), ("TRUE", True), ("yes", True), ("0", False)):
        assert MongoConf.from_env({**env, "CLINK_MONGO_FAIL_FAST": flag}).fail_fast is expected
    plain = MongoConf.from_env({"CLINK_MONGO_URL": "mongodb://db", "CLINK_MONGO_DB": "x"})
    assert plain.fail_fast is True
    assert plain.heartbeat_frequency_ms is None  # the default applies in client_options


@pytest.mark.parametrize(
    ("var", "value", "fragment"),
    [
        ("CLINK_MONGO_SERVER_SELECTION_TIMEOUT_MS", "2s", "whole number of milliseconds"),
        ("CLINK_MONGO_CONNECT_TIMEOUT_MS", "0", "positive number"),
        ("CLINK_MONGO_SOCKET_TIMEOUT_MS", "-5", "positive number"),
        ("CLINK_MONGO_HEARTBEAT_FREQUENCY_MS", "100", "at least 500"),
        ("CLINK_MONGO_FAIL_FAST", "maybe", "must be one of"),
    ],
)
def test_from_env_bad_timings_name_the_variable(var, value, fragment):
    env = {"CLINK_MONGO_URL": "mongodb://db", "CLINK_MONGO_DB": "x", var: value}
    with pytest.raises(ConfError, match=fragment) as info:
        MongoConf.from_env(env)
    assert str(info.value).startswith(var)


def test_from_env():
    conf = MongoConf.from_env({"CLINK_MONGO_URL": "mongodb://db:27017", "CLINK_MONGO_DB": "books"})
    assert (conf.dburl, conf.dbname) == ("mongodb://db:27017", "books")


def test_from_env_defaults_and_url_database():
    conf = MongoConf.from_env({}, dburl="mongodb://127.0.0.1", dbname="demo")
    assert (conf.dburl, conf.dbname) == ("mongodb://127.0.0.1", "demo")
    conf = MongoConf.from_env({"CLINK_MONGO_URL": "mongodb://db/books?w=1"})
    assert conf.dbname == "books"
    conf = MongoConf.from_env({"CLINK_MONGO_URL": "mongodb://db/books", "CLINK_MONGO_DB": "x"})
    assert conf.dbname == "x"


def test_from_env_missing_values_name_the_variable():
    with pytest.raises(ConfError, match="CLINK_MONGO_URL is not set"):
        MongoConf.from_env({})
    with pytest.raises(ConfError, match="CLINK_MONGO_DB is not set"):
        MongoConf.from_env({"CLINK_MONGO_URL": "mongodb://db"})


def test_from_env_bad_values_name_the_variable():
    with pytest.raises(ConfError, match="CLINK_MONGO_URL"):
        MongoConf.from_env({"CLINK_MONGO_URL": "localhost:27017", "CLINK_MONGO_DB": "x"})
    with pytest.raises(ConfError, match="CLINK_MONGO_URL"):
        MongoConf.from_env({"CLINK_MONGO_URL": "", "CLINK_MONGO_DB": "x"})
    with pytest.raises(ConfError, match="CLINK_MONGO_DB"):
        MongoConf.from_env({"CLINK_MONGO_URL": "mongodb://db", "CLINK_MONGO_DB": "a.b"})
    with pytest.raises(ConfError, match="CLINK_MONGO_DB"):
        MongoConf.from_env({"CLINK_MONGO_URL": "mongodb://db", "CLINK_MONGO_DB": ""})


def test_from_env_reads_os_environ(monkeypatch):
    monkeypatch.setenv("CLINK_MONGO_URL", "mongodb://envhost")
    monkeypatch.setenv("CLINK_MONGO_DB", "envdb")
    conf = MongoConf.from_env()
    assert (conf.dburl, conf.dbname) == ("mongodb://envhost", "envdb")


def test_retry_conf():
    assert MongoRetryConf().retry_after == 5
    assert MongoRetryConf(0).retry_after == 0
    assert MongoRetryConf.from_env({"CLINK_MONGO_RETRY_AFTER": "30"}).retry_after == 30
    assert MongoRetryConf.from_env({}).retry_after == 5
    with pytest.raises(ConfError, match="CLINK_MONGO_RETRY_AFTER"):
        MongoRetryConf.from_env({"CLINK_MONGO_RETRY_AFTER": "soon"})
    with pytest.raises(ConfError, match="CLINK_MONGO_RETRY_AFTER"):
        MongoRetryConf.from_env({"CLINK_MONGO_RETRY_AFTER": "-1"})
    with pytest.raises(ConfError, match="retry_after"):
        MongoRetryConf(2.5)  # type: ignore[arg-type]


def test_doc_spec():
    index = IndexModel([("name", ASCENDING)], unique=True)
    spec = MongoDocSpec("book", [index])
    assert spec.name == "book"
    assert spec.indexes == [index]
    assert MongoDocSpec("tag").indexes == []
    assert MongoDocSpec("tag", []).indexes == []


@pytest.mark.parametrize("name", ["", None, "a$b", "system.users", ".x", "x."])
def test_doc_spec_bad_names(name):
    with pytest.raises(ValueError, match="MongoDocSpec"):
        MongoDocSpec(name, [])


def test_doc_spec_indexes_must_be_index_models():
    with pytest.raises(ValueError, match="IndexModel"):
        MongoDocSpec("book", [[("name", 1)]])
