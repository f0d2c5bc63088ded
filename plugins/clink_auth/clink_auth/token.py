"""JWT access and refresh tokens: signed with PyJWT, verified on a precomputed fast path.

Signing is ``jwt.encode``. Verification is done here, with strict parsing and
the HMAC computed once over the token's raw ``header.payload`` text from hash
states keyed once (RFC 2104's inner and outer pads, copied per token), because
PyJWT's ``jwt.decode`` costs about 40 µs per call on this machine (mostly a
character-by-character base64 check and option merging): ten times a whole
request of the kernel, paid by every authenticated request. This path costs
a few µs and checks the same things, stricter where it is cheap:

- ASCII, at most 4 KiB, exactly three base64url segments;
- the header's ``alg`` is the configured one (the allow-list has one entry,
  so ``none`` and every other algorithm are refused before the signature is
  looked at) and it names no ``crit`` extension;
- the signature, compared in constant time as canonical base64url text (a
  second spelling of the same bytes is refused);
- ``typ`` is the expected kind (``access`` or ``refresh``: not interchangeable),
  ``iss`` and ``aud`` are this service's, ``sub`` is an account id, ``jti``,
  ``iat`` and ``exp`` are present and well typed, and ``exp`` is after the
  injected clock's now.

The tests run every token they build or tamper with through ``jwt.decode``
too, so the two verifiers agree.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from binascii import a2b_base64, b2a_base64
from typing import Any

import jwt
import orjson

from .clock import Clock
from .conf import AuthConf
from .error import InvalidTokenError, TokenExpiredError

ACCESS = "access"
REFRESH = "refresh"
#: The claims every token carries.
CLAIMS = ("sub", "exp", "iat", "jti", "iss", "aud", "typ")
MAX_TOKEN_LENGTH = 4096
_ARTICLE = {ACCESS: "an", REFRESH: "a"}
_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}

_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
# base64url <-> base64 (binascii speaks the standard alphabet)
_TO_STD = bytes.maketrans(b"-_", b"+/")
_TO_URL = bytes.maketrans(b"+/", b"-_")
_OBJECTID = re.compile(r"[0-9a-f]{24}")


def _hmac_states(key: bytes, digestmod: Any) -> tuple[Any, Any]:
    """The hash states after HMAC's inner and outer key pads (RFC 2104), for ``copy()``."""
    block = digestmod().block_size
    if len(key) > block:
        key = digestmod(key).digest()
    key = key.ljust(block, b"\0")
    return (
        digestmod(bytes(b ^ 0x36 for b in key)),
        digestmod(bytes(b ^ 0x5C for b in key)),
    )


def _b64decode(segment: str, what: str) -> bytes:
    """Decode a base64url segment, refusing any character outside the alphabet."""
    if _SEGMENT.fullmatch(segment) is None:
        raise InvalidTokenError(f"the {what} is not base64url")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise InvalidTokenError(f"the {what} is not base64url") from None


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise InvalidTokenError(f"the {what} is not JSON") from None
    if not isinstance(value, dict):
        raise InvalidTokenError(f"the {what} is not a JSON object")
    return value


def _int_claim(claims: dict[str, Any], name: str) -> int:
    value = claims.get(name)
    if value.__class__ is not int:
        raise InvalidTokenError(f"claim {name!r} is missing or not an integer")
    return int(value)


class TokenCodec:
    """Makes and checks the service's tokens; one per ``OAuthSv``."""

    def __init__(self, conf: AuthConf, clock: Clock) -> None:
        self._alg = conf.jwt_alg
        self._key = conf.jwt_key
        # PERF: the key's inner and outer pads hashed once; each token copies the states.
        self._inner, self._outer = _hmac_states(conf.jwt_key, _HASHES[conf.jwt_alg])
        self._iss = conf.jwt_issuer
        self._aud = conf.jwt_audience
        self._clock = clock
        self.lifetimes = {ACCESS: conf.token_time, REFRESH: conf.rtoken_time}
        # PERF: the header of every token made here; a token with it skips the JSON parse.
        self._head = jwt.encode({}, self._key, algorithm=self._alg, headers={"typ": "JWT"})
        self._head = self._head.partition(".")[0]

    # -- making -----------------------------------------------------------------
    def make(self, kind: str, sub: str, now: float, **extra: Any) -> tuple[str, dict[str, Any]]:
        """A signed token of ``kind`` for account id ``sub``; returns it and its claims."""
        iat = int(now)
        claims: dict[str, Any] = {
            "sub": sub,
            "iat": iat,
            "exp": iat + self.lifetimes[kind],
            "jti": secrets.token_urlsafe(16),
            "iss": self._iss,
            "aud": self._aud,
            "typ": kind,
            **extra,
        }
        token = jwt.encode(claims, self._key, algorithm=self._alg, headers={"typ": "JWT"})
        return token, claims

    # -- checking ---------------------------------------------------------------
    def verify(self, token: Any, kind: str) -> dict[str, Any]:
        """The claims of a valid, unexpired token of ``kind``.

        Raises ``InvalidTokenError`` (malformed, bad signature, wrong algorithm,
        kind, issuer or audience) or ``TokenExpiredError``.
        """
        if token.__class__ is not str or not token.isascii():
            raise InvalidTokenError("a token is an ASCII string")
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidTokenError(f"the token is longer than {MAX_TOKEN_LENGTH} characters")
        parts = token.split(".")
        if len(parts) != 3:
            raise InvalidTokenError("a token has three dot-separated parts")
        head_b64, body_b64, sig_b64 = parts
        if head_b64 != self._head:
            header = _json_object(_b64decode(head_b64, "header"), "header")
            if header.get("alg") != self._alg:
                raise InvalidTokenError(f"the token is not signed with {self._alg}")
            if "crit" in header:
                raise InvalidTokenError("the token names critical extensions")
        # PERF: one HMAC over the raw text before the last dot, from the keyed states.
        inner = self._inner.copy()
        inner.update(token[: len(head_b64) + 1 + len(body_b64)].encode("ascii"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        # Compared as text: the one canonical spelling of the right signature matches.
        expected = b2a_base64(outer.digest(), newline=False).translate(_TO_URL).rstrip(b"=")
        if not hmac.compare_digest(expected, sig_b64.encode("ascii")):
            raise InvalidTokenError("the signature does not verify")
        # The signature covers the payload's text: it is what this service wrote, so the
        # lenient decoder is enough (extra padding is ignored).
        try:
            payload = a2b_base64(body_b64.encode("ascii").translate(_TO_STD) + b"==")
        except (binascii.Error, ValueError):
            raise InvalidTokenError("the payload is not base64url") from None
        claims = _json_object(payload, "payload")
        if claims.get("typ") != kind:
            raise InvalidTokenError(f"this is not {_ARTICLE.get(kind, 'a')} {kind} token")
        if claims.get("iss") != self._iss:
            raise InvalidTokenError("the token was issued by someone else")
        if claims.get("aud") != self._aud:
            raise InvalidTokenError("the token is meant for someone else")
        sub = claims.get("sub")
        if sub.__class__ is not str or _OBJECTID.fullmatch(sub) is None:
            raise InvalidTokenError("claim 'sub' is missing or not an account id")
        jti = claims.get("jti")
        if jti.__class__ is not str or not jti:
            raise InvalidTokenError("claim 'jti' is missing")
        _int_claim(claims, "iat")
        if _int_claim(claims, "exp") <= self._clock():
            raise TokenExpiredError(f"{kind} token")
        return claims
