"""Shared helpers of the clink_auth tests: configuration, mail reading, HTTP steps."""

from __future__ import annotations

import re
import time
from typing import Any

import clink_auth
import clink_mongo
import clink_smtp
from clink_auth import AuthConf

#: The plugins an auth app needs (tests name them: no entry points).
PLUGINS = (clink_mongo.plugin, clink_smtp.plugin, clink_auth.plugin)

#: 64 bytes exactly: the shortest key AuthConf accepts.
JWT_KEY = "k" * 32 + "0123456789abcdefghijklmnopqrstuv"
ROOT_PWD = "root-pwd-1"
ROOT_EMAIL = "root@example.com"
#: Cheap argon2 parameters: the tests hash hundreds of passwords.
FAST_HASH = {"argon2_time_cost": 1, "argon2_memory_cost": 1024, "argon2_parallelism": 1}
CODE_RE = re.compile(r"\b[A-Z]{4}-[A-Z]{4}-[A-Z]{4}-[A-Z]{4}\b")
PWD = "secret-1"
NEW_PWD = "secret-2"
NEWER_PWD = "secret-3"


def make_conf(host: str, port: int, **kwargs: Any) -> AuthConf:
    """An AuthConf sending mail to an outbox at ``host:port`` (no TLS, no login)."""
    for key, value in FAST_HASH.items():
        kwargs.setdefault(key, value)
    kwargs.setdefault("smtp_security", "none")
    kwargs.setdefault("smtp_timeout", 5)
    return AuthConf(ROOT_PWD, ROOT_EMAIL, None, host, port, JWT_KEY, **kwargs)


def mails_to(outbox: Any, dest: str) -> list[Any]:
    return [m for m in list(outbox.messages) if dest in m.rcpt_tos]


def wait_mail(outbox: Any, dest: str, subject: str, count: int = 1, timeout: float = 10) -> Any:
    """The ``count``-th mail to ``dest`` whose subject holds ``subject``, waiting for it."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in mails_to(outbox, dest) if subject in m.subject]
        if len(found) >= count:
            return found[count - 1]
        if time.monotonic() > deadline:
            subjects = [m.subject for m in mails_to(outbox, dest)]
            raise AssertionError(f"no mail {subject!r} #{count} to {dest}; got {subjects}")
        time.sleep(0.02)


def code_in(mail: Any) -> str:
    """The confirmation code a mail carries."""
    m = CODE_RE.search(mail.body)
    assert m, mail.body
    return m.group()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def register(client: Any, outbox: Any, name: str, email: str, pwd: str = PWD,
             phone: str | None = None) -> None:
    """Register and activate an account over HTTP, reading the code from the mail."""
    body: dict[str, Any] = {"name": name, "email": email, "pwd": pwd}
    if phone is not None:
        body["phone"] = phone
    before = len([m for m in mails_to(outbox, email) if "registration code" in m.subject])
    res = client.post("/acc/reg/code", json=body)
    assert res.status == 204, res.data
    code = code_in(wait_mail(outbox, email, "registration code", before + 1))
    res = client.post("/acc/reg", json={"code": code})
    assert res.status == 204, res.data


def token_pwd(client: Any, name: str, pwd: str = PWD) -> Any:
    return client.post(
        "/auth/token", json={"grant_type": "password", "username": name, "password": pwd}
    )


def token_refresh(client: Any, rtoken: str) -> Any:
    return client.post(
        "/auth/token", json={"grant_type": "refresh_token", "refresh_token": rtoken}
    )


def race(n: int, fn: Any, *args: Any) -> list[Any]:
    """Run ``fn(i, *args)`` in ``n`` threads released together; each result or exception."""
    import threading

    results: list[Any] = [None] * n
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        barrier.wait(10)
        try:
            results[i] = fn(i, *args)
        except Exception as e:
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a racing thread did not finish"
    return results


def http_call(
    base: str, method: str, path: str, body: Any = None, *,
    headers: dict[str, str] | None = None, timeout: float = 20,
) -> tuple[int, dict[str, str], Any]:
    """One request over a real socket to ``base`` (``http://host:port``): the status, the
    headers (lower-case names) and the JSON body (``None`` when empty)."""
    import http.client
    import json
    from urllib.parse import urlsplit

    url = urlsplit(base)
    sent = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=sent)
        res = conn.getresponse()
        raw = res.read()
        got = {k.lower(): v for k, v in res.getheaders()}
    finally:
        conn.close()
    return res.status, got, json.loads(raw) if raw else None


def login_from(base: str, addr: str | None, name: str, pwd: str) -> tuple[int, dict[str, str], Any]:
    """``POST /auth/token`` (password grant) over a socket, forwarded for ``addr``."""
    headers = {"X-Forwarded-For": addr} if addr else None
    return http_call(base, "POST", "/auth/token", {
        "grant_type": "password", "username": name, "password": pwd}, headers=headers)
