"""The whole journey over HTTP: register by mail, tokens, the account, passwords, refresh."""

from __future__ import annotations

import jsonschema
import pytest
from auth_helpers import (
    NEW_PWD,
    NEWER_PWD,
    PWD,
    bearer,
    code_in,
    token_pwd,
    token_refresh,
    wait_mail,
)

from clink_auth import model

pytestmark = pytest.mark.timeout(60)

EMAIL = "alice@example.org"


def test_the_whole_journey(client, outbox, app):
    # 1. registration code, read from the mail
    res = client.post(
        "/acc/reg/code",
        json={"name": "alice", "email": EMAIL, "pwd": PWD, "phone": "+84 123 456 7890"},
    )
    assert res.status == 204 and res.data == b""
    mail = wait_mail(outbox, EMAIL, "registration code")
    assert mail.from_header == "test-api <root@example.com>"
    code = code_in(mail)
    assert code not in str(list(app.injector.ref(__import__("clink_auth").AuthDbSv)
                                .acctmp_doc().find()))  # stored hashed only

    # 2. activate: "account is active" mail
    res = client.post("/acc/reg", json={"code": code})
    assert res.status == 204
    wait_mail(outbox, EMAIL, "account is active")

    # 3. token by password
    res = token_pwd(client, "alice")
    assert res.status == 200, res.data
    assert res.header("Cache-Control") == "no-store"
    tokens = res.json
    jsonschema.validate(tokens, model.auth.res_bearer_token)
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 14400
    first_rtoken = tokens["refresh_token"]

    # 4. the account
    res = client.get("/acc/me", headers=bearer(tokens["access_token"]))
    assert res.status == 200, res.data
    me = res.json
    jsonschema.validate(me, model.acc.get_me_body)
    assert set(me) == set(model.acc.get_me_body["required"])
    assert me["name"] == "alice" and me["email"] == EMAIL
    assert me["phone"] == "+84 123 456 7890" and me["last_action"] == "REGISTERED"

    # 5. change the password: mail sent, old refresh tokens dead
    res = client.put(
        "/acc/me/pwd", json={"old_pwd": PWD, "new_pwd": NEW_PWD},
        headers=bearer(tokens["access_token"]),
    )
    assert res.status == 204, res.data
    wait_mail(outbox, EMAIL, "password was changed")
    res = token_refresh(client, first_rtoken)
    assert res.status == 400 and res.json["error"] == "invalid_grant"
    assert token_pwd(client, "alice", PWD).status == 400
    assert token_pwd(client, "alice", NEW_PWD).status == 200

    # 6. reset-password code by mail
    res = client.post("/acc/pwd/code", json={"email": EMAIL})
    assert res.status == 204
    reset_code = code_in(wait_mail(outbox, EMAIL, "password reset code"))

    # 7. reset
    res = client.post("/acc/pwd", json={"code": reset_code, "new_pwd": NEWER_PWD})
    assert res.status == 204, res.data
    wait_mail(outbox, EMAIL, "password was reset")
    assert client.post("/acc/pwd", json={"code": reset_code, "new_pwd": PWD}).status == 404

    # 8. token with the new password
    assert token_pwd(client, "alice", NEW_PWD).json["error"] == "invalid_grant"
    res = token_pwd(client, "alice", NEWER_PWD)
    assert res.status == 200
    pair1 = res.json

    # 9. refresh: a new pair, both tokens new
    res = token_refresh(client, pair1["refresh_token"])
    assert res.status == 200, res.data
    pair2 = res.json
    assert pair2["refresh_token"] != pair1["refresh_token"]
    assert pair2["access_token"] != pair1["access_token"]
    assert client.get("/acc/me", headers=bearer(pair2["access_token"])).status == 200

    # 10. the old refresh token again: refused, and its whole family is revoked
    res = token_refresh(client, pair1["refresh_token"])
    assert res.status == 400 and res.json["error"] == "invalid_grant"
    assert "already used" in res.json["error_description"]
    res = token_refresh(client, pair2["refresh_token"])
    assert res.status == 400 and res.json["error"] == "invalid_grant"
    # access tokens live until they expire (they are checked without the database)
    assert client.get("/acc/me", headers=bearer(pair2["access_token"])).status == 200
