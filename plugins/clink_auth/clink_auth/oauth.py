"""OAuthSv: tokens from a password or a refresh token, and authentication of requests."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from clink_core import Service, stamp
from clink_core.plugin import Http401Error

from .acc import AccSv
from .authdb import AuthDbSv
from .clock import Clock, to_dt
from .conf import AuthConf
from .error import InvalidTokenError, TokenExpiredError, TokenRevokedError
from .token import ACCESS, REFRESH, TokenCodec
from .type import Principal

#: ``WWW-Authenticate`` when no bearer token came (RFC 6750 §3: no error code then).
CHALLENGE = "Bearer"
#: How many verified access tokens an ``OAuthSv`` remembers (at most 4 KiB each).
SEEN_TOKENS = 1024


def challenge(error: str, description: str) -> dict[str, str]:
    """The ``WWW-Authenticate`` header of a 401 for a token that was sent but is bad."""
    return {"WWW-Authenticate": f'Bearer error="{error}", error_description="{description}"'}


@stamp(AuthDbSv, AccSv, AuthConf, Clock)
class OAuthSv(Service):
    """Limited OAuth2: the password and refresh-token grants, bearer access tokens.

    Access tokens are verified from their signature alone (no database
    access); refresh tokens are single use: each one returns a new pair and is
    retired, and presenting a retired one revokes its whole family (every
    token descended from the same password login).
    """

    def __init__(
        self,
        authdb_sv: AuthDbSv,
        acc_sv: AccSv,
        auth_conf: AuthConf,
        clock: Clock | None = None,
    ) -> None:
        self.acc_sv = acc_sv
        self.conf = auth_conf
        self.clock = clock if clock is not None else Clock()
        self.codec = TokenCodec(auth_conf, self.clock)
        self._rtoken = authdb_sv.rtoken_doc()
        # PERF: access tokens whose signature and claims were verified, with their expiry:
        # a client sends the same token for its whole lifetime, so its HMAC is computed
        # once. Sound because an access token is only ever checked by its signature and
        # expiry (it cannot be revoked, only expire, and expiry is checked on every
        # request); groups are still read on every request, refresh tokens never kept.
        self._seen: dict[str, tuple[Principal, int]] = {}

    # -- grants -------------------------------------------------------------------
    def mktoken_pwd(
        self, name: str, password: str, client: str | None = None
    ) -> dict[str, Any]:
        """A token pair from an account name and password (RFC 6749 §4.3).

        ``client`` is the address the login came from (``req.client_addr``), which
        the throttle counts failures under (``AccSv.login``). Raises
        ``BadCredentialsError`` (a ``NonExistError``) for a wrong name or password
        and ``LoginThrottledError`` after too many failures.
        """
        if not isinstance(password, str):
            raise TypeError(f"password must be a str, got {type(password).__name__}")
        acc = self.acc_sv.login(name, password, client)
        return self._issue(acc["_id"], acc["name"], None)

    def mktoken_rtoken(self, rtoken: str) -> dict[str, Any]:
        """A new token pair from a refresh token (RFC 6749 §6), which is retired.

        Raises ``TokenExpiredError`` for an expired token, ``TokenRevokedError``
        for a used, revoked or unknown one (a used one also revokes its family)
        and ``InvalidTokenError`` for anything that is not this service's
        refresh token.
        """
        if not isinstance(rtoken, str):
            raise TypeError(f"rtoken must be a str, got {type(rtoken).__name__}")
        claims = self.codec.verify(rtoken, REFRESH)
        now = self.clock()
        jti = claims["jti"]
        doc = self._rtoken.find_one_and_update(
            {"_id": jti, "retired": False, "revoked": False},
            {"$set": {"retired": True, "retired_date": now}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            old = self._rtoken.find_one({"_id": jti})
            if old is None:
                raise TokenRevokedError("the refresh token is unknown")
            if old.get("retired") and not old.get("revoked"):
                self.revoke_family(old["fam"])
                raise TokenRevokedError(
                    "the refresh token was already used; every token of its family is revoked"
                )
            raise TokenRevokedError("the refresh token was revoked")
        # A family revoked while this token was in flight leaves revoked siblings.
        if self._rtoken.find_one({"fam": doc["fam"], "revoked": True}, {"_id": 1}):
            self.revoke_family(doc["fam"])
            raise TokenRevokedError("the refresh token was revoked")
        acc = self.acc_sv.find_id(doc["acc_id"])
        if acc is None:
            self.revoke_family(doc["fam"])
            raise TokenRevokedError("the account of the refresh token no longer exists")
        return self._issue(acc["_id"], acc["name"], doc["fam"])

    def revoke_family(self, fam: str) -> int:
        """Revoke every refresh token of a family; returns how many were live."""
        result = self._rtoken.update_many(
            {"fam": fam, "revoked": False}, {"$set": {"revoked": True}}
        )
        return result.modified_count

    # -- authentication -------------------------------------------------------------
    def authen(self, access_token: str) -> ObjectId:
        """The account id an access token speaks for.

        Raises ``InvalidTokenError`` (a ``FormatError``) or ``TokenExpiredError``
        (an ``ExpiredError``). No database access.
        """
        return ObjectId(self.codec.verify(access_token, ACCESS)["sub"])

    def authen_principal(self, req: Any) -> Principal:
        """The ``Principal`` of a request's bearer token; 401 with ``WWW-Authenticate`` if none.

        The ``Authorization`` scheme is case-insensitive (``bearer`` works).
        No token: ``WWW-Authenticate: Bearer``; a bad or expired token: also
        ``error="invalid_token"`` and a description.
        """
        env = req.env
        # PERF: straight from the environ; req.header builds a dict of every header.
        raw = env.get("HTTP_AUTHORIZATION") if env is not None else req.header.get(
            "AUTHORIZATION"
        )
        if not raw:
            raise Http401Error(
                "authentication required: send 'Authorization: Bearer <access token>'",
                {"WWW-Authenticate": CHALLENGE},
            )
        scheme, _, token = raw.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Http401Error(
                "the Authorization header must be 'Bearer <access token>'",
                {"WWW-Authenticate": CHALLENGE},
            )
        seen = self._seen.get(token)
        if seen is not None:
            if seen[1] > self.clock():
                return seen[0]
            del self._seen[token]
        try:
            claims = self.codec.verify(token, ACCESS)
        except TokenExpiredError:
            raise Http401Error(
                "the access token has expired",
                challenge("invalid_token", "the access token has expired"),
            ) from None
        except InvalidTokenError as e:
            raise Http401Error(
                f"the access token is not valid: {e.reason}",
                challenge("invalid_token", "the access token is not valid"),
            ) from None
        # The claims are shared by every request with this token: read-only.
        principal = Principal(
            ObjectId(claims["sub"]), str(claims.get("name", "")), MappingProxyType(claims)
        )
        self._remember(token, principal, claims["exp"])
        return principal

    def authen_req(self, req: Any) -> ObjectId:
        """The account id of a request's bearer token; 401 (``Http401Error``) if none."""
        return self.authen_principal(req).id

    # -- inside -------------------------------------------------------------------
    def _remember(self, token: str, principal: Principal, exp: int) -> None:
        seen = self._seen
        if len(seen) >= SEEN_TOKENS:
            # Expired ones first; if every one is live, the oldest half goes.
            now = self.clock()
            # list() copies in one step: other threads may add tokens meanwhile
            for key in [k for k, (_, e) in list(seen.items()) if e <= now]:
                seen.pop(key, None)
            if len(seen) >= SEEN_TOKENS:
                for key in list(seen)[: SEEN_TOKENS // 2]:
                    seen.pop(key, None)
        seen[token] = (principal, exp)

    def _issue(self, acc_id: ObjectId, name: str, fam: str | None) -> dict[str, Any]:
        now = self.clock()
        sub = str(acc_id)
        access_token, _ = self.codec.make(ACCESS, sub, now, name=name)
        refresh_token, claims = self.codec.make(REFRESH, sub, now)
        jti = claims["jti"]
        self._rtoken.insert_one({
            "_id": jti,
            "fam": fam or jti,
            "acc_id": acc_id,
            "created_date": now,
            "exp_date": to_dt(claims["exp"]),
            "retired": False,
            "revoked": False,
        })
        return {
            "token_type": "Bearer",
            "expires_in": self.conf.token_time,
            "access_token": access_token,
            "refresh_token": refresh_token,
        }
