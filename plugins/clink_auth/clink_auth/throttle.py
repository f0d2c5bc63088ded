"""Login throttling: per (account name, client) and per client, counted in MongoDB.

Counting per account name alone let anyone lock anyone out (root included)
and let an attacker rotating names spend the server's CPU on argon2. Here,
as OWASP's authentication cheat sheet and django-axes advise, a failure
counts against the pair (name, client address) and against the client
address; nothing counts against a name alone, so a client that has not
failed logs in whatever others do. Three counters, each a document
``{_id, kind, name?, client, start, count, exp_date}`` in ``loginfail``,
shared by every worker and host:

- ``pair``: failed logins of one name from one client (``login_max_fails``);
  a success deletes it;
- ``fails``: failed logins of any name from one client
  (``login_client_max_fails``); a success gives its one back;
- ``checks``: argon2 verifications from one client, failed or not
  (``login_client_max_checks``): the cap on the work one client can cause.

Each counter is a fixed window of ``login_fail_window`` seconds from its
first count. An attempt takes one from each counter *before* the password
is checked (one atomic ``$inc`` each), so concurrent guesses on any number
of workers never get more checks than the limits; a counter past its limit
gives its one back and the attempt is refused with ``LoginThrottledError``,
before any argon2 work. IPv6 clients are counted per /64, the block one
subscriber usually holds.
"""

from __future__ import annotations

import ipaddress
import math
from typing import Any, NamedTuple

from pymongo import ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from .clock import Clock, to_dt
from .conf import AuthConf
from .error import LoginThrottledError

PAIR = "pair"
FAILS = "fails"
CHECKS = "checks"
#: The client of a login that came without an address (a service called directly).
NO_CLIENT = "-"
_REASONS = {
    PAIR: "too many failed logins for this account name from your address",
    FAILS: "too many failed logins from your address",
    CHECKS: "too many password checks from your address",
}


def client_key(addr: str | None) -> str:
    """The address a client is counted under: an IPv4 address or an IPv6 /64, as text.

    An IPv4-mapped IPv6 address counts as its IPv4 address; anything that is not
    an IP address (a Unix socket's peer) is kept, without spaces, cut to 64 characters.
    """
    if not addr:
        return NO_CLIENT
    try:
        ip = ipaddress.ip_address(addr.strip())
    except ValueError:
        return "".join(addr.split())[:64] or NO_CLIENT
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class Count(NamedTuple):
    """One counter an attempt took one from: its ``_id`` and its window's ``start``."""

    key: str
    start: float


class Attempt(NamedTuple):
    """The counts a login attempt holds until it is known to have succeeded."""

    pair: Count
    fails: Count
    checks: Count


def _key(kind: str, client: str, name: str | None = None) -> str:
    # The client holds no space, so a name (last, any text) cannot fake another key.
    return f"{kind} {client}" if name is None else f"{kind} {client} {name}"


class LoginThrottle:
    """The three login counters over one collection (``AuthDbSv.loginfail_doc()``)."""

    def __init__(
        self, coll: Collection[dict[str, Any]], conf: AuthConf, clock: Clock
    ) -> None:
        self._coll = coll
        self._clock = clock
        self.window = conf.login_fail_window
        self._limits = {
            PAIR: conf.login_max_fails,
            FAILS: conf.login_client_max_fails,
            CHECKS: conf.login_client_max_checks,
        }

    def begin(self, name: str, addr: str | None) -> Attempt:
        """Count an attempt of ``name`` from ``addr`` before its password is checked.

        Raises ``LoginThrottledError`` (nothing counted) when a counter is at its limit.
        """
        client = client_key(addr)
        now = self._clock()
        taken: list[Count] = []
        for kind, key, fields in (
            (PAIR, _key(PAIR, client, name), {"name": name}),
            (FAILS, _key(FAILS, client), {}),
            (CHECKS, _key(CHECKS, client), {}),
        ):
            try:
                taken.append(self._take(kind, key, {"kind": kind, "client": client, **fields}, now))
            except LoginThrottledError:
                for count in taken:
                    self._give_back(count)
                raise
        return Attempt(*taken)

    def succeeded(self, attempt: Attempt) -> None:
        """The password was right: the pair's failures are forgotten, the client's fail back."""
        self._coll.delete_one({"_id": attempt.pair.key})
        self._give_back(attempt.fails)

    def clear_name(self, name: str) -> None:
        """Forget every failed login of ``name``, from every client (a password reset)."""
        self._coll.delete_many({"kind": PAIR, "name": name})

    # -- inside -------------------------------------------------------------------
    def _take(self, kind: str, key: str, fields: dict[str, Any], now: float) -> Count:
        window = self.window
        for _ in range(5):
            doc = self._coll.find_one_and_update(
                {"_id": key, "start": {"$gt": now - window}},
                {"$inc": {"count": 1}},
                return_document=ReturnDocument.AFTER,
            )
            if doc is None:
                try:  # no counter, or an old one: start a new window
                    doc = self._coll.find_one_and_update(
                        {"_id": key, "start": {"$lte": now - window}},
                        {"$set": {
                            **fields, "start": now, "count": 1, "exp_date": to_dt(now + window),
                        }},
                        upsert=True,
                        return_document=ReturnDocument.AFTER,
                    )
                except DuplicateKeyError:
                    continue  # another worker started the window first: count in it
            if doc is not None:
                break
        else:  # pragma: no cover - five lost races in a row
            raise LoginThrottledError(1, "too many logins at once from your address")
        count = Count(key, doc["start"])
        if doc["count"] > self._limits[kind]:
            self._give_back(count)
            raise LoginThrottledError(
                max(1, math.ceil(doc["start"] + window - now)), _REASONS[kind]
            )
        return count

    def _give_back(self, count: Count) -> None:
        """Undo one count, in the window it was taken in (a new window owes nothing)."""
        self._coll.update_one(
            {"_id": count.key, "start": count.start, "count": {"$gt": 0}},
            {"$inc": {"count": -1}},
        )
