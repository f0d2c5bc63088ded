"""AuthDbSv: the collections of accounts, groups, codes and tokens, with their indexes."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.collection import Collection

from clink_core import Service, stamp
from clink_mongo import MongoDocSpec, MongoSv

ACC_DOC = "acc"
GRP_DOC = "grp"
RPWD_DOC = "rpwd"
ACCTMP_DOC = "acctmp"
RTOKEN_DOC = "rtoken"
LOGINFAIL_DOC = "loginfail"

# A phone is optional: only documents whose phone is a string take part in its
# unique index (a partial index; a sparse one would still index an explicit null).
_PHONE_UNIQUE = IndexModel(
    [("phone", ASCENDING)],
    name="phone_unique",
    unique=True,
    partialFilterExpression={"phone": {"$type": "string"}},
)


def _unique(field: str) -> IndexModel:
    return IndexModel([(field, ASCENDING)], name=f"{field}_unique", unique=True)


def _ttl(field: str = "exp_date") -> IndexModel:
    # Clean-up only: every expiry is checked in code, TTL sweeps run late.
    return IndexModel([(field, ASCENDING)], name=f"{field}_ttl", expireAfterSeconds=0)


def _plain(field: str) -> IndexModel:
    return IndexModel([(field, ASCENDING)], name=f"{field}_1")


#: Every collection the auth services use, with its indexes.
DOC_SPECS = (
    # accounts: {_id, name, email, phone?, hashpwd, created_date, modified_date, last_action}
    MongoDocSpec(ACC_DOC, [_unique("name"), _unique("email"), _PHONE_UNIQUE]),
    # groups: {_id, name, acc_ids: [ObjectId]}
    MongoDocSpec(GRP_DOC, [_unique("name"), _plain("acc_ids")]),
    # reset-password codes: {_id, code_hash, acc_id, exp_date, created_date}
    MongoDocSpec(RPWD_DOC, [_unique("code_hash"), _plain("acc_id"), _ttl()]),
    # registrations waiting for their code: an account's fields + code_hash, exp_date.
    # Unique like accounts, so a pending registration holds its name, email and phone.
    MongoDocSpec(
        ACCTMP_DOC,
        [_unique("name"), _unique("email"), _PHONE_UNIQUE, _unique("code_hash"), _ttl()],
    ),
    # refresh tokens: {_id: jti, fam, acc_id, exp_date, created_date, retired, revoked}
    MongoDocSpec(RTOKEN_DOC, [_plain("fam"), _plain("acc_id"), _ttl()]),
    # login throttle counters (throttle.py): {_id, kind, client, name?, start, count, exp_date}
    MongoDocSpec(LOGINFAIL_DOC, [_plain("name"), _ttl()]),
)


@stamp(MongoSv)
class AuthDbSv(Service):
    """Ensures the database suits both ``AccSv`` and ``OAuthSv``: collections and indexes.

    Creating it creates the indexes (unique account name, email and phone;
    unique code hashes; TTL clean-up of expired codes, tokens and login
    counters), so the database must be reachable when the app loads.
    """

    def __init__(self, mongo_sv: MongoSv) -> None:
        self.mongo_sv = mongo_sv
        mongo_sv.use_docspecs(DOC_SPECS)
        self._acc: Collection[dict[str, Any]] = mongo_sv.doc(ACC_DOC)
        self._grp: Collection[dict[str, Any]] = mongo_sv.doc(GRP_DOC)
        self._rpwd: Collection[dict[str, Any]] = mongo_sv.doc(RPWD_DOC)
        self._acctmp: Collection[dict[str, Any]] = mongo_sv.doc(ACCTMP_DOC)
        self._rtoken: Collection[dict[str, Any]] = mongo_sv.doc(RTOKEN_DOC)
        self._loginfail: Collection[dict[str, Any]] = mongo_sv.doc(LOGINFAIL_DOC)

    def acc_doc(self) -> Collection[dict[str, Any]]:
        """Return the account collection."""
        return self._acc

    def grp_doc(self) -> Collection[dict[str, Any]]:
        """Return the group collection."""
        return self._grp

    def rpwd_doc(self) -> Collection[dict[str, Any]]:
        """Return the reset-password code collection.

        (The manual's docstring says "refresh token collection"; refresh tokens
        have their own, ``rtoken_doc``.)
        """
        return self._rpwd

    def acctmp_doc(self) -> Collection[dict[str, Any]]:
        """Return the temporary account collection (registrations awaiting their code)."""
        return self._acctmp

    def rtoken_doc(self) -> Collection[dict[str, Any]]:
        """Return the refresh token collection."""
        return self._rtoken

    def loginfail_doc(self) -> Collection[dict[str, Any]]:
        """Return the collection of login throttle counters (per name and client, per client)."""
        return self._loginfail
