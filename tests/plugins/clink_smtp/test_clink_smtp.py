"""clink_smtp: SmtpSv against real aiosmtpd servers (plain, STARTTLS + AUTH, implicit TLS)."""

from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes
from email import policy as email_policy
from email.utils import parsedate_to_datetime

import pytest
from smtp_helpers import HOST, PASSWORD, USER, authenticator

import clink_smtp
from clink_core import AppConf, Controller, mapper, stamp
from clink_core.com import PrimError
from clink_core.testing import Client
from clink_core.type import ConfError
from clink_smtp import (
    SmtpAddressError,
    SmtpConf,
    SmtpError,
    SmtpHeaderError,
    SmtpLoginError,
    SmtpRecipientError,
    SmtpSendError,
    SmtpSv,
    SmtpTlsError,
    SmtpUnreachableError,
)
from clink_smtp.outbox import free_port

pytestmark = pytest.mark.timeout(30)

APP = AppConf("Awesome Application")


def parsed(envelope):
    return message_from_bytes(envelope.original_content, policy=email_policy.default)


def make_sv(port, **kwargs) -> SmtpSv:
    kwargs.setdefault("security", "none")
    kwargs.setdefault("timeout", 5)
    return SmtpSv(APP, SmtpConf(HOST, port, USER, **kwargs))


# -- sending ------------------------------------------------------------------
def test_plain_sends_a_proper_utf8_mime_message(smtp_server):
    rec, port = smtp_server()
    subject = "Chào bạn \N{EM DASH} let be friends"
    msgid = make_sv(port).send("someone@example.org", subject, "Hello there\nđây\n")
    assert len(rec.envelopes) == 1
    env = rec.envelopes[0]
    assert env.mail_from == USER
    assert env.rcpt_tos == ["someone@example.org"]
    msg = parsed(env)
    assert msg["From"].addresses[0].display_name == "Awesome Application"
    assert msg["From"].addresses[0].addr_spec == USER
    assert str(msg["To"]) == "someone@example.org"
    assert str(msg["Subject"]) == subject
    assert msg["Message-ID"] == msgid
    assert msgid.startswith("<") and msgid.endswith("@example.com>")
    assert abs(time.time() - parsedate_to_datetime(msg["Date"]).timestamp()) < 120
    assert msg["MIME-Version"] == "1.0"
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert msg.get_content().replace("\r\n", "\n") == "Hello there\nđây\n"


def test_each_message_gets_its_own_message_id(smtp_server):
    rec, port = smtp_server()
    sv = make_sv(port)
    ids = {sv.send("a@example.org", "s", "b") for _ in range(3)}
    assert len(ids) == 3 and len(rec.envelopes) == 3


def test_body_lines_starting_with_a_dot_survive(smtp_server):
    rec, port = smtp_server()
    make_sv(port).send("a@example.org", "dots", ".\n..hidden\nend")
    assert parsed(rec.envelopes[0]).get_content().replace("\r\n", "\n") == ".\n..hidden\nend\n"


def test_starttls_with_auth(smtp_server, server_ctx, ca_file):
    rec, port = smtp_server(
        tls_context=server_ctx, require_starttls=True, authenticator=authenticator,
        auth_required=True,
    )
    make_sv(port, security="starttls", password=PASSWORD, ca_file=ca_file).send(
        "someone@example.org", "over TLS", "secret body"
    )
    assert len(rec.envelopes) == 1
    assert parsed(rec.envelopes[0]).get_content().strip() == "secret body"


def test_starttls_with_a_separate_user_name(smtp_server, server_ctx, ca_file):
    def auth(server, session, envelope, mechanism, data):
        from aiosmtpd.smtp import AuthResult
        ok = (data.login, data.password) == (b"mailer", PASSWORD.encode())
        return AuthResult(success=ok, handled=False)

    rec, port = smtp_server(tls_context=server_ctx, authenticator=auth, auth_required=True)
    sv = make_sv(port, security="starttls", password=PASSWORD, ca_file=ca_file, user="mailer")
    sv.send("someone@example.org", "s", "b")
    assert len(rec.envelopes) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls_with_auth(smtp_server, server_ctx, ca_file):
    # aiosmtpd only counts STARTTLS as encryption: with TLS from the first byte
    # it must be told that AUTH over this connection is fine.
    rec, port = smtp_server(
        ssl_context=server_ctx, authenticator=authenticator, auth_required=True,
        auth_require_tls=False,
    )
    make_sv(port, security="tls", password=PASSWORD, ca_file=ca_file).send(
        "someone@example.org", "implicit TLS", "body"
    )
    assert len(rec.envelopes) == 1


def test_wrong_password(smtp_server, server_ctx, ca_file):
    rec, port = smtp_server(tls_context=server_ctx, authenticator=authenticator,
                            auth_required=True)
    sv = make_sv(port, security="starttls", password="wrong-guess", ca_file=ca_file)
    with pytest.raises(SmtpLoginError) as info:
        sv.send("someone@example.org", "s", "b")
    message = str(info.value)
    assert f"{HOST}:{port}" in message and USER in message and "535" in message
    assert "wrong-guess" not in message
    assert rec.envelopes == []


def test_password_but_server_offers_no_login(smtp_server, server_ctx, ca_file):
    # aiosmtpd advertises AUTH over implicit TLS only when told auth_require_tls=False.
    _, port = smtp_server(ssl_context=server_ctx)
    sv = make_sv(port, security="tls", password=PASSWORD, ca_file=ca_file)
    with pytest.raises(SmtpLoginError, match="offers no login"):
        sv.send("someone@example.org", "s", "b")


def test_untrusted_certificate_with_starttls(smtp_server, untrusted_ctx, ca_file):
    rec, port = smtp_server(tls_context=untrusted_ctx, authenticator=authenticator)
    sv = make_sv(port, security="starttls", password=PASSWORD, ca_file=ca_file)
    with pytest.raises(SmtpTlsError, match="not trusted") as info:
        sv.send("someone@example.org", "s", "b")
    assert f"{HOST}:{port}" in str(info.value)
    assert rec.envelopes == []


def test_untrusted_certificate_with_implicit_tls(smtp_server, untrusted_ctx, ca_file):
    rec, port = smtp_server(ssl_context=untrusted_ctx)
    with pytest.raises(SmtpTlsError, match="not trusted"):
        make_sv(port, security="tls", ca_file=ca_file).send("someone@example.org", "s", "b")
    assert rec.envelopes == []


def test_system_cas_do_not_trust_a_private_ca(smtp_server, server_ctx):
    _, port = smtp_server(ssl_context=server_ctx)
    with pytest.raises(SmtpTlsError, match="not trusted"):
        make_sv(port, security="tls").send("someone@example.org", "s", "b")


def test_certificate_for_another_host_name(smtp_server, wrong_name_ctx, ca_file):
    rec, port = smtp_server(ssl_context=wrong_name_ctx)
    with pytest.raises(SmtpTlsError, match="not trusted"):
        make_sv(port, security="tls", ca_file=ca_file).send("someone@example.org", "s", "b")
    assert rec.envelopes == []


def test_starttls_required_but_not_offered(smtp_server, ca_file):
    rec, port = smtp_server()
    with pytest.raises(SmtpTlsError, match="does not offer STARTTLS"):
        make_sv(port, security="starttls", ca_file=ca_file).send("someone@example.org", "s", "b")
    assert rec.envelopes == []


def test_implicit_tls_against_a_plain_server(smtp_server, ca_file):
    _, port = smtp_server()
    with pytest.raises(SmtpTlsError):
        make_sv(port, security="tls", ca_file=ca_file, timeout=3).send("a@example.org", "s", "b")


def test_recipient_refused(smtp_server):
    rec, port = smtp_server()
    with pytest.raises(SmtpRecipientError) as info:
        make_sv(port).send("ghost@refused.example", "s", "b")
    err = info.value
    assert err.recipient == "ghost@refused.example" and err.code == 550
    assert "no such mailbox" in err.reply and "ghost@refused.example" in str(err)
    assert rec.envelopes == []


def test_server_down():
    port = free_port(HOST)  # nothing listens there
    with pytest.raises(SmtpUnreachableError) as info:
        make_sv(port).send("someone@example.org", "s", "b")
    assert f"cannot reach SMTP server {HOST}:{port}" in str(info.value)
    assert (info.value.host, info.value.port) == (HOST, port)


def test_server_that_never_answers_times_out():
    listener = socket.socket()
    listener.bind((HOST, 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        started = time.monotonic()
        with pytest.raises(SmtpUnreachableError):
            make_sv(port, timeout=0.5).send("someone@example.org", "s", "b")
        assert time.monotonic() - started < 5
    finally:
        listener.close()


def test_server_that_refuses_service():
    listener = socket.socket()
    listener.bind((HOST, 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def greet() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"554 5.3.2 no service for you\r\n")
            conn.recv(1024)

    thread = threading.Thread(target=greet, daemon=True)
    thread.start()
    try:
        with pytest.raises(SmtpUnreachableError, match="refused service: 554"):
            make_sv(port).send("someone@example.org", "s", "b")
    finally:
        thread.join(5)
        listener.close()


# -- refused before connecting ------------------------------------------------
# The server is down: a connection attempt would raise SmtpUnreachableError.
@pytest.mark.parametrize("subject", [
    "hi\r\nBcc: victim@example.org", "hi\nBcc: x@example.org", "hi\r", "a\x00b", "a\u2028b",
])
def test_line_breaks_in_subject_are_refused(subject):
    sv = make_sv(free_port(HOST))
    with pytest.raises(SmtpHeaderError, match="subject") as info:
        sv.send("someone@example.org", subject, "b")
    assert isinstance(info.value, SmtpError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize("dest", [
    "someone@example.org\r\nBcc: victim@example.org", "someone@example.org\n", "a\r@example.org",
])
def test_line_breaks_in_address_are_refused(dest):
    with pytest.raises(SmtpHeaderError, match="recipient address"):
        make_sv(free_port(HOST)).send(dest, "s", "b")


@pytest.mark.parametrize("dest", [
    "", "someone", "two@at@example.org", "a b@example.org", "Name <a@example.org>",
    "a@example.org, b@example.org", "a@.example.org", "a@example..org",
])
def test_malformed_addresses_are_refused(dest):
    with pytest.raises(SmtpAddressError, match="recipient address"):
        make_sv(free_port(HOST)).send(dest, "s", "b")


@pytest.mark.parametrize("args", [
    (b"a@example.org", "s", "b"), ("a@example.org", None, "b"), ("a@example.org", "s", b"b"),
])
def test_arguments_must_be_str(args):
    with pytest.raises(TypeError, match="as str"):
        make_sv(free_port(HOST)).send(*args)


def test_body_may_hold_line_breaks(smtp_server):
    rec, port = smtp_server()
    make_sv(port).send("a@example.org", "s", "Bcc: not-a-header@example.org\r\n\r\nx")
    msg = parsed(rec.envelopes[0])
    assert msg["Bcc"] is None
    assert rec.envelopes[0].rcpt_tos == ["a@example.org"]


def test_ca_file_that_is_not_pem_is_a_conf_error(tmp_path):
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ConfError, match="ca_file"):
        SmtpSv(APP, SmtpConf(HOST, 465, USER, security="tls", ca_file=bad))


def test_non_ascii_recipient_needs_smtputf8(smtp_server):
    _, port = smtp_server(enable_SMTPUTF8=False)
    with pytest.raises(SmtpSendError, match="cannot take this message"):
        make_sv(port).send("jürgen@example.org", "s", "b")
    rec, port = smtp_server(enable_SMTPUTF8=True)
    make_sv(port).send("jürgen@example.org", "s", "b")
    assert rec.envelopes[0].rcpt_tos == ["jürgen@example.org"]


def test_app_name_with_a_line_break_cannot_be_the_display_name():
    with pytest.raises(ConfError, match="control characters"):
        SmtpSv(AppConf("evil\r\nBcc: x@example.org"), SmtpConf(HOST, 25, USER, security="none"))


# -- in an application --------------------------------------------------------
@stamp(SmtpSv)
@mapper.path("/mail")
class MailCtl(Controller):
    def __init__(self, smtp_sv: SmtpSv) -> None:
        self.smtp_sv = smtp_sv

    @mapper.get("/send")
    def send(self, req, res):
        self.smtp_sv.send(req.args["to"], "Welcome", "Hello from the app")
        res.body = b"sent"
        res.content_type = "text/plain"


def test_smtp_sv_is_created_for_a_controller_that_needs_it(make_app, smtp_server, monkeypatch):
    monkeypatch.delenv("CLINK_SMTP_HOST", raising=False)
    rec, port = smtp_server()
    app = make_app(MailCtl, plugins=(clink_smtp.plugin,), name="Mailer")
    app.add_prim(SmtpConf(HOST, port, USER, security="none", timeout=5))
    res = Client(app).get("/mail/send?to=someone@example.org")
    assert res.status == 200
    assert rec.envelopes[0].rcpt_tos == ["someone@example.org"]
    assert parsed(rec.envelopes[0])["From"].addresses[0].display_name == "Mailer"


def test_plugin_reads_the_conf_from_env(make_app, smtp_server, monkeypatch):
    rec, port = smtp_server()
    monkeypatch.setenv("CLINK_SMTP_HOST", HOST)
    monkeypatch.setenv("CLINK_SMTP_PORT", str(port))
    monkeypatch.setenv("CLINK_SMTP_SENDER", "env@example.com")
    monkeypatch.setenv("CLINK_SMTP_SECURITY", "none")
    app = make_app(MailCtl, plugins=(clink_smtp.plugin,))
    app.load()
    assert app.injector.ref(SmtpSv).conf.sender == "env@example.com"
    assert Client(app).get("/mail/send?to=a@example.org").status == 200
    assert rec.envelopes[0].mail_from == "env@example.com"


def test_plugin_without_conf_adds_nothing(make_app, monkeypatch):
    monkeypatch.delenv("CLINK_SMTP_HOST", raising=False)
    app = make_app(plugins=(clink_smtp.plugin,))
    app.load()  # an app that sends no mail is unaffected
    assert app.injector.sub_ref(SmtpSv) == []


def test_service_without_conf_names_the_missing_primitive(make_app, monkeypatch):
    monkeypatch.delenv("CLINK_SMTP_HOST", raising=False)
    app = make_app(MailCtl, plugins=(clink_smtp.plugin,))
    with pytest.raises(PrimError, match="SmtpConf"):
        app.load()


def test_plugin_with_a_bad_env_conf_fails_at_load(make_app, monkeypatch):
    monkeypatch.setenv("CLINK_SMTP_HOST", HOST)
    monkeypatch.delenv("CLINK_SMTP_SENDER", raising=False)
    app = make_app(plugins=(clink_smtp.plugin,))
    with pytest.raises(ConfError, match="CLINK_SMTP_SENDER"):
        app.load()


def test_plugin_tolerates_the_app_adding_the_service_too(make_app):
    app = make_app(plugins=(clink_smtp.plugin,))
    app.add_prim(SmtpConf(HOST, 25, USER, security="none"))
    app.add_com(SmtpSv)
    app.load()
    assert isinstance(app.injector.ref(SmtpSv), SmtpSv)


def test_entry_point_is_declared():
    from importlib.metadata import entry_points

    eps = {ep.name: ep.value for ep in entry_points(group="clink.plugins")}
    assert eps.get("clink_smtp") == "clink_smtp.plugin"
