"""Tokens: claims, the algorithm allow-list, tampering, kinds, expiry, rotation, revocation.

Every token is also run through PyJWT's own ``jwt.decode``: the fast verifier
and PyJWT accept and refuse the same tokens.
"""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from auth_helpers import JWT_KEY, NEW_PWD, PWD, bearer, make_conf, race, token_refresh
from bson import ObjectId

from clink_auth import (
    AccSv,
    AuthDbSv,
    BadCredentialsError,
    FakeClock,
    InvalidTokenError,
    OAuthSv,
    TokenCodec,
    TokenExpiredError,
    TokenRevokedError,
)
from clink_core.dflow import ExpiredError, FormatError, NonExistError

pytestmark = pytest.mark.timeout(60)

CLAIMS = {"sub", "exp", "iat", "jti", "iss", "aud", "typ"}


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def svs(mongo_sv, clock):
    conf = make_conf("127.0.0.1", 2525)
    authdb = AuthDbSv(mongo_sv)
    acc = AccSv(authdb, conf, clock)
    oauth = OAuthSv(authdb, acc, conf, clock)
    acc.mk_acc("alice", PWD, "alice@example.org")
    return acc, oauth


@pytest.fixture
def oauth(svs):
    return svs[1]


def pyjwt_decode(token: str, kind: str, key: str | bytes = JWT_KEY, **kw) -> dict:
    """What PyJWT makes of a token, with the same expectations as the service."""
    claims = jwt.decode(
        token, key, algorithms=["HS512"], audience="clink-auth", issuer="clink-auth",
        options={"require": sorted(CLAIMS), "verify_exp": False, "verify_iat": False}, **kw,
    )
    if claims["typ"] != kind:
        raise jwt.InvalidTokenError("wrong typ")
    return claims


def segments(token: str) -> list[str]:
    return token.split(".")


def b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def both_refuse(oauth: OAuthSv, token: str, kind: str = "access") -> InvalidTokenError:
    with pytest.raises(jwt.InvalidTokenError):
        pyjwt_decode(token, kind)
    with pytest.raises(InvalidTokenError) as info:
        oauth.codec.verify(token, kind)
    return info.value


# -- claims -------------------------------------------------------------
def test_token_pair_and_claims(oauth, clock):
    tokens = oauth.mktoken_pwd("alice", PWD)
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 14400 and isinstance(tokens["expires_in"], int)
    access = pyjwt_decode(tokens["access_token"], "access")
    refresh = pyjwt_decode(tokens["refresh_token"], "refresh")
    assert set(access) == CLAIMS | {"name"} and set(refresh) == CLAIMS
    assert access["sub"] == refresh["sub"] == str(oauth.acc_sv.find_name("alice")["_id"])
    assert access["iat"] == int(clock())
    assert access["exp"] - access["iat"] == 14400
    assert refresh["exp"] - refresh["iat"] == 2592000
    assert access["jti"] != refresh["jti"]
    assert (access["iss"], access["aud"], access["typ"], access["name"]) == (
        "clink-auth", "clink-auth", "access", "alice")
    assert jwt.get_unverified_header(tokens["access_token"]) == {"alg": "HS512", "typ": "JWT"}
    assert oauth.authen(tokens["access_token"]) == ObjectId(access["sub"])


def test_expires_in_follows_token_time(mongo_sv, clock):
    conf = make_conf("127.0.0.1", 2525, token_time=600, rtoken_time=3600)
    authdb = AuthDbSv(mongo_sv)
    oauth = OAuthSv(authdb, AccSv(authdb, conf, clock), conf, clock)
    tokens = oauth.mktoken_pwd("root", "root-pwd-1")
    assert tokens["expires_in"] == 600
    claims = pyjwt_decode(tokens["refresh_token"], "refresh")
    assert claims["exp"] - claims["iat"] == 3600


def test_wrong_credentials(oauth):
    with pytest.raises(BadCredentialsError):
        oauth.mktoken_pwd("alice", "wrong-pwd")
    with pytest.raises(NonExistError):  # the manual's error type
        oauth.mktoken_pwd("nobody", PWD)
    with pytest.raises(TypeError):
        oauth.mktoken_pwd("alice", None)
    with pytest.raises(TypeError):
        oauth.mktoken_rtoken(None)


# -- forgery and tampering -------------------------------------------------------------
def test_alg_none_is_refused(oauth):
    access = oauth.mktoken_pwd("alice", PWD)["access_token"]
    claims = pyjwt_decode(access, "access")
    for header in ({"alg": "none", "typ": "JWT"}, {"alg": "None"}, {"typ": "JWT"}):
        forged = f"{b64(header)}.{b64(claims)}."
        error = both_refuse(oauth, forged)
        assert "not signed with HS512" in str(error)
    forged = jwt.encode(claims, None, algorithm="none")
    both_refuse(oauth, forged)


def test_other_algorithms_are_refused_even_with_the_right_key(oauth):
    claims = pyjwt_decode(oauth.mktoken_pwd("alice", PWD)["access_token"], "access")
    for alg in ("HS256", "HS384"):
        both_refuse(oauth, jwt.encode(claims, JWT_KEY, algorithm=alg))


def test_a_tampered_signature_or_payload_is_refused(oauth):
    token = oauth.mktoken_pwd("alice", PWD)["access_token"]
    head, body, sig = segments(token)
    flipped = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
    assert "signature does not verify" in str(both_refuse(oauth, f"{head}.{body}.{flipped}"))
    claims = unb64(body)
    for change in ({"sub": str(ObjectId())}, {"exp": claims["exp"] + 10**6}, {"typ": "access"},
                   {"name": "root"}):
        forged = f"{head}.{b64({**claims, **change})}.{sig}"
        if forged == token:
            continue
        both_refuse(oauth, forged)
    both_refuse(oauth, f"{head}.{body}.")  # no signature
    both_refuse(oauth, f"{head}.{body}.{sig[:-4]}")  # truncated
    # A token signed with another key
    other = jwt.encode(claims, "x" * 64, algorithm="HS512")
    both_refuse(oauth, other)


def test_a_non_canonical_signature_is_refused(oauth):
    token = oauth.mktoken_pwd("alice", PWD)["access_token"]
    head, body, sig = segments(token)
    # HS512 signatures are 64 bytes: 86 characters, the last one carries 2 spare bits.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(sig[-1])
    variant = sig[:-1] + alphabet[last ^ 1]
    assert base64.urlsafe_b64decode(variant + "==") == base64.urlsafe_b64decode(sig + "==")
    with pytest.raises(InvalidTokenError, match="signature does not verify"):
        oauth.codec.verify(f"{head}.{body}.{variant}", "access")


@pytest.mark.parametrize("token", [
    "", "abc", "a.b", "a.b.c.d", "...", "é.é.é", "a b.c.d", "x" * 5000, None, 42, b"a.b.c",
    "eyJhbGciOiJIUzUxMiJ9.!!!!.abc",
])
def test_garbage_is_an_invalid_token(oauth, token):
    with pytest.raises(InvalidTokenError):
        oauth.codec.verify(token, "access")
    with pytest.raises(FormatError):  # the manual's error type for authen
        oauth.authen(token)


def test_header_variants_with_the_right_alg_still_need_the_signature(oauth):
    claims = pyjwt_decode(oauth.mktoken_pwd("alice", PWD)["access_token"], "access")
    token = jwt.encode(claims, JWT_KEY, algorithm="HS512", headers={"kid": "k1"})
    assert oauth.codec.verify(token, "access")["sub"] == claims["sub"]
    assert pyjwt_decode(token, "access")["sub"] == claims["sub"]
    crit = jwt.encode(claims, JWT_KEY, algorithm="HS512", headers={"crit": ["exp"]})
    with pytest.raises(InvalidTokenError, match="critical"):
        oauth.codec.verify(crit, "access")


def test_other_issuer_or_audience_is_refused(mongo_sv, oauth, clock):
    for kwargs in ({"jwt_issuer": "other"}, {"jwt_audience": "other"}):
        codec = TokenCodec(make_conf("127.0.0.1", 2525, **kwargs), clock)
        token, _ = codec.make("access", str(ObjectId()), clock())
        with pytest.raises(InvalidTokenError, match="someone else"):
            oauth.codec.verify(token, "access")


def test_missing_or_mistyped_claims(oauth, clock):
    good = pyjwt_decode(oauth.mktoken_pwd("alice", PWD)["access_token"], "access")
    for name in ("sub", "exp", "iat", "jti"):
        claims = {k: v for k, v in good.items() if k != name}
        with pytest.raises(InvalidTokenError, match=name):
            oauth.codec.verify(jwt.encode(claims, JWT_KEY, algorithm="HS512"), "access")
    for name, value in (("sub", "not-an-id"), ("exp", str(good["exp"])), ("iat", 1.5),
                        ("exp", True), ("jti", 7)):
        claims = {**good, name: value}
        with pytest.raises(InvalidTokenError, match=name):
            oauth.codec.verify(jwt.encode(claims, JWT_KEY, algorithm="HS512"), "access")


def test_hs256_configured(mongo_sv, clock):
    conf = make_conf("127.0.0.1", 2525, jwt_alg="HS256")
    authdb = AuthDbSv(mongo_sv)
    oauth = OAuthSv(authdb, AccSv(authdb, conf, clock), conf, clock)
    token = oauth.mktoken_pwd("root", "root-pwd-1")["access_token"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert oauth.codec.verify(token, "access")
    claims = jwt.decode(token, JWT_KEY, algorithms=["HS256"], audience="clink-auth")
    with pytest.raises(InvalidTokenError):
        oauth.codec.verify(jwt.encode(claims, JWT_KEY, algorithm="HS512"), "access")


# -- kinds and expiry -------------------------------------------------------------
def test_access_and_refresh_tokens_are_not_interchangeable(oauth):
    tokens = oauth.mktoken_pwd("alice", PWD)
    with pytest.raises(InvalidTokenError, match="not an access token"):
        oauth.authen(tokens["refresh_token"])
    with pytest.raises(InvalidTokenError, match="not a refresh token"):
        oauth.mktoken_rtoken(tokens["access_token"])
    with pytest.raises(jwt.InvalidTokenError):
        pyjwt_decode(tokens["refresh_token"], "access")


def test_expiry_follows_the_injected_clock(oauth, clock):
    tokens = oauth.mktoken_pwd("alice", PWD)
    clock.advance(14399)
    oauth.authen(tokens["access_token"])
    clock.advance(1)
    with pytest.raises(TokenExpiredError, match="access token has expired"):
        oauth.authen(tokens["access_token"])
    with pytest.raises(ExpiredError):  # the manual's error type
        oauth.authen(tokens["access_token"])
    clock.advance(2592000 - 14400 - 1)
    fresh = oauth.mktoken_rtoken(tokens["refresh_token"])
    clock.advance(2592000)
    with pytest.raises(TokenExpiredError):
        oauth.mktoken_rtoken(fresh["refresh_token"])


# -- rotation -------------------------------------------------------------
def test_refresh_rotation_and_reuse_detection(oauth):
    login1 = oauth.mktoken_pwd("alice", PWD)
    login2 = oauth.mktoken_pwd("alice", PWD)  # another device: another family
    r1 = login1["refresh_token"]
    r2 = oauth.mktoken_rtoken(r1)["refresh_token"]
    r3 = oauth.mktoken_rtoken(r2)["refresh_token"]
    with pytest.raises(TokenRevokedError, match="already used"):
        oauth.mktoken_rtoken(r1)  # reuse of a retired token...
    with pytest.raises(TokenRevokedError, match="revoked"):
        oauth.mktoken_rtoken(r3)  # ...revoked the whole family
    with pytest.raises(TokenRevokedError):
        oauth.mktoken_rtoken(r2)
    assert oauth.mktoken_rtoken(login2["refresh_token"])  # the other family lives


def test_password_change_revokes_every_family_of_the_account_only(svs):
    acc, oauth = svs
    bob_id = acc.mk_acc("bob", PWD, "bob@example.org")
    alice = [oauth.mktoken_pwd("alice", PWD)["refresh_token"] for _ in range(3)]
    bob = oauth.mktoken_pwd("bob", PWD)["refresh_token"]
    acc.ch_pwd(acc.find_name("alice")["_id"], NEW_PWD)
    for rtoken in alice:
        with pytest.raises(TokenRevokedError):
            oauth.mktoken_rtoken(rtoken)
    assert oauth.mktoken_rtoken(bob)
    assert bob_id


def test_a_rotation_in_flight_during_a_revocation_is_caught(svs):
    acc, oauth = svs
    r1 = oauth.mktoken_pwd("alice", PWD)["refresh_token"]
    r2 = oauth.mktoken_rtoken(r1)["refresh_token"]
    # as if the password change revoked the family while r2 was being written:
    jti2 = pyjwt_decode(r2, "refresh")["jti"]
    rtokens = oauth._rtoken
    acc.revoke_tokens(acc.find_name("alice")["_id"])
    rtokens.update_one({"_id": jti2}, {"$set": {"revoked": False}})
    with pytest.raises(TokenRevokedError):
        oauth.mktoken_rtoken(r2)


def test_concurrent_refresh_with_one_token(oauth):
    rtoken = oauth.mktoken_pwd("alice", PWD)["refresh_token"]
    results = race(4, lambda i: oauth.mktoken_rtoken(rtoken))
    assert len([r for r in results if isinstance(r, dict)]) <= 1
    assert all(isinstance(r, (dict, TokenRevokedError)) for r in results), results


def test_a_removed_account_cannot_refresh(svs):
    acc, oauth = svs
    tokens = oauth.mktoken_pwd("alice", PWD)
    acc.rm_acc(acc.find_name("alice")["_id"])
    with pytest.raises(TokenRevokedError):
        oauth.mktoken_rtoken(tokens["refresh_token"])


# -- over HTTP -------------------------------------------------------------
def test_http_refresh_token_as_access_token_and_back(client, acc_sv):
    acc_sv.mk_acc("alice", PWD, "alice@example.org")
    tokens = client.post("/auth/token", json={"grant_type": "password", "username": "alice",
                                              "password": PWD}).json
    res = client.get("/acc/me", headers=bearer(tokens["refresh_token"]))
    assert res.status == 401
    assert res.header("WWW-Authenticate").startswith('Bearer error="invalid_token"')
    res = token_refresh(client, tokens["access_token"])
    assert res.status == 400 and res.json["error"] == "invalid_grant"
    assert res.header("Cache-Control") == "no-store"


def test_http_expired_and_forged_access_tokens(client, acc_sv, clock):
    acc_sv.mk_acc("alice", PWD, "alice@example.org")
    tokens = client.post("/auth/token", json={"grant_type": "password", "username": "alice",
                                              "password": PWD}).json
    claims = pyjwt_decode(tokens["access_token"], "access")
    forged = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    res = client.get("/acc/me", headers=bearer(forged))
    assert res.status == 401
    assert res.header("WWW-Authenticate") == (
        'Bearer error="invalid_token", error_description="the access token is not valid"')
    head, body, sig = segments(tokens["access_token"])
    res = client.get("/acc/me", headers=bearer(f"{head}.{body}.{sig[::-1]}"))
    assert res.status == 401 and "invalid_token" in res.header("WWW-Authenticate")
    clock.advance(14400)
    res = client.get("/acc/me", headers=bearer(tokens["access_token"]))
    assert res.status == 401
    assert res.header("WWW-Authenticate") == (
        'Bearer error="invalid_token", error_description="the access token has expired"')
    assert res.json["message"] == "the access token has expired"
    clock.advance(2592000)
    res = token_refresh(client, tokens["refresh_token"])
    assert res.status == 400 and res.json == {
        "error": "invalid_grant", "error_description": "the refresh token has expired"}
