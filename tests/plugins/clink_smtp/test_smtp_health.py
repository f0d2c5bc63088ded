"""clink_smtp's readiness check (``smtp``: the last send's failure, asked again) and its
``clink_smtp_send_listeners`` hook, against real aiosmtpd servers and over real sockets."""

from __future__ import annotations

import contextlib
import json
import time
import types
import urllib.error
import urllib.request

import pytest
from aiosmtpd.controller import Controller as SmtpController
from smtp_helpers import HOST, USER, Recorder

import clink_smtp
from clink_core import App, AppConf, Controller, hookimpl, mapper, stamp
from clink_core.com.label import read_stamp
from clink_core.testing import Client, LiveServer
from clink_smtp import (
    SmtpConf,
    SmtpListeners,
    SmtpRecipientError,
    SmtpSendEvent,
    SmtpSv,
    SmtpUnreachableError,
)
from clink_smtp.outbox import free_port

pytestmark = pytest.mark.timeout(30)


@stamp(SmtpSv)
@mapper.path("/mail")
class MailCtl(Controller):
    def __init__(self, smtp_sv: SmtpSv) -> None:
        self.smtp_sv = smtp_sv

    @mapper.get("/send")
    def send(self, req, res):
        try:
            self.smtp_sv.send(req.args["to"], "Welcome", "Hello")
        except (SmtpUnreachableError, SmtpRecipientError) as e:
            res.body = {"sent": False, "error": type(e).__name__}
        else:
            res.body = {"sent": True}


@contextlib.contextmanager
def mail_server(port: int):
    rec = Recorder()
    controller = SmtpController(rec, hostname=HOST, port=port, ready_timeout=10)
    controller.start()
    try:
        yield rec
    finally:
        controller.stop()


def health_app(make_app, port: int, *plugins) -> App:
    app = make_app(MailCtl, plugins=(*plugins, clink_smtp.plugin))
    app.add_prim(SmtpConf(HOST, port, USER, security="none", timeout=2))
    app.enable_health()
    return app


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        with e:
            return e.code, json.loads(e.read())


@pytest.fixture(autouse=True)
def _no_env_conf(monkeypatch):
    monkeypatch.delenv("CLINK_SMTP_HOST", raising=False)


# -- readiness --------------------------------------------------------------------
def test_ready_while_no_send_failed_without_asking_the_server(make_app):
    client = Client(health_app(make_app, free_port(HOST)))  # nobody listens: never asked
    res = client.get("/readyz")
    assert res.status == 200 and res.json["checks"]["smtp"]["ok"] is True


def test_a_failed_send_makes_it_unready_until_the_server_answers_again(make_app):
    port = free_port(HOST)
    app = health_app(make_app, port)
    with LiveServer(app) as server:
        assert get_json(server.url + "/mail/send?to=a@example.org") == (
            200, {"sent": False, "error": "SmtpUnreachableError"})
        status, body = get_json(server.url + "/readyz")
        assert status == 503
        assert body["failing"] == ["smtp"]
        assert body["checks"]["smtp"]["ok"] is False
        assert body["checks"]["smtp"]["error"] == "SmtpUnreachableError"
        assert str(port) not in json.dumps(body)  # the server is in the log, not the body
        sv = app.injector.ref(SmtpSv)
        assert isinstance(sv.last_failure.error, SmtpUnreachableError)
        with mail_server(port) as rec:
            # asked again by the check itself: ready with no mail sent meanwhile
            status, body = get_json(server.url + "/readyz")
            assert status == 200, body
            assert sv.last_failure is None and rec.envelopes == []
            assert get_json(server.url + "/mail/send?to=a@example.org") == (200, {"sent": True})
        assert get_json(server.url + "/readyz")[0] == 200  # no send failed since


def test_the_check_is_bounded_while_the_server_is_down(make_app):
    app = health_app(make_app, free_port(HOST))
    client = Client(app)
    client.get("/mail/send?to=a@example.org")
    started = time.monotonic()
    assert client.get("/readyz").status == 503
    assert time.monotonic() - started < 3  # HEALTH_TIMEOUT is 1 s


def test_a_refused_recipient_is_not_the_servers_failure(make_app):
    port = free_port(HOST)
    with mail_server(port):
        client = Client(health_app(make_app, port))
        assert client.get("/mail/send?to=x@refused.example").json == {
            "sent": False, "error": "SmtpRecipientError"}
        assert client.get("/readyz").status == 200


# -- send listeners ----------------------------------------------------------------
class Spans:
    """A send listener: records each send's event and outcome."""

    def __init__(self) -> None:
        self.seen: list[tuple[SmtpSendEvent, str | None]] = []

    def __call__(self, event):
        @contextlib.contextmanager
        def around():
            try:
                yield
            except Exception as e:
                self.seen.append((event, type(e).__name__))
                raise
            self.seen.append((event, None))

        return around()


def listener_plugin(listener):
    """A plugin that listens to sends without importing clink_smtp."""

    @hookimpl(optionalhook=True)
    def clink_smtp_send_listeners(app):
        return [listener]

    return types.SimpleNamespace(clink_smtp_send_listeners=clink_smtp_send_listeners)


def test_listeners_enclose_each_send_and_see_its_failure(make_app):
    spans = Spans()
    port = free_port(HOST)
    client = Client(health_app(make_app, port, listener_plugin(spans)))
    assert client.get("/mail/send?to=a@example.org").json["sent"] is False
    with mail_server(port):
        assert client.get("/mail/send?to=b@example.org").json["sent"] is True
    (failed, error), (sent, ok) = spans.seen
    assert failed.port == port
    assert error == "SmtpUnreachableError" and ok is None
    assert (sent.host, sent.port, sent.security, sent.recipients) == (HOST, port, "none", 1)
    assert sent.message_id.startswith("<") and "example.org" not in repr(sent)


def test_a_listener_plugin_loads_in_an_app_without_clink_smtp():
    App(AppConf("no-smtp"), plugins=[listener_plugin(Spans())], entrypoints=False).load()


def test_listeners_outside_an_app():
    spans = Spans()
    port = free_port(HOST)
    sv = SmtpSv(AppConf("x"), SmtpConf(HOST, port, USER, security="none"),
                SmtpListeners([spans]))
    with mail_server(port):
        sv.send("a@example.org", "s", "b")
    assert [outcome for _, outcome in spans.seen] == [None]


def test_a_listener_that_is_not_callable_is_refused():
    with pytest.raises(TypeError, match="callable"):
        SmtpSv(AppConf("x"), SmtpConf(HOST, 25, USER, security="none"), SmtpListeners([3]))


def test_the_service_depends_on_its_listeners():
    assert read_stamp(SmtpSv, "deps") == (AppConf, SmtpConf, SmtpListeners)


def test_an_app_without_the_plugin_loaded_gets_a_service_with_no_listeners():
    from clink_core import App

    app = App(AppConf("no-plugin"))
    app.add_prim(SmtpConf(HOST, 25, USER, security="none"))
    app.add_com(SmtpSv)
    app.load()  # SmtpListeners.default(): nothing around each send
    assert app.injector.ref(SmtpListeners).all() == []
    app.close()
