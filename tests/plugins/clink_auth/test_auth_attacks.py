"""The attacks of issue 18 over real sockets (``LiveServer``): locking someone else out,
rotating names, burning argon2 CPU, forging forwarding headers, enumerating addresses.

The apps trust 127.0.0.1 as their proxy (``AppConf(trusted_proxies=...)``), so the
``X-Forwarded-For`` header a test sends is the client's address.
"""

from __future__ import annotations

import pytest
from auth_helpers import CODE_RE, PWD, ROOT_PWD, http_call, login_from, mails_to, wait_mail

from clink_auth import AccSv
from clink_core.testing import LiveServer

pytestmark = pytest.mark.timeout(90)

ATTACKER = "203.0.113.7"
OWNER = "198.51.100.1"


def test_nobody_can_lock_root_out(auth_app):
    app = auth_app(proxies=("127.0.0.1",))
    with LiveServer(app) as server:
        for _ in range(5):
            status, _, body = login_from(server.url, ATTACKER, "root", "wrong-pwd")
            assert status == 400 and body["error"] == "invalid_grant"
        status, head, body = login_from(server.url, ATTACKER, "root", ROOT_PWD)
        assert status == 429 and body["error"] == "slow_down"
        assert head["retry-after"] == "900" and head["cache-control"] == "no-store"
        assert "from your address" in body["error_description"]
        # root, from anywhere else (a spoofed first hop does not matter), logs in
        status, _, body = login_from(server.url, f"10.9.9.9, {OWNER}", "root", ROOT_PWD)
        assert status == 200 and body["token_type"] == "Bearer"
        assert login_from(server.url, None, "root", ROOT_PWD)[0] == 200  # the proxy itself


def test_forged_forwarding_headers_are_not_believed_from_untrusted_peers(auth_app):
    app = auth_app()  # no trusted proxy: the peer is the client
    with LiveServer(app) as server:
        for i in range(5):  # a made-up address each time: all counted under 127.0.0.1
            assert login_from(server.url, f"203.0.113.{i}", "root", "wrong-pwd")[0] == 400
        assert login_from(server.url, OWNER, "root", ROOT_PWD)[0] == 429


def test_rotating_names_and_argon2_work_are_capped_per_client(auth_app):
    app = auth_app(proxies=("127.0.0.1",), login_client_max_fails=3, login_client_max_checks=5)
    app.load()
    app.injector.ref(AccSv).mk_acc("alice", PWD, "alice@example.org")
    with LiveServer(app) as server:
        for i in range(3):
            assert login_from(server.url, ATTACKER, f"name-{i}", "wrong-pwd")[0] == 400
        status, head, body = login_from(server.url, ATTACKER, "alice", PWD)
        assert status == 429 and "failed logins from your address" in body["error_description"]
        assert int(head["retry-after"]) > 0
        for _ in range(5):  # successes cost argon2 too: five checks per window
            assert login_from(server.url, OWNER, "alice", PWD)[0] == 200
        status, _, body = login_from(server.url, OWNER, "alice", PWD)
        assert status == 429 and "password checks" in body["error_description"]
        status, _, tokens = login_from(server.url, "192.0.2.1", "alice", PWD)
        assert status == 200
        status, head, body = http_call(
            server.url, "PUT", "/acc/me/pwd", {"old_pwd": PWD, "new_pwd": "secret-9"},
            headers={"X-Forwarded-For": OWNER,
                     "Authorization": f"Bearer {tokens['access_token']}"})
        assert status == 429 and "password checks" in body["message"] and head["retry-after"]


def test_registration_does_not_tell_which_addresses_exist(auth_app, outbox):
    app = auth_app()
    app.load()
    app.injector.ref(AccSv).mk_acc("alice", PWD, "alice@example.org")
    with LiveServer(app) as server:
        taken = http_call(server.url, "POST", "/acc/reg/code", {
            "name": "bob", "email": "alice@example.org", "pwd": PWD})
        free = http_call(server.url, "POST", "/acc/reg/code", {
            "name": "carol", "email": "carol@example.org", "pwd": PWD})
        assert taken[0] == free[0] == 204 and taken[2] is free[2] is None
        assert set(taken[1]) == set(free[1])
        assert {k: v for k, v in taken[1].items() if k != "date"} == {
            k: v for k, v in free[1].items() if k != "date"}
        notice = wait_mail(outbox, "alice@example.org", "Registration on test-api")
        assert "already in use" in notice.body and not CODE_RE.search(notice.body)
        assert len(mails_to(outbox, "alice@example.org")) == 1
        wait_mail(outbox, "carol@example.org", "registration code")
        for name in ("bob", "carol"):  # held alike: asking again cannot tell them apart
            status, _, body = http_call(server.url, "POST", "/acc/reg/code", {
                "name": name, "email": "erin@example.org", "pwd": PWD})
            assert status == 409 and body["message"] == "already exists: name"
        # names are public (they are what people log in with): a taken one is said
        status, _, body = http_call(server.url, "POST", "/acc/reg/code", {
            "name": "alice", "email": "dave@example.org", "pwd": PWD})
        assert status == 409 and body["message"] == "already exists: name"
