"""Child spans: pymongo commands (through clink_mongo's hook) against a real SecantusDB,
and outgoing mail (through clink_smtp's hook) to a real aiosmtpd; neither plugin imports
clink_otel."""

from __future__ import annotations

import ast
import contextlib
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller as SmtpController
from opentelemetry.trace import SpanKind, StatusCode
from pymongo.errors import OperationFailure

import clink_mongo
import clink_smtp
from clink_core import Controller, mapper, stamp
from clink_core.testing import Client
from clink_mongo import MongoSv
from clink_smtp import SmtpConf, SmtpSv, SmtpUnreachableError
from clink_smtp.outbox import free_port

pytestmark = pytest.mark.timeout(60)

HOST = "127.0.0.1"


@stamp(MongoSv)
@mapper.path("/db")
class DbCtl(Controller):
    def __init__(self, mongo_sv: MongoSv) -> None:
        self.books = mongo_sv.db["books"]
        self.db = mongo_sv.db

    @mapper.get("/find")
    def find(self, req: Any, res: Any) -> None:
        self.books.insert_one({"name": "Dune"})
        res.body = {"found": self.books.find_one({"name": "Dune"}, {"_id": 0})}

    @mapper.get("/bad")
    def bad(self, req: Any, res: Any) -> None:
        try:
            self.db.command("noSuchCommandAnywhere")
        except OperationFailure as e:
            res.body = {"failed": e.code}


class Recorder:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@contextlib.contextmanager
def mail_server(port: int):
    rec = Recorder()
    controller = SmtpController(rec, hostname=HOST, port=port, ready_timeout=10)
    controller.start()
    try:
        yield rec
    finally:
        controller.stop()


@stamp(SmtpSv)
@mapper.path("/mail")
class MailCtl(Controller):
    def __init__(self, smtp_sv: SmtpSv) -> None:
        self.smtp_sv = smtp_sv

    @mapper.get("/now")
    def now(self, req: Any, res: Any) -> None:
        try:
            self.smtp_sv.send("reader@example.org", "Welcome", "Hello")
        except SmtpUnreachableError:
            res.status = 503
            res.body = {"sent": False}
        else:
            res.body = {"sent": True}

    @mapper.get("/later")
    def later(self, req: Any, res: Any) -> None:
        self.smtp_sv.send_later("reader@example.org", "Welcome", "Hello")
        res.status = 202
        res.body = {"queued": True}


@pytest.fixture(autouse=True)
def _no_env_smtp(monkeypatch):
    monkeypatch.delenv("CLINK_SMTP_HOST", raising=False)


# -- MongoDB ----------------------------------------------------------------------------
def test_mongo_commands_are_children_of_the_request(otel_app, traces, mongo_conf):
    app = otel_app(DbCtl, plugins=(clink_mongo.plugin,))
    app.add_prim(mongo_conf)
    try:
        res = Client(app).get("/db/find")
        assert res.json == {"found": {"name": "Dune"}}
        server = traces.server()
        children = traces.children(server)
        assert [s.name for s in children] == ["insert books", "find books"]
        find = children[1]
        assert find.kind is SpanKind.CLIENT
        assert find.context.trace_id == server.context.trace_id
        attrs = dict(find.attributes)
        assert attrs["db.system.name"] == "mongodb"
        assert attrs["db.namespace"] == mongo_conf.dbname
        assert attrs["db.collection.name"] == "books"
        assert attrs["db.operation.name"] == "find"
        assert attrs["server.address"] == "127.0.0.1" and isinstance(attrs["server.port"], int)
        assert "Dune" not in str(attrs)  # the command document is never recorded
        assert find.status.status_code is StatusCode.UNSET
        assert find.end_time <= server.end_time
    finally:
        app.close()


def test_a_failed_command_is_an_error_span(otel_app, traces, mongo_conf):
    app = otel_app(DbCtl, plugins=(clink_mongo.plugin,))
    app.add_prim(mongo_conf)
    try:
        res = Client(app).get("/db/bad")
        assert "failed" in res.json
        (span,) = [s for s in traces.children(traces.server())
                   if s.name == "noSuchCommandAnywhere"]
        assert span.status.status_code is StatusCode.ERROR
        assert span.attributes["error.type"]
        assert span.attributes["db.response.status_code"] == str(res.json["failed"])
    finally:
        app.close()


def test_untraced_the_client_gets_no_listener(make_app, mongo_conf):
    import clink_otel
    from clink_otel import OtelConf

    app = make_app(DbCtl, plugins=(clink_otel.plugin, clink_mongo.plugin))
    app.add_prim(mongo_conf, OtelConf(enabled=False))
    app.load()
    try:
        assert app.injector.ref(MongoSv).client.options.event_listeners == []
    finally:
        app.close()


# -- SMTP ------------------------------------------------------------------------------------
def mail_app(otel_app, port: int):
    app = otel_app(MailCtl, plugins=(clink_smtp.plugin,))
    app.add_prim(SmtpConf(HOST, port, "app@example.com", security="none", timeout=5))
    return app


def test_a_send_is_a_child_span(otel_app, traces):
    port = free_port(HOST)
    with mail_server(port) as rec:
        assert Client(mail_app(otel_app, port)).get("/mail/now").json == {"sent": True}
    assert len(rec.envelopes) == 1
    server = traces.server()
    (send,) = traces.children(server)
    assert send.name == "SMTP send" and send.kind is SpanKind.CLIENT
    attrs = dict(send.attributes)
    assert (attrs["server.address"], attrs["server.port"]) == (HOST, port)
    assert attrs["network.protocol.name"] == "smtp"
    assert (attrs["clink.smtp.recipients"], attrs["clink.smtp.security"]) == (1, "none")
    assert attrs["clink.smtp.message_id"].endswith("@example.com>")
    assert "reader@example.org" not in str(attrs)
    assert send.status.status_code is StatusCode.UNSET


def test_a_failed_send_is_an_error_span_and_the_error_reaches_the_app(otel_app, traces):
    assert Client(mail_app(otel_app, free_port(HOST))).get("/mail/now").status == 503
    (send,) = traces.children(traces.server())
    assert send.status.status_code is StatusCode.ERROR
    assert send.attributes["error.type"] == "SmtpUnreachableError"
    assert [e.attributes["exception.type"] for e in send.events] == [
        "clink_smtp.error.SmtpUnreachableError"
    ]


def test_a_queued_mail_joins_its_requests_trace(otel_app, traces):
    port = free_port(HOST)
    with mail_server(port) as rec:
        app = mail_app(otel_app, port)
        assert Client(app).get("/mail/later").status == 202
        app.injector.ref(SmtpSv).drain(10)
    assert len(rec.envelopes) == 1
    server = traces.server()
    (send,) = [s for s in traces.spans if s.name == "SMTP send"]
    assert send.parent is not None and send.parent.span_id == server.context.span_id
    assert send.context.trace_id == server.context.trace_id


# -- the plugins stay independent ------------------------------------------------------------
@pytest.mark.parametrize("package", [clink_mongo, clink_smtp])
def test_mongo_and_smtp_never_import_clink_otel(package):
    for path in Path(package.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.startswith(("clink_otel", "opentelemetry")) for n in names), path
