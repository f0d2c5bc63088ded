"""The endpoints over HTTP: bad input everywhere, conflicts, races, throttling, guards, mail."""

from __future__ import annotations

import pytest
from auth_helpers import (
    CODE_RE,
    NEW_PWD,
    PWD,
    ROOT_PWD,
    bearer,
    code_in,
    mails_to,
    race,
    register,
    token_pwd,
    wait_mail,
)

from clink_auth import AccCtl, AccSv, OAuthSv, require_auth, require_group
from clink_core import Controller, Request, mapper
from clink_core.testing import Client

pytestmark = pytest.mark.timeout(90)

FORM = "application/x-www-form-urlencoded"
REG = {"name": "alice", "email": "alice@example.org", "pwd": PWD}


def login(client, name="alice", pwd=PWD) -> dict:
    res = token_pwd(client, name, pwd)
    assert res.status == 200, res.data
    return res.json


def assert_400(res, rule=None, pointer=None):
    assert res.status == 400, res.data
    message = res.json["message"]
    if rule is not None:
        assert message["rule"] == rule, message
    if pointer is not None:
        assert message["pointer"] == pointer, message
    return message


# -- POST /acc/reg/code ------------------------------------------------------
@pytest.mark.parametrize("body, rule, pointer", [
    ({"email": "a@example.org", "pwd": PWD}, "required", ""),
    ({"name": "alice", "pwd": PWD}, "required", ""),
    ({"name": "alice", "email": "a@example.org"}, "required", ""),
    ({**REG, "name": "Alice"}, "pattern", "/name"),
    ({**REG, "name": "a"}, "pattern", "/name"),
    ({**REG, "name": 5}, "type", "/name"),
    ({**REG, "email": "alice"}, "pattern", "/email"),
    ({**REG, "pwd": "12345"}, "pattern", "/pwd"),
    ({**REG, "pwd": "x" * 33}, "pattern", "/pwd"),
    ({**REG, "phone": "0123456789"}, "pattern", "/phone"),
    ({**REG, "phone": 84}, "type", "/phone"),
    ([REG], "type", ""),
    ("alice", "type", ""),
])
def test_reg_code_schema_violations(client, outbox, body, rule, pointer):
    res = client.post("/acc/reg/code", json=body)
    assert_400(res, rule, pointer)
    assert "12345" not in res.text and "x" * 33 not in res.text  # values never echoed
    assert outbox.messages == []


def test_reg_code_wrong_content_type_empty_and_malformed_bodies(client):
    assert client.post("/acc/reg/code", data="name=alice", content_type=FORM).status == 415
    assert client.post("/acc/reg/code", data="{}", content_type="text/plain").status == 415
    assert client.post("/acc/reg/code").status == 415  # no body, no content type
    assert_400(client.post("/acc/reg/code", data="", content_type="application/json"), "type")
    res = client.post("/acc/reg/code", data='{"name": ', content_type="application/json")
    assert res.status == 400 and "malformed JSON" in res.json["message"]
    assert client.get("/acc/reg/code").status == 405


def test_reg_code_null_phone_is_no_phone(client, outbox, acc_sv):
    res = client.post("/acc/reg/code", json={**REG, "phone": None})
    assert res.status == 204
    client.post("/acc/reg", json={"code": code_in(wait_mail(outbox, REG["email"], "code"))})
    assert "phone" not in acc_sv.find_name("alice")


@pytest.mark.parametrize("body, field", [
    ({**REG, "email": "x@example.org"}, "name"),
    ({**REG, "name": "bob", "email": "x@example.org", "phone": "+84 123 456 7890"}, "phone"),
    # the address is taken too: the answer about the name and phone does not change
    (REG, "name"),
    ({**REG, "name": "bob", "phone": "+84 123 456 7890"}, "phone"),
])
def test_taken_name_or_phone_is_409(client, outbox, acc_sv, body, field):
    acc_sv.mk_acc("alice", PWD, "alice@example.org", "+84 123 456 7890")
    res = client.post("/acc/reg/code", json=body)
    assert res.status == 409 and res.json["message"] == f"already exists: {field}"
    assert outbox.messages == []


def test_a_taken_address_is_answered_like_a_free_one(client, outbox, acc_sv):
    acc_sv.mk_acc("alice", PWD, "alice@example.org")
    taken = client.post("/acc/reg/code", json={**REG, "name": "bob", "email": "ALICE@example.org"})
    free = client.post("/acc/reg/code", json={**REG, "name": "carol", "email": "c@example.org"})
    assert taken.status == free.status == 204 and taken.data == free.data == b""
    assert set(taken.headers) == set(free.headers)
    notice = wait_mail(outbox, "ALICE@example.org", "Registration on test-api")
    assert "already in use" in notice.body and "POST /acc/pwd/code" in notice.body
    assert not CODE_RE.search(notice.body) and "alice" not in notice.body  # no code, no name
    assert [m.subject for m in mails_to(outbox, "ALICE@example.org")] == [notice.subject]
    wait_mail(outbox, "c@example.org", "registration code")
    # both names are held alike: asking for them again cannot tell the two apart
    for name in ("bob", "carol"):
        res = client.post("/acc/reg/code", json={**REG, "name": name, "email": "d@example.org"})
        assert res.status == 409 and res.json["message"] == "already exists: name"


def test_an_address_with_a_pending_registration_gets_a_notice(client, outbox):
    assert client.post("/acc/reg/code", json=REG).status == 204
    code = code_in(wait_mail(outbox, REG["email"], "registration code"))
    assert client.post("/acc/reg/code", json={**REG, "name": "bob"}).status == 204
    wait_mail(outbox, REG["email"], "Registration on test-api")
    assert client.post("/acc/reg", json={"code": code}).status == 204  # the first one stands
    assert client.post("/acc/reg/code", json={**REG, "name": "bob"}).status == 409  # held
    assert client.post("/acc/reg/code", json={**REG, "name": "carol"}).status == 204
    wait_mail(outbox, REG["email"], "Registration on test-api", 2)  # an account has it now


def test_a_notice_that_cannot_be_sent_is_503_like_a_code(client, outbox, acc_sv):
    acc_sv.mk_acc("alice", PWD, "alice@example.org")
    outbox.stop()
    taken = client.post("/acc/reg/code", json={**REG, "name": "bob"})
    free = client.post("/acc/reg/code", json={**REG, "name": "bob", "email": "b@example.org"})
    assert taken.status == free.status == 503
    assert taken.header("Retry-After") == free.header("Retry-After") == "60"
    outbox.start()  # neither held the name
    assert client.post("/acc/reg/code", json={**REG, "name": "bob"}).status == 204
    assert client.post("/acc/reg/code", json={**REG, "name": "bob"}).status == 409


def test_a_pending_registration_is_409_until_it_expires(client, outbox, clock):
    assert client.post("/acc/reg/code", json=REG).status == 204
    assert client.post("/acc/reg/code", json={**REG, "email": "x@example.org"}).status == 409
    clock.advance(3601)
    assert client.post("/acc/reg/code", json={**REG, "email": "x@example.org"}).status == 204


def test_twenty_concurrent_registrations_of_one_name(client, outbox, app):
    def post(i: int) -> int:
        body = {"name": "crowd", "email": f"crowd{i}@example.org", "pwd": PWD}
        return Client(app).post("/acc/reg/code", json=body).status

    statuses = race(20, post)
    assert sorted(statuses) == [204] + [409] * 19, statuses  # names are public
    (mail,) = [m for m in outbox.messages if "registration code" in m.subject]
    assert client.post("/acc/reg", json={"code": code_in(mail)}).status == 204
    acc = app.injector.ref(AccSv)
    assert acc.authdb_sv.acc_doc().count_documents({"name": "crowd"}) == 1


# -- POST /acc/reg ------------------------------------------------------------
@pytest.mark.parametrize("body, rule", [
    ({}, "required"), ({"code": "ABCD-EFGH-IJKL"}, "pattern"), ({"code": 1}, "type"),
    ({"code": "ABCD-EFGH-IJKL-MN0P"}, "pattern"), (None, "type"),
])
def test_reg_bad_bodies(client, body, rule):
    assert_400(client.post("/acc/reg", json=body) if body is not None
               else client.post("/acc/reg", data="null", content_type="application/json"), rule)


def test_reg_unknown_used_and_expired_codes(client, outbox, clock):
    assert client.post("/acc/reg", json={"code": "ABCD-EFGH-IJKL-MNOP"}).status == 404
    assert client.post("/acc/reg", data="code=x", content_type=FORM).status == 415
    client.post("/acc/reg/code", json=REG)
    code = code_in(wait_mail(outbox, REG["email"], "registration code"))
    clock.advance(3600)
    res = client.post("/acc/reg", json={"code": code})
    assert res.status == 410 and res.json["message"] == "expired: code"
    client.post("/acc/reg/code", json=REG)
    code = code_in(wait_mail(outbox, REG["email"], "registration code", 2))
    assert client.post("/acc/reg", json={"code": code.lower()}).status == 204
    assert client.post("/acc/reg", json={"code": code}).status == 404


def test_two_concurrent_confirmations_of_one_code(client, outbox, app):
    client.post("/acc/reg/code", json=REG)
    code = code_in(wait_mail(outbox, REG["email"], "registration code"))
    statuses = race(2, lambda i: Client(app).post("/acc/reg", json={"code": code}).status)
    assert sorted(statuses) == [204, 404]
    wait_mail(outbox, REG["email"], "account is active")
    assert len([m for m in mails_to(outbox, REG["email"]) if "active" in m.subject]) == 1


# -- GET /acc/me ------------------------------------------------------------------
def test_me_answers_exactly_the_manual_fields(client, outbox, acc_sv):
    register(client, outbox, "alice", "alice@example.org")
    res = client.get("/acc/me", headers=bearer(login(client)["access_token"]))
    assert res.status == 200 and res.header("Cache-Control") == "no-store"
    assert sorted(res.json) == sorted(
        ["_id", "name", "email", "phone", "created_date", "modified_date", "last_action"])
    assert res.json["phone"] is None
    assert "hash" not in res.text and "argon2" not in res.text
    assert res.json["_id"] == str(acc_sv.find_name("alice")["_id"])


@pytest.mark.parametrize("header, error", [
    (None, None),
    ("", None),
    ("Basic YWxpY2U6c2VjcmV0", None),
    ("Bearer", None),
    ("Bearer   ", None),
    ("Bearer abc", "invalid_token"),
    ("Bearer a.b.c", "invalid_token"),
    ("bearer a.b.c", "invalid_token"),
])
def test_me_without_a_good_token(client, header, error):
    res = client.get("/acc/me", headers={"Authorization": header} if header is not None else None)
    assert res.status == 401
    challenge = res.header("WWW-Authenticate")
    if error is None:
        assert challenge == "Bearer"
    else:
        assert challenge.startswith(f'Bearer error="{error}"')
    assert res.json["status"] == 401


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "BeArEr"])
def test_the_scheme_is_case_insensitive(client, acc_sv, scheme):
    acc_sv.mk_acc("alice", PWD, "alice@example.org")
    token = login(client)["access_token"]
    res = client.get("/acc/me", headers={"Authorization": f"{scheme} {token}"})
    assert res.status == 200 and res.json["name"] == "alice"
    assert client.head("/acc/me", headers={"Authorization": f"{scheme} {token}"}).status == 200


def test_me_of_a_removed_account(client, acc_sv):
    acc_id = acc_sv.mk_acc("alice", PWD, "alice@example.org")
    token = login(client)["access_token"]
    acc_sv.rm_acc(acc_id)
    res = client.get("/acc/me", headers=bearer(token))
    assert res.status == 401 and "invalid_token" in res.header("WWW-Authenticate")


# -- PUT /acc/me/pwd ------------------------------------------------------------------
def test_change_password_bad_input(client, acc_sv, outbox):
    acc_sv.mk_acc("alice", PWD, "alice@example.org")
    auth = bearer(login(client)["access_token"])
    body = {"old_pwd": PWD, "new_pwd": NEW_PWD}
    assert client.put("/acc/me/pwd", json=body).status == 401
    assert client.put("/acc/me/pwd", json=body, headers=bearer("x.y.z")).status == 401
    assert_400(client.put("/acc/me/pwd", json={"old_pwd": PWD}, headers=auth), "required")
    assert_400(client.put("/acc/me/pwd", json={**body, "new_pwd": "short"}, headers=auth),
               "pattern", "/new_pwd")
    assert_400(client.put("/acc/me/pwd", json={**body, "old_pwd": 123456}, headers=auth), "type")
    res = client.put("/acc/me/pwd", data="old_pwd=x", content_type=FORM, headers=auth)
    assert res.status == 415
    res = client.put("/acc/me/pwd", json={**body, "old_pwd": "wrong-pwd"}, headers=auth)
    assert res.status == 403 and "old_pwd" in res.json["message"]
    assert client.post("/acc/me/pwd", json=body, headers=auth).status == 405
    assert acc_sv.find_pwd("alice", PWD) is not None
    assert outbox.messages == []


def test_guessing_the_old_password_is_throttled(client, acc_sv):
    acc_sv.mk_acc("alice", PWD, "alice@example.org")
    auth = bearer(login(client)["access_token"])
    for _ in range(5):
        res = client.put("/acc/me/pwd", json={"old_pwd": "wrong-pwd", "new_pwd": NEW_PWD},
                         headers=auth)
        assert res.status == 403
    res = client.put("/acc/me/pwd", json={"old_pwd": PWD, "new_pwd": NEW_PWD}, headers=auth)
    assert res.status == 429 and res.header("Retry-After") == "900"


# -- POST /acc/pwd/code, POST /acc/pwd ------------------------------------------------------
def test_reset_code_answers_204_for_unknown_addresses_and_sends_nothing(client, outbox, app):
    res = client.post("/acc/pwd/code", json={"email": "nobody@example.org"})
    assert res.status == 204 and res.data == b""
    assert app.injector.ref(AccCtl).mail.drain(10)
    assert outbox.messages == []
    assert_400(client.post("/acc/pwd/code", json={"email": "nobody"}), "pattern", "/email")
    assert_400(client.post("/acc/pwd/code", json={}), "required")
    assert client.post("/acc/pwd/code", data="email=a@b.cd", content_type=FORM).status == 415


def test_reset_bad_input_does_not_use_the_code(client, outbox, acc_sv, clock):
    acc_sv.mk_acc("alice", PWD, "alice@example.org")
    client.post("/acc/pwd/code", json={"email": "ALICE@example.org"})
    code = code_in(wait_mail(outbox, "alice@example.org", "reset code"))
    assert_400(client.post("/acc/pwd", json={"code": code}), "required")
    assert_400(client.post("/acc/pwd", json={"code": code, "new_pwd": "short"}), "pattern")
    assert_400(client.post("/acc/pwd", json={"code": "nope", "new_pwd": NEW_PWD}), "pattern")
    res = client.post("/acc/pwd", json={"code": "ABCD-EFGH-IJKL-MNOP", "new_pwd": NEW_PWD})
    assert res.status == 404
    assert client.post("/acc/pwd", data="code=x", content_type=FORM).status == 415
    clock.advance(3600)
    res = client.post("/acc/pwd", json={"code": code, "new_pwd": NEW_PWD})
    assert res.status == 410
    assert acc_sv.find_pwd("alice", PWD) is not None


# -- POST /auth/token ------------------------------------------------------------------------
def oauth_error(res, status, error):
    assert res.status == status, res.data
    assert res.header("Cache-Control") == "no-store" and res.header("Pragma") == "no-cache"
    assert res.content_type == "application/json"
    assert set(res.json) == {"error", "error_description"}, res.json
    assert res.json["error"] == error, res.json
    return res.json["error_description"]


def test_token_by_form_body(client, acc_sv):
    acc_sv.mk_acc("alice", PWD, "alice@example.org")
    res = client.post("/auth/token", data=f"grant_type=password&username=alice&password={PWD}",
                      content_type=FORM)
    assert res.status == 200 and res.header("Cache-Control") == "no-store"
    tokens = res.json
    res = client.post(
        "/auth/token", content_type=f"{FORM}; charset=utf-8",
        data=f"grant_type=refresh_token&refresh_token={tokens['refresh_token']}",
    )
    assert res.status == 200 and set(res.json) == {
        "token_type", "expires_in", "access_token", "refresh_token"}


def test_root_gets_a_token(client):
    assert login(client, "root", ROOT_PWD)["token_type"] == "Bearer"


@pytest.mark.parametrize("body, status, error", [
    ({}, 400, "invalid_request"),
    ({"username": "alice", "password": PWD}, 400, "invalid_request"),
    ({"grant_type": 5, "username": "alice", "password": PWD}, 400, "invalid_request"),
    ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
    ({"grant_type": "authorization_code", "code": "x"}, 400, "unsupported_grant_type"),
    ({"grant_type": "password", "username": "alice"}, 400, "invalid_request"),
    ({"grant_type": "password", "password": PWD}, 400, "invalid_request"),
    ({"grant_type": "password", "username": "Alice!", "password": PWD}, 400, "invalid_request"),
    ({"grant_type": "password", "username": "alice", "password": "12345"}, 400,
     "invalid_request"),
    ({"grant_type": "password", "username": "alice", "password": 123456}, 400,
     "invalid_request"),
    ({"grant_type": "refresh_token"}, 400, "invalid_request"),
    ({"grant_type": "refresh_token", "refresh_token": 5}, 400, "invalid_request"),
    ({"grant_type": "refresh_token", "refresh_token": "abc"}, 400, "invalid_grant"),
    ({"grant_type": "password", "username": "alice", "password": "wrong-pwd"}, 400,
     "invalid_grant"),
    ({"grant_type": "password", "username": "nobody", "password": PWD}, 400, "invalid_grant"),
])
def test_token_errors_are_rfc6749_bodies(client, acc_sv, body, status, error):
    acc_sv.mk_acc("alice", PWD, "alice@example.org")
    description = oauth_error(client.post("/auth/token", json=body), status, error)
    assert "12345" not in description and PWD not in description


@pytest.mark.parametrize("data, content_type, status, error", [
    ("{", "application/json", 400, "invalid_request"),
    ("[1, 2]", "application/json", 400, "invalid_request"),
    ("null", "application/json", 400, "invalid_request"),
    ("", "application/json", 400, "invalid_request"),
    ("grant_type=password", "text/plain", 415, "invalid_request"),
    ("grant_type=password&grant_type=password&username=alice&password=secret-1", FORM, 400,
     "invalid_request"),
    ("grant_type=password&username=alice", FORM, 400, "invalid_request"),
    ("grant_type=implicit", FORM, 400, "unsupported_grant_type"),
    (b"grant_type=\xff", FORM, 400, "invalid_request"),
])
def test_token_bad_bodies(client, data, content_type, status, error):
    oauth_error(client.post("/auth/token", data=data, content_type=content_type), status, error)


def test_token_wrong_method(client):
    res = client.get("/auth/token")
    assert oauth_error(res, 405, "invalid_request") and res.header("Allow")


def test_token_body_too_large(auth_app):
    app = auth_app()
    app.conf.max_body = 100
    app.load()
    res = Client(app).post("/auth/token", json={"grant_type": "password", "x": "y" * 200})
    oauth_error(res, 413, "invalid_request")


def test_login_throttling_over_http_and_its_reset(client, acc_sv, clock):
    acc_sv.mk_acc("alice", PWD, "alice@example.org")
    for _ in range(5):
        oauth_error(token_pwd(client, "alice", "wrong-pwd"), 400, "invalid_grant")
    clock.advance(100)
    res = token_pwd(client, "alice", PWD)
    description = oauth_error(res, 429, "slow_down")
    assert res.header("Retry-After") == "800" and "try again in 800 s" in description
    oauth_error(token_pwd(client, "alice", "wrong-pwd"), 429, "slow_down")
    assert token_pwd(client, "bob", "wrong-pwd").status == 400  # per name (and client)
    clock.advance(800)
    assert token_pwd(client, "alice", PWD).status == 200
    for _ in range(4):
        token_pwd(client, "alice", "wrong-pwd")
    assert token_pwd(client, "alice", PWD).status == 200  # a success resets the count
    for _ in range(4):
        assert token_pwd(client, "alice", "wrong-pwd").status == 400


def test_throttling_is_configurable_over_http(auth_app):
    app = auth_app(login_max_fails=2, login_fail_window=60)
    client = Client(app)
    app.injector.ref(AccSv).mk_acc("alice", PWD, "alice@example.org")
    token_pwd(client, "alice", "wrong-pwd")
    token_pwd(client, "alice", "wrong-pwd")
    res = token_pwd(client, "alice", PWD)
    assert res.status == 429 and res.header("Retry-After") == "60"


# -- route guards ----------------------------------------------------------------------
@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/mine")
    @require_auth
    def mine(self, req, res):
        res.body = {"id": str(req.context.account.id), "name": req.context.account.name}

    @require_group("admin")
    @mapper.post("/item")
    def add(self, req, res):
        res.status = 201
        res.body = {"by": req.context.account.name}

    @mapper.get("/public")
    def public(self, req, res):
        res.body = {"ok": True}


def test_route_guards(auth_app):
    app = auth_app(BookCtl)
    client = Client(app)
    acc = app.injector.ref(AccSv)
    alice = acc.mk_acc("alice", PWD, "alice@example.org")
    acc.mk_acc("bob", PWD, "bob@example.org")
    acc.mk_group("admin")
    acc.add_to_group(alice, "admin")
    assert client.get("/book/public").json == {"ok": True}
    res = client.get("/book/mine")
    assert res.status == 401 and res.header("WWW-Authenticate") == "Bearer"
    res = client.post("/book/item", json={})
    assert res.status == 401 and res.header("WWW-Authenticate") == "Bearer"
    alice_auth = bearer(login(client)["access_token"])
    bob_auth = bearer(login(client, "bob")["access_token"])
    assert client.get("/book/mine", headers=alice_auth).json == {"id": str(alice),
                                                                 "name": "alice"}
    assert client.get("/book/mine", headers=bob_auth).json["name"] == "bob"
    res = client.post("/book/item", json={}, headers=bob_auth)
    assert res.status == 403 and "admin" in res.json["message"]
    res = client.post("/book/item", json={}, headers=alice_auth)
    assert res.status == 201 and res.json == {"by": "alice"}
    acc.del_fm_group(alice, "admin")  # takes effect at once
    assert client.post("/book/item", json={}, headers=alice_auth).status == 403
    res = client.get("/book/mine", headers=bearer("x.y.z"))
    assert res.status == 401 and "invalid_token" in res.header("WWW-Authenticate")


class NoDatabase:
    """Stands in for a collection: any use fails the test."""

    def __getattr__(self, name):
        raise AssertionError(f"the database was used ({name})")


def test_the_access_token_path_does_not_touch_the_database(auth_app, monkeypatch):
    app = auth_app(BookCtl)
    client = Client(app)
    token = login(client, "root", ROOT_PWD)["access_token"]
    acc, oauth = app.injector.ref(AccSv), app.injector.ref(OAuthSv)
    for sv in (acc, oauth):
        for name, value in list(vars(sv).items()):
            if type(value).__name__ == "Collection":
                monkeypatch.setattr(sv, name, NoDatabase())
    res = client.get("/book/mine", headers=bearer(token))
    assert res.status == 200 and res.json["name"] == "root"
    assert client.post("/book/item", json={}, headers=bearer(token)).status == 500  # group: DB


def test_a_guard_without_the_auth_plugin_fails_closed(make_app, caplog):
    app = make_app(BookCtl)
    client = Client(app)
    res = client.get("/book/mine", headers=bearer("x.y.z"))
    assert res.status == 500 and "BookCtl" not in res.text
    assert client.post("/book/item", json={}).status == 500
    assert client.get("/book/public").status == 200
    assert "does not load the clink_auth plugin" in caplog.text
    assert "plugins=['auth']" in caplog.text


def test_the_guards_record_and_the_plugin_wraps(auth_app):
    from clink_auth import GUARD_KEY, AuthSetupError
    from clink_core.plugin import read_stamp

    guard = read_stamp(BookCtl.add, GUARD_KEY)
    assert guard.groups == ("admin",) and guard.wrapper is BookCtl.add
    with pytest.raises(AuthSetupError, match="does not load the clink_auth plugin"):
        BookCtl().mine(object(), object())  # the method as decorated: closed
    app = auth_app(BookCtl)
    app.load()
    handles = {str(r): r.handle for r in app.router.routes}
    mine = handles["GET /book/mine"]
    assert mine.__self__ is app.injector.ref(BookCtl) and mine.__func__ is not BookCtl.mine
    assert mine.__qualname__ == "BookCtl.mine"
    assert handles["GET /book/public"].__func__ is BookCtl.public  # open routes untouched
    ours = [name for name, _ in app.pm.list_name_plugin() if name.startswith("handler:clink_auth")]
    assert ours == ["handler:clink_auth.handler.OAuthErrorHandler"]  # no per-request handler


def test_stacked_guards_need_every_group(auth_app):
    @mapper.path("/both")
    class BothCtl(Controller):
        @mapper.get("/x")
        @require_auth
        @require_group("staff")
        @mapper.response(200, None, "kept")
        @require_group("admin")
        def x(self, req, res):
            res.body = {"name": req.context.account.name}

    app = auth_app(BothCtl)
    client = Client(app)
    acc = app.injector.ref(AccSv)
    alice = acc.mk_acc("alice", PWD, "alice@example.org")
    for group in ("admin", "staff"):
        acc.mk_group(group)
    auth = bearer(login(client)["access_token"])
    acc.add_to_group(alice, "admin")
    assert client.get("/both/x", headers=auth).status == 403
    acc.add_to_group(alice, "staff")
    assert client.get("/both/x", headers=auth).json == {"name": "alice"}
    assert "200" in app.openapi()["paths"]["/both/x"]["get"]["responses"]


def test_a_guard_wrapped_by_another_decorator_fails_load(auth_app):
    import functools

    from clink_auth import AuthSetupError

    def logged(method):
        @functools.wraps(method)
        def wrapper(self, req, res):
            return method(self, req, res)

        return wrapper

    @mapper.path("/wrapped")
    class WrappedCtl(Controller):
        @mapper.post("/x")
        @logged
        @require_auth
        def x(self, req, res):
            res.status = 204

    app = auth_app(WrappedCtl)
    with pytest.raises(AuthSetupError, match=r"POST /wrapped/x.*above every decorator"):
        app.load()


@pytest.mark.parametrize("body_first", [True, False])
def test_the_token_is_checked_before_the_declared_query_and_body(auth_app, body_first):
    """@mapper.body/@mapper.query only declare; in either order the token comes first."""
    schema = {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}

    def declare(method):
        method = mapper.query("page", {"type": "integer", "minimum": 1}, required=True)(method)
        return mapper.body(schema)(method)

    def stack(method):
        return require_auth(declare(method)) if not body_first else declare(require_auth(method))

    @mapper.path("/ordered")
    class OrderedCtl(Controller):
        @mapper.post("/x")
        @stack
        def x(self, req, res):
            res.body = {"n": req.body["n"], "page": req.args["page"],
                        "name": req.context.account.name}

    app = auth_app(OrderedCtl)
    client = Client(app)
    app.injector.ref(AccSv).mk_acc("alice", PWD, "alice@example.org")
    auth = bearer(login(client)["access_token"])
    assert client.post("/ordered/x?page=0", json={"n": "x"}).status == 401
    assert client.post("/ordered/x?page=0", json={"n": "x"}, headers=bearer("a.b.c")).status == 401
    assert client.post("/ordered/x?page=0", json={"n": "x"}, headers=auth).status == 400
    assert client.post("/ordered/x?page=2", json={"n": "x"}, headers=auth).status == 400
    ok = client.post("/ordered/x?page=2", json={"n": 3}, headers=auth)
    assert ok.status == 200
    assert ok.json == {"n": 3, "page": 2, "name": "alice"}


def test_a_guarded_method_called_without_its_guard_stays_closed(auth_app):
    """The wrapper the contract calls opens only for a request the guard authenticated."""
    from clink_auth import AuthSetupError

    @mapper.path("/closed")
    class ClosedCtl(Controller):
        @mapper.post("/x")
        @require_auth
        @mapper.body({"type": "object"})
        def x(self, req, res):
            res.status = 204

    app = auth_app(ClosedCtl)
    app.load()
    ctl = app.injector.ref(ClosedCtl)
    req = Request({})
    with pytest.raises(AuthSetupError, match="guarded by clink_auth"):
        ctl.x(req, None)


def test_a_guarded_route_without_an_auth_conf_fails_load(make_app):
    from auth_helpers import PLUGINS

    from clink_auth import AuthSetupError

    app = make_app(BookCtl, plugins=PLUGINS)
    with pytest.raises(AuthSetupError, match=r"GET /book/mine is guarded.*no AuthConf"):
        app.load()


def test_plugins_enabled_by_name(mongo_conf, outbox, clock):
    from auth_helpers import make_conf

    from clink_core import App, AppConf
    from clink_mongo import MongoSv

    for app in (App(AppConf("named", plugins=["auth"])), App(AppConf("named"), plugins=["auth"])):
        assert {"clink_auth", "clink_mongo", "clink_smtp"} <= set(app.plugin_names)
        app.add_ctl(BookCtl)
        app.add_prim(mongo_conf, make_conf(outbox.host, outbox.port), clock)
        client = Client(app)
        token = login(client, "root", ROOT_PWD)["access_token"]
        assert client.get("/book/mine", headers=bearer(token)).json["name"] == "root"
        for sv in app.injector.sub_ref(MongoSv):
            sv.close()


def test_require_group_takes_a_group_name():
    with pytest.raises(ValueError, match="group name"):
        require_group("Admins!")


# -- mail -------------------------------------------------------------------------------
def test_mail_server_down_registration_is_503_and_holds_nothing(client, outbox):
    outbox.stop()
    res = client.post("/acc/reg/code", json=REG)
    assert res.status == 503 and res.header("Retry-After") == "60"
    outbox.start()
    assert client.post("/acc/reg/code", json=REG).status == 204


def test_an_address_that_cannot_take_mail_is_400(client, outbox):
    res = client.post("/acc/reg/code", json={**REG, "email": "alice@[127.0.0.1]"})
    assert res.status == 400 and "email" in res.json["message"]
    assert client.post("/acc/reg/code", json=REG).status == 204  # the name was released


def test_notices_that_cannot_be_sent_do_not_undo_the_action(client, outbox, acc_sv, caplog):
    client.post("/acc/reg/code", json=REG)
    code = code_in(wait_mail(outbox, REG["email"], "registration code"))
    outbox.stop()
    assert client.post("/acc/reg", json={"code": code}).status == 204
    assert acc_sv.find_name("alice") is not None
    assert "could not send the reg_done mail" in caplog.text


def test_mail_templates_can_be_replaced(auth_app, outbox, tmp_path):
    (tmp_path / "reg_code.txt").write_text("Subject: Join $app_name\n\nCode: $code\n")
    app = auth_app(mail_dir=tmp_path)
    client = Client(app)
    client.post("/acc/reg/code", json=REG)
    mail = wait_mail(outbox, REG["email"], "Join test-api")
    assert mail.body.startswith("Code: ") and code_in(mail)


def test_background_mail_jobs_are_bounded(app, monkeypatch, caplog):
    import threading

    mail = app.injector.ref(AccCtl).mail
    # The jobs go on SmtpSv's queue: 2 may wait (beside the 2 its threads run).
    monkeypatch.setattr(mail.smtp_sv.queue, "max_queued", 2)
    gate = threading.Event()
    futures = [mail.background(gate.wait, 10) for _ in range(6)]
    # At most 2 running + 2 waiting are taken; which ones depends on when the worker
    # threads pick the first jobs up (a job dropped early frees no place later).
    accepted = [f for f in futures if f]
    assert 2 <= len(accepted) <= 4 and futures.count(None) == 6 - len(accepted)
    assert "background mail job wait dropped: 2 mails are waiting" in caplog.text
    gate.set()
    assert mail.drain(10)
    assert all(f.result() for f in futures if f)


def test_token_endpoint_while_the_database_is_down(make_app, mongo_process, outbox, clock):
    from auth_helpers import PLUGINS, make_conf

    from clink_mongo import MongoConf, MongoSv

    app = make_app(plugins=PLUGINS)
    app.add_prim(MongoConf(mongo_process.url, "authdown", server_selection_timeout_ms=300),
                 make_conf(outbox.host, outbox.port), clock)
    client = Client(app)
    assert token_pwd(client, "root", ROOT_PWD).status == 200
    mongo_process.kill()
    try:
        res = token_pwd(client, "root", ROOT_PWD)
        oauth_error(res, 503, "temporarily_unavailable")
        assert res.header("Retry-After") == "5"
        assert client.post("/acc/reg/code", json=REG).status == 503
    finally:
        for sv in app.injector.sub_ref(MongoSv):
            sv.close()
