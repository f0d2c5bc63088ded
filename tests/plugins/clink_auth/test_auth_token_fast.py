"""The fast token path: one HMAC from precomputed key pads, and verified access tokens kept.

PyJWT stays the reference: every token here is also checked with ``jwt.decode``
(or signed by ``jwt.encode``), so the two agree on what is valid.
"""

from __future__ import annotations

import jwt
import pytest
from auth_helpers import PWD, bearer, make_conf
from bson import ObjectId

from clink_auth import (
    AccSv,
    AuthConf,
    AuthDbSv,
    FakeClock,
    InvalidTokenError,
    OAuthSv,
    TokenCodec,
)
from clink_auth import oauth as oauth_module
from clink_core import Request
from clink_core.plugin import Http401Error

pytestmark = pytest.mark.timeout(60)

ISS = AUD = "clink-auth"


def claims_for(now: float, **extra: object) -> dict:
    return {
        "sub": str(ObjectId()), "iat": int(now), "exp": int(now) + 600, "jti": "j1",
        "iss": ISS, "aud": AUD, "typ": "access", **extra,
    }


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
@pytest.mark.parametrize("key_len", [64, 127, 128, 129, 300])
def test_the_precomputed_hmac_agrees_with_pyjwt_for_every_key_size(alg, key_len):
    """Keys shorter than, equal to and longer than the hash's block (hashed first)."""
    key = bytes(range(256)) * 2
    key = key[:key_len]
    clock = FakeClock()
    conf = AuthConf("root-pwd-1", "root@example.com", None, "127.0.0.1", 2525, key,
                    jwt_alg=alg, smtp_security="none")
    codec = TokenCodec(conf, clock)
    made, claims = codec.make("access", str(ObjectId()), clock())
    assert jwt.decode(made, key, algorithms=[alg], audience=AUD, issuer=ISS) == claims
    assert codec.verify(made, "access") == claims
    foreign = jwt.encode(claims_for(clock()), key, algorithm=alg)
    assert codec.verify(foreign, "access")["jti"] == "j1"
    wrong_key = jwt.encode(claims_for(clock()), key[:-1] + b"!", algorithm=alg)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(wrong_key, key, algorithms=[alg], audience=AUD, issuer=ISS)
    with pytest.raises(InvalidTokenError, match="signature"):
        codec.verify(wrong_key, "access")


def test_a_flipped_character_anywhere_is_refused_by_both():
    clock = FakeClock()
    conf = make_conf("127.0.0.1", 2525)
    codec = TokenCodec(conf, clock)
    token, _ = codec.make("access", str(ObjectId()), clock())
    for i in range(0, len(token), 7):
        if token[i] == ".":
            continue
        flipped = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
        with pytest.raises(jwt.InvalidTokenError):
            jwt.decode(flipped, conf.jwt_key, algorithms=["HS512"], audience=AUD, issuer=ISS)
        with pytest.raises(InvalidTokenError):
            codec.verify(flipped, "access")


# -- verified access tokens are kept ------------------------------------------------
@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def oauth(mongo_sv, clock):
    conf = make_conf("127.0.0.1", 2525, token_time=600)
    authdb = AuthDbSv(mongo_sv)
    acc = AccSv(authdb, conf, clock)
    acc.mk_acc("alice", PWD, "alice@example.org")
    return OAuthSv(authdb, acc, conf, clock)


def request_with(token: str) -> Request:
    return Request({"HTTP_AUTHORIZATION": bearer(token)["Authorization"]})


def test_a_kept_token_still_expires(oauth, clock):
    token = oauth.mktoken_pwd("alice", PWD)["access_token"]
    first = oauth.authen_principal(request_with(token))
    assert oauth.authen_principal(request_with(token)) is first  # verified once
    clock.advance(599)
    assert oauth.authen_principal(request_with(token)).name == "alice"
    clock.advance(1)
    with pytest.raises(Http401Error, match="expired"):
        oauth.authen_principal(request_with(token))
    with pytest.raises(Http401Error, match="expired"):  # and stays expired
        oauth.authen_principal(request_with(token))


def test_a_kept_token_does_not_vouch_for_a_tampered_copy(oauth):
    token = oauth.mktoken_pwd("alice", PWD)["access_token"]
    oauth.authen_principal(request_with(token))
    head, body, sig = token.split(".")
    for forged in (f"{head}.{body}.{sig[:-1]}", f"{head}.{body}x.{sig}", f"{token} x"):
        with pytest.raises(Http401Error, match="not valid"):
            oauth.authen_principal(request_with(forged))


def test_refused_tokens_are_not_kept_and_claims_are_read_only(oauth):
    with pytest.raises(Http401Error):
        oauth.authen_principal(request_with("a.b.c"))
    assert "a.b.c" not in oauth._seen
    token = oauth.mktoken_pwd("alice", PWD)["access_token"]
    principal = oauth.authen_principal(request_with(token))
    assert principal.claims["name"] == "alice"
    assert dict(principal.claims) == jwt.decode(
        token, oauth.conf.jwt_key, algorithms=["HS512"], audience=AUD, issuer=ISS
    )
    with pytest.raises(TypeError):
        principal.claims["name"] = "mallory"  # type: ignore[index]


def test_the_kept_tokens_are_bounded(oauth, clock, monkeypatch):
    monkeypatch.setattr(oauth_module, "SEEN_TOKENS", 8)
    codec = oauth.codec
    sub = str(oauth.acc_sv.find_name("alice")["_id"])
    tokens = [codec.make("access", sub, clock(), name="alice")[0] for _ in range(20)]
    for token in tokens:
        assert oauth.authen_principal(request_with(token)).name == "alice"
        assert len(oauth._seen) <= 8
    assert tokens[-1] in oauth._seen
    # expired ones go first when the table is full
    clock.advance(601)
    fresh = codec.make("access", sub, clock(), name="alice")[0]
    oauth.authen_principal(request_with(fresh))
    assert list(oauth._seen) == [fresh]
