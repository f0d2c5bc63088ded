"""The whole journey once more, over a real socket (werkzeug's threaded server)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from auth_helpers import NEW_PWD, NEWER_PWD, PWD, code_in, wait_mail

from clink_core.testing import LiveServer

pytestmark = pytest.mark.timeout(60)

EMAIL = "live@example.org"


def call(base: str, method: str, path: str, body: Any = None, token: str | None = None,
         form: str | None = None) -> tuple[int, dict[str, str], Any]:
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if form is not None:
        data = form.encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            status, head, raw = res.status, dict(res.headers), res.read()
    except urllib.error.HTTPError as e:
        status, head, raw = e.code, dict(e.headers), e.read()
    return status, head, json.loads(raw) if raw else None


def test_the_whole_journey_over_a_socket(app, outbox):
    with LiveServer(app) as server:
        base = server.url
        assert base.startswith("http://127.0.0.1:")
        status, _, _ = call(base, "POST", "/acc/reg/code",
                            {"name": "live", "email": EMAIL, "pwd": PWD})
        assert status == 204
        code = code_in(wait_mail(outbox, EMAIL, "registration code"))
        assert call(base, "POST", "/acc/reg", {"code": code})[0] == 204
        wait_mail(outbox, EMAIL, "account is active")

        status, head, tokens = call(base, "POST", "/auth/token", form=(
            f"grant_type=password&username=live&password={PWD}"))
        assert status == 200 and head["Cache-Control"] == "no-store"
        status, _, me = call(base, "GET", "/acc/me", token=tokens["access_token"])
        assert status == 200 and me["name"] == "live" and me["email"] == EMAIL

        status, head, body = call(base, "GET", "/acc/me")
        assert status == 401 and head["WWW-Authenticate"] == "Bearer"

        assert call(base, "PUT", "/acc/me/pwd", {"old_pwd": PWD, "new_pwd": NEW_PWD},
                    token=tokens["access_token"])[0] == 204
        wait_mail(outbox, EMAIL, "password was changed")
        status, _, body = call(base, "POST", "/auth/token", {
            "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
        assert status == 400 and body["error"] == "invalid_grant"

        assert call(base, "POST", "/acc/pwd/code", {"email": EMAIL})[0] == 204
        reset = code_in(wait_mail(outbox, EMAIL, "reset code"))
        assert call(base, "POST", "/acc/pwd", {"code": reset, "new_pwd": NEWER_PWD})[0] == 204
        wait_mail(outbox, EMAIL, "password was reset")

        status, _, pair1 = call(base, "POST", "/auth/token", {
            "grant_type": "password", "username": "live", "password": NEWER_PWD})
        assert status == 200
        status, _, pair2 = call(base, "POST", "/auth/token", {
            "grant_type": "refresh_token", "refresh_token": pair1["refresh_token"]})
        assert status == 200
        status, head, body = call(base, "POST", "/auth/token", {
            "grant_type": "refresh_token", "refresh_token": pair1["refresh_token"]})
        assert status == 400 and body["error"] == "invalid_grant"
        assert head["Cache-Control"] == "no-store"
        status, _, body = call(base, "POST", "/auth/token", {
            "grant_type": "refresh_token", "refresh_token": pair2["refresh_token"]})
        assert status == 400 and body["error"] == "invalid_grant"
