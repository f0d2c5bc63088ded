"""AuthConf (manual constructor, checks, from_env) and what the plugin adds to an app."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest
from auth_helpers import JWT_KEY, PLUGINS, ROOT_EMAIL, ROOT_PWD, make_conf

import clink_mongo
from clink_auth import AccCtl, AuthConf, AuthCtl, Clock, FakeClock, OAuthErrorHandler
from clink_core import App, AppConf
from clink_core.testing import Client
from clink_core.type import ConfError
from clink_smtp import SmtpConf

pytestmark = pytest.mark.timeout(60)


def manual_conf(**kwargs):
    return AuthConf(ROOT_PWD, ROOT_EMAIL, "mail-pwd", "smtp.example.com", 587, JWT_KEY, **kwargs)


# -- the constructor -------------------------------------------------------------
def test_manual_constructor_and_defaults():
    conf = AuthConf(ROOT_PWD, "Root@Example.com", "mail-pwd", "smtp.example.com", 587, JWT_KEY)
    assert conf.root_pwd == ROOT_PWD
    assert conf.root_email == "root@example.com"  # addresses are kept in lower case
    assert conf.root_email_pwd == "mail-pwd"
    assert (conf.root_email_server, conf.root_email_server_port) == ("smtp.example.com", 587)
    assert conf.jwt_key == JWT_KEY.encode()
    assert (conf.token_time, conf.rtoken_time, conf.code_time) == (14400, 2592000, 3600)
    assert conf.jwt_alg == "HS512"
    assert (conf.login_max_fails, conf.login_fail_window) == (5, 900)
    positional = AuthConf(ROOT_PWD, ROOT_EMAIL, None, "h", 25, JWT_KEY, 60, 120,
                          smtp_security="none")
    assert (positional.token_time, positional.rtoken_time) == (60, 120)


def test_it_supplies_the_smtp_conf():
    smtp = manual_conf(smtp_timeout=3).smtp_conf
    assert isinstance(smtp, SmtpConf)
    assert (smtp.host, smtp.port, smtp.sender) == ("smtp.example.com", 587, ROOT_EMAIL)
    assert smtp.password == "mail-pwd" and smtp.security == "starttls" and smtp.timeout == 3
    no_login = AuthConf(ROOT_PWD, ROOT_EMAIL, "", "127.0.0.1", 2525, JWT_KEY,
                        smtp_security="none").smtp_conf
    assert no_login.password is None and no_login.security == "none"


@pytest.mark.parametrize("key", ["short", "x" * 63, b"x" * 63, ""])
def test_a_short_jwt_key_is_refused_with_a_hint(key):
    with pytest.raises(ConfError, match=r"at least 64 bytes.*secrets.token_urlsafe\(64\)"):
        AuthConf(ROOT_PWD, ROOT_EMAIL, None, "h", 25, key, smtp_security="none")


def test_jwt_key_of_64_bytes_str_or_bytes_is_taken():
    assert AuthConf(ROOT_PWD, ROOT_EMAIL, None, "h", 25, b"\x00" * 64,
                    smtp_security="none").jwt_key == b"\x00" * 64
    # 32 two-byte characters are 64 bytes of UTF-8
    assert len(AuthConf(ROOT_PWD, ROOT_EMAIL, None, "h", 25, "é" * 32,
                        smtp_security="none").jwt_key) == 64


@pytest.mark.parametrize("kwargs, field", [
    ({"jwt_alg": "none"}, "jwt_alg"),
    ({"jwt_alg": "RS256"}, "jwt_alg"),
    ({"jwt_alg": "hs512"}, "jwt_alg"),
    ({"token_time": 0}, "token_time"),
    ({"rtoken_time": -1}, "rtoken_time"),
    ({"code_time": 1.5}, "code_time"),
    ({"login_max_fails": 0}, "login_max_fails"),
    ({"login_fail_window": True}, "login_fail_window"),
    ({"jwt_issuer": ""}, "jwt_issuer"),
    ({"argon2_memory_cost": 7}, "argon2_memory_cost"),
    ({"mail_dir": "/no/such/dir"}, "mail_dir"),
    ({"smtp_security": "ssl"}, "mail settings"),
])
def test_bad_values_are_refused_naming_them(kwargs, field):
    with pytest.raises(ConfError, match=field):
        manual_conf(**kwargs)


def test_bad_root_values_never_echo_the_password():
    with pytest.raises(ConfError, match="root_pwd") as info:
        AuthConf("12345", ROOT_EMAIL, None, "h", 25, JWT_KEY, smtp_security="none")
    assert "12345" not in str(info.value)
    with pytest.raises(ConfError, match="root_email"):
        AuthConf(ROOT_PWD, "not-an-address", None, "h", 25, JWT_KEY, smtp_security="none")
    with pytest.raises(ConfError, match="mail settings"):  # a password needs TLS
        AuthConf(ROOT_PWD, ROOT_EMAIL, "mail-pwd", "h", 25, JWT_KEY, smtp_security="none")
    with pytest.raises(ConfError, match="mail settings"):
        AuthConf(ROOT_PWD, ROOT_EMAIL, None, "h", 0, JWT_KEY, smtp_security="none")


def test_repr_hides_secrets():
    text = repr(manual_conf())
    for secret in (ROOT_PWD, "mail-pwd", JWT_KEY):
        assert secret not in text
    assert "root@example.com" in text


# -- from_env -------------------------------------------------------------------------------
ENV = {
    "CLINK_AUTH_ROOT_PWD": ROOT_PWD,
    "CLINK_AUTH_ROOT_EMAIL": ROOT_EMAIL,
    "CLINK_AUTH_ROOT_EMAIL_SERVER": "smtp.example.com",
    "CLINK_AUTH_JWT_KEY": JWT_KEY,
}


def test_from_env_minimal_and_full():
    conf = AuthConf.from_env(ENV)
    assert conf.root_email_server_port == 587 and conf.root_email_pwd is None
    assert conf.smtp_conf.security == "starttls"
    full = dict(ENV, CLINK_AUTH_ROOT_EMAIL_PWD="mail-pwd", CLINK_AUTH_SMTP_SECURITY="tls",
                CLINK_AUTH_TOKEN_TIME="600", CLINK_AUTH_RTOKEN_TIME="6000",
                CLINK_AUTH_CODE_TIME="120", CLINK_AUTH_JWT_ALG="HS384",
                CLINK_AUTH_JWT_ISSUER="books", CLINK_AUTH_JWT_AUDIENCE="books-api",
                CLINK_AUTH_LOGIN_MAX_FAILS="3", CLINK_AUTH_LOGIN_FAIL_WINDOW="60",
                CLINK_AUTH_SMTP_TIMEOUT="2.5", CLINK_AUTH_ARGON2_TIME_COST="2",
                CLINK_AUTH_ARGON2_MEMORY_COST="2048", CLINK_AUTH_ARGON2_PARALLELISM="2")
    conf = AuthConf.from_env(full)
    assert conf.root_email_server_port == 465 and conf.smtp_conf.password == "mail-pwd"
    assert (conf.token_time, conf.rtoken_time, conf.code_time) == (600, 6000, 120)
    assert (conf.jwt_alg, conf.jwt_issuer, conf.jwt_audience) == ("HS384", "books", "books-api")
    assert (conf.login_max_fails, conf.login_fail_window) == (3, 60)
    assert conf.smtp_conf.timeout == 2.5
    assert (conf.argon2_time_cost, conf.argon2_memory_cost, conf.argon2_parallelism) == (2, 2048, 2)
    conf = AuthConf.from_env(dict(ENV, CLINK_AUTH_SMTP_SECURITY="none",
                                  CLINK_AUTH_ROOT_EMAIL_SERVER_PORT="2525"))
    assert conf.root_email_server_port == 2525


@pytest.mark.parametrize("missing", sorted(ENV))
def test_from_env_names_a_missing_variable(missing):
    env = {k: v for k, v in ENV.items() if k != missing}
    with pytest.raises(ConfError, match=missing):
        AuthConf.from_env(env)


def test_from_env_names_a_bad_number():
    with pytest.raises(ConfError, match="CLINK_AUTH_TOKEN_TIME"):
        AuthConf.from_env(dict(ENV, CLINK_AUTH_TOKEN_TIME="4h"))


# -- the plugin -------------------------------------------------------------
def test_entry_point_is_declared():
    plugins = {ep.name: ep.value for ep in entry_points(group="clink.plugins")}
    assert plugins["clink_auth"] == "clink_auth.plugin"


def test_an_app_without_auth_conf_is_not_affected():
    app = App(AppConf("no-auth"), plugins=PLUGINS, entrypoints=False)
    client = Client(app)  # loads: no MongoConf, no SmtpConf needed
    assert client.post("/auth/token", json={}).status == 404
    assert client.get("/acc/me").status == 404
    assert not app.injector.has_prim(AuthConf)


def test_the_plugin_adds_controllers_handlers_and_defaults(auth_app):
    app = auth_app()
    app.load()
    paths = {(r.method, r.path) for r in app.router.routes}
    assert paths >= {("POST", "/acc/reg/code"), ("POST", "/acc/reg"), ("GET", "/acc/me"),
                     ("PUT", "/acc/me/pwd"), ("POST", "/acc/pwd/code"), ("POST", "/acc/pwd"),
                     ("POST", "/auth/token")}
    types = {r.req_type for r in app.router.routes if r.path == "/auth/token"}
    assert types == {"application/json", "application/x-www-form-urlencoded"}
    smtp = app.injector.ref(SmtpConf)
    assert smtp is app.injector.ref(AuthConf).smtp_conf
    assert isinstance(app.injector.ref(Clock), FakeClock)  # the test's clock was kept
    assert app.injector.sub_ref(OAuthErrorHandler)


def test_an_smtp_conf_of_the_app_wins(auth_app, outbox):
    app = auth_app()
    own = SmtpConf(outbox.host, outbox.port, "noreply@example.com", security="none")
    app.add_prim(own)
    app.load()
    assert app.injector.ref(SmtpConf) is own


def test_controllers_added_by_the_app_are_not_added_twice(auth_app):
    app = auth_app(AccCtl, AuthCtl)
    app.load()
    assert len([r for r in app.router.routes if r.path == "/acc/me"]) == 1


def test_from_the_environment(monkeypatch, make_app, mongo_conf, outbox):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CLINK_AUTH_ROOT_EMAIL_SERVER", outbox.host)
    monkeypatch.setenv("CLINK_AUTH_ROOT_EMAIL_SERVER_PORT", str(outbox.port))
    monkeypatch.setenv("CLINK_AUTH_SMTP_SECURITY", "none")
    monkeypatch.setenv("CLINK_AUTH_ARGON2_MEMORY_COST", "1024")
    monkeypatch.setenv("CLINK_AUTH_ARGON2_PARALLELISM", "1")
    app = make_app(plugins=PLUGINS)
    app.add_prim(mongo_conf)
    client = Client(app)
    res = client.post("/auth/token", json={"grant_type": "password", "username": "root",
                                            "password": ROOT_PWD})
    assert res.status == 200, res.data
    assert type(app.injector.ref(Clock)) is Clock
    for sv in app.injector.sub_ref(clink_mongo.MongoSv):
        sv.close()


def test_a_short_key_from_the_environment_fails_load_clearly(monkeypatch, make_app):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CLINK_AUTH_JWT_KEY", "jwt-key")
    app = make_app(plugins=PLUGINS)
    with pytest.raises(ConfError, match="jwt_key is 7 bytes; it must be at least 64 bytes"):
        app.load()


def test_conf_used_by_the_test_helpers(outbox):
    conf = make_conf(outbox.host, outbox.port)
    assert conf.smtp_conf.port == outbox.port
