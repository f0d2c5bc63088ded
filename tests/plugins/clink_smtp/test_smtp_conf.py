"""clink_smtp: SmtpConf and SmtpConf.from_env."""

from __future__ import annotations

import pytest

from clink_core.type import ConfError
from clink_smtp import SmtpConf


def test_defaults():
    conf = SmtpConf("smtp.example.com", 587, "app@example.com")
    assert (conf.password, conf.security, conf.timeout, conf.ca_file, conf.user) == (
        None, "starttls", 10, None, None
    )
    assert conf.login is None


def test_login_defaults_to_the_sender():
    assert SmtpConf("h", 587, "app@example.com", "pw").login == "app@example.com"
    assert SmtpConf("h", 587, "app@example.com", "pw", user="mailer").login == "mailer"


def test_repr_hides_the_password():
    text = repr(SmtpConf("h", 465, "app@example.com", "hunter2", "tls"))
    assert "hunter2" not in text and "***" in text


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"host": ""}, "host"),
    ({"host": "smtp example"}, "host"),
    ({"host": None}, "host"),
    ({"port": 0}, "port"),
    ({"port": 70000}, "port"),
    ({"port": "587"}, "port"),
    ({"port": True}, "port"),
    ({"sender": "not-an-address"}, "sender"),
    ({"sender": "a@example.com\r\nBcc: x@example.com"}, "sender"),
    ({"password": ""}, "password"),
    ({"password": 1234}, "password"),
    ({"security": "ssl"}, "security"),
    ({"timeout": 0}, "timeout"),
    ({"timeout": -1}, "timeout"),
    ({"timeout": "10"}, "timeout"),
    ({"timeout": float("nan")}, "timeout"),
    ({"drain_timeout": -1}, "drain_timeout"),
    ({"drain_timeout": "5"}, "drain_timeout"),
    ({"drain_timeout": float("inf")}, "drain_timeout"),
    ({"ca_file": "/no/such/ca.pem"}, "ca_file"),
    ({"ca_file": 3}, "ca_file"),
    ({"user": "mailer"}, "user is set but password is not"),
    ({"user": "a b", "password": "pw"}, "user"),
    ({"password": "pw", "security": "none"}, "only sent over TLS"),
])
def test_bad_values_raise_conf_error(kwargs, words):
    args = {"host": "smtp.example.com", "port": 587, "sender": "app@example.com", **kwargs}
    with pytest.raises(ConfError, match=words):
        SmtpConf(**args)


def test_password_is_never_in_an_error():
    with pytest.raises(ConfError) as info:
        SmtpConf("h", 25, "app@example.com", "hunter2", security="none")
    assert "hunter2" not in str(info.value)


def test_ca_file_accepts_a_path(tmp_path):
    path = tmp_path / "ca.pem"
    path.write_text("x")
    assert SmtpConf("h", 465, "a@example.com", security="tls", ca_file=path).ca_file == str(path)


def test_from_env_full(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    conf = SmtpConf.from_env({
        "CLINK_SMTP_HOST": "smtp.example.com",
        "CLINK_SMTP_PORT": "2465",
        "CLINK_SMTP_SENDER": "app@example.com",
        "CLINK_SMTP_PASSWORD": "pw",
        "CLINK_SMTP_SECURITY": "TLS",
        "CLINK_SMTP_TIMEOUT": "2.5",
        "CLINK_SMTP_CA_FILE": str(ca),
        "CLINK_SMTP_USER": "mailer",
        "CLINK_SMTP_DRAIN_TIMEOUT": "0",
    })
    assert (conf.host, conf.port, conf.sender, conf.password, conf.security, conf.timeout,
            conf.ca_file, conf.user, conf.drain_timeout) == (
        "smtp.example.com", 2465, "app@example.com", "pw", "tls", 2.5, str(ca), "mailer", 0
    )


@pytest.mark.parametrize(("security", "port"), [(None, 587), ("starttls", 587), ("tls", 465),
                                                ("none", 25)])
def test_from_env_default_port_follows_security(security, port):
    env = {"CLINK_SMTP_HOST": "h", "CLINK_SMTP_SENDER": "a@example.com"}
    if security:
        env["CLINK_SMTP_SECURITY"] = security
    conf = SmtpConf.from_env(env)
    assert conf.port == port
    assert conf.security == (security or "starttls")
    assert conf.timeout == 10 and conf.drain_timeout == 10


def test_from_env_empty_values_count_as_unset():
    conf = SmtpConf.from_env({"CLINK_SMTP_HOST": "h", "CLINK_SMTP_SENDER": "a@example.com",
                              "CLINK_SMTP_PASSWORD": "", "CLINK_SMTP_PORT": ""})
    assert conf.password is None and conf.port == 587


def test_from_env_reads_os_environ(monkeypatch):
    monkeypatch.setenv("CLINK_SMTP_HOST", "envhost")
    monkeypatch.setenv("CLINK_SMTP_SENDER", "env@example.com")
    monkeypatch.delenv("CLINK_SMTP_PORT", raising=False)
    monkeypatch.delenv("CLINK_SMTP_SECURITY", raising=False)
    monkeypatch.delenv("CLINK_SMTP_PASSWORD", raising=False)
    monkeypatch.delenv("CLINK_SMTP_USER", raising=False)
    monkeypatch.delenv("CLINK_SMTP_CA_FILE", raising=False)
    monkeypatch.delenv("CLINK_SMTP_TIMEOUT", raising=False)
    monkeypatch.delenv("CLINK_SMTP_DRAIN_TIMEOUT", raising=False)
    assert SmtpConf.from_env().host == "envhost"


@pytest.mark.parametrize(("env", "name"), [
    ({"CLINK_SMTP_HOST": None}, "CLINK_SMTP_HOST"),
    ({"CLINK_SMTP_SENDER": None}, "CLINK_SMTP_SENDER"),
    ({"CLINK_SMTP_PORT": "smtp"}, "CLINK_SMTP_PORT"),
    ({"CLINK_SMTP_PORT": "0"}, "CLINK_SMTP_PORT"),
    ({"CLINK_SMTP_PORT": "99999"}, "CLINK_SMTP_PORT"),
    ({"CLINK_SMTP_SECURITY": "ssl"}, "CLINK_SMTP_SECURITY"),
    ({"CLINK_SMTP_TIMEOUT": "soon"}, "CLINK_SMTP_TIMEOUT"),
    ({"CLINK_SMTP_TIMEOUT": "-1"}, "CLINK_SMTP_TIMEOUT"),
    ({"CLINK_SMTP_TIMEOUT": "inf"}, "CLINK_SMTP_TIMEOUT"),
    ({"CLINK_SMTP_DRAIN_TIMEOUT": "later"}, "CLINK_SMTP_DRAIN_TIMEOUT"),
    ({"CLINK_SMTP_DRAIN_TIMEOUT": "-2"}, "CLINK_SMTP_DRAIN_TIMEOUT"),
    ({"CLINK_SMTP_CA_FILE": "/no/such.pem"}, "CLINK_SMTP_"),
    ({"CLINK_SMTP_SENDER": "nobody"}, "CLINK_SMTP_"),
    ({"CLINK_SMTP_SECURITY": "none", "CLINK_SMTP_PASSWORD": "pw"}, "CLINK_SMTP_"),
])
def test_from_env_bad_values_name_the_variable(env, name):
    full = {"CLINK_SMTP_HOST": "h", "CLINK_SMTP_SENDER": "a@example.com", **env}
    full = {k: v for k, v in full.items() if v is not None}  # None: not set
    with pytest.raises(ConfError, match=name) as info:
        SmtpConf.from_env(full)
    assert "pw" not in str(info.value).replace("password", "")
