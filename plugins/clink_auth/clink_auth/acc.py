"""AccSv: accounts, registration and reset codes, groups, and login throttling."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Mapping
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from clink_core import Service, stamp
from clink_core.plugin import CompiledSchema, ExistError, ExpiredError, NonExistError

from .authdb import AuthDbSv
from .clock import Clock, to_dt
from .code import CodeHasher, make_code
from .conf import AuthConf
from .error import BadCredentialsError, RootAccountError
from .model import acc as acc_model
from .model import std
from .throttle import LoginThrottle
from .type import ConfirmCodeSpec

logger = logging.getLogger("clink.auth")

#: The account created from ``AuthConf`` on first load.
ROOT_NAME = "root"
#: ``last_action`` values.
REGISTERED = "REGISTERED"
CHANGED_PASSWORD = "CHANGED_PASSWORD"
RESET_PASSWORD = "RESET_PASSWORD"

_NAME = CompiledSchema(std.acc_name)
_PWD = CompiledSchema(std.acc_pwd)
_EMAIL = CompiledSchema(std.email)
_PHONE = CompiledSchema(std.phone)
_CODE = CompiledSchema(acc_model.confirm_code)
_INDEX_NAME = re.compile(r"index: (\w+?)_(?:unique|1)\b")
#: Never returned by a find: the password hash stays in the database.
_NO_HASH = {"hashpwd": 0}


def _check(label: str, value: Any, schema: CompiledSchema, optional: bool = False) -> None:
    """``TypeError`` for a value that is not a str (the manual's error), ``FormatError``
    for one that breaks the manual's pattern."""
    if optional and value is None:
        return
    if not isinstance(value, str):
        kind = "a str or None" if optional else "a str"
        raise TypeError(f"{label} must be {kind}, got {type(value).__name__}")
    schema.check(label, value)


def _object_id(value: Any) -> ObjectId:
    if isinstance(value, ObjectId):
        return value
    if isinstance(value, str) and ObjectId.is_valid(value):
        return ObjectId(value)
    raise TypeError(f"an account id is a bson ObjectId, got {type(value).__name__}")


def dup_field(e: DuplicateKeyError) -> str:
    """The field whose unique index ``e`` (E11000) tripped over."""
    details = e.details or {}
    pattern = details.get("keyPattern")
    if isinstance(pattern, Mapping) and pattern:
        return str(next(iter(pattern)))
    m = _INDEX_NAME.search(str(details.get("errmsg") or e))
    return m.group(1) if m else "unique field"


@stamp(AuthDbSv, AuthConf, Clock)
class AccSv(Service):
    """Manage accounts and related concepts.

    The manual's API: ``mk_acc``, ``mk_reg_code``/``cf_reg_code``, ``find_id``,
    ``find_name``, ``find_email``, ``find_phone``, ``find_pwd``, ``rm_acc``,
    ``ch_pwd``, ``mk_rpwd_code``/``cf_rpwd_code``, ``mk_group``, ``rm_group``,
    ``add_to_group``, ``del_fm_group``; plus ``login`` (``find_pwd`` with
    throttling), ``in_group``, ``groups_of``, ``cancel_reg_code`` and
    ``revoke_tokens``.

    A value of the wrong Python type raises ``TypeError`` (as in the manual);
    one that breaks the manual's patterns raises ``FormatError``. Accounts are
    returned as dicts without their password hash. E-mail addresses are stored
    and compared in lower case. Creating the service creates the ``root``
    account from ``AuthConf`` unless it exists (safe when several processes
    start together: a unique index and an upsert).
    """

    def __init__(
        self, authdb_sv: AuthDbSv, auth_conf: AuthConf, clock: Clock | None = None
    ) -> None:
        self.authdb_sv = authdb_sv
        self.conf = auth_conf
        self.clock = clock if clock is not None else Clock()
        self._acc = authdb_sv.acc_doc()
        self._grp = authdb_sv.grp_doc()
        self._rpwd = authdb_sv.rpwd_doc()
        self._acctmp = authdb_sv.acctmp_doc()
        self._rtoken = authdb_sv.rtoken_doc()
        self.throttle = LoginThrottle(authdb_sv.loginfail_doc(), auth_conf, self.clock)
        self.hasher = PasswordHasher(
            time_cost=auth_conf.argon2_time_cost,
            memory_cost=auth_conf.argon2_memory_cost,
            parallelism=auth_conf.argon2_parallelism,
        )
        # Verified against when a name is unknown, so that costs what a real check does.
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        self._code_hash = CodeHasher(auth_conf.jwt_key)
        self._ensure_root()

    # -- accounts -----------------------------------------------------------------
    def mk_acc(
        self, name: str, password: str, email: str, phone: str | None = None
    ) -> ObjectId:
        """Create an account at once (no code); ``ExistError`` if a unique field is taken."""
        self._check_acc(name, password, email, phone)
        now = self.clock()
        doc = self._acc_fields(name, self.hasher.hash(password), email, phone, now)
        try:
            return self._acc.insert_one(doc).inserted_id  # type: ignore[no-any-return]
        except DuplicateKeyError as e:
            field = dup_field(e)
            raise ExistError({field: doc.get(field)}) from None

    def mk_reg_code(
        self, name: str, password: str, email: str, phone: str | None = None
    ) -> ConfirmCodeSpec:
        """Hold name, email and phone for ``code_time`` and return the code that activates them.

        ``ExistError`` names the field an account or a pending registration has
        taken: ``name`` or ``phone`` first, looked up whatever the address, then
        ``email`` (so whether an address is taken never changes the answer about
        the others; the HTTP layer hides the address). The password is hashed
        before anything is looked up, so every request costs the same. The code
        is stored only as a hash.
        """
        self._check_acc(name, password, email, phone)
        email = email.lower()
        hashpwd = self.hasher.hash(password)
        now = self.clock()
        public: list[dict[str, Any]] = [{"name": name}]
        if phone is not None:
            public.append({"phone": phone})
        # An expired registration gives its fields back (the TTL sweep may not have run yet).
        self._acctmp.delete_many({"$or": [*public, {"email": email}], "exp_date": {
            "$lte": to_dt(now)}})
        for wanted in (*public, {"email": email}):
            for coll in (self._acc, self._acctmp):
                if coll.find_one(wanted, {"_id": 1}) is not None:
                    raise ExistError(wanted)
        return self._insert_reg(self._acc_fields(name, hashpwd, email, phone, now), now)

    def hold_reg(self, name: str, phone: str | None = None) -> ConfirmCodeSpec:
        """Hold ``name`` (and ``phone``) for ``code_time`` as a registration would, unconfirmable.

        What ``POST /acc/reg/code`` does when the address is taken: afterwards
        the name is held just as after a real registration, so whether it is
        held tells nothing about the address. The returned code is not mailed
        to anyone; ``cancel_reg_code`` releases the hold, ``cf_reg_code`` refuses
        it (``NonExistError``). ``ExistError`` if the name or phone is taken.
        """
        _check("name", name, _NAME)
        _check("phone", phone, _PHONE, optional=True)
        now = self.clock()
        # The address field must be unique among pending ones: a value no address can be.
        doc: dict[str, Any] = {
            "name": name, "email": f"held-{secrets.token_hex(16)}", "held": True,
            "created_date": now,
        }
        if phone is not None:
            doc["phone"] = phone
        return self._insert_reg(doc, now)

    def _insert_reg(self, doc: dict[str, Any], now: float) -> ConfirmCodeSpec:
        """Store a pending registration under a fresh code; ``ExistError`` for a taken field."""
        exp = now + self.conf.code_time
        doc["exp_date"] = to_dt(exp)
        for _ in range(3):
            code = make_code()
            doc["code_hash"] = self._code_hash(code)
            doc.pop("_id", None)
            try:
                self._acctmp.insert_one(doc)
            except DuplicateKeyError as e:
                field = dup_field(e)
                if field == "code_hash":
                    continue  # 1 in 2**75; draw again
                raise ExistError({field: doc.get(field)}) from None
            return ConfirmCodeSpec(code, to_dt(exp))
        raise RuntimeError("could not draw an unused registration code")  # pragma: no cover

    def cf_reg_code(self, code: str) -> dict[str, Any]:
        """Use a registration code: create its account and return it.

        Single use: the pending registration is taken atomically, so of two
        concurrent confirmations exactly one succeeds. ``NonExistError`` for an
        unknown (or used) code, ``ExpiredError`` for an expired one,
        ``ExistError`` if an account took a field meanwhile.
        """
        _check("code", code, _CODE)
        code_hash = self._code_hash(code)
        now = self.clock()
        mine = {"code_hash": code_hash, "held": {"$ne": True}}  # a hold is no registration
        tmp = self._acctmp.find_one_and_delete({**mine, "exp_date": {"$gt": to_dt(now)}})
        if tmp is None:
            if self._acctmp.find_one(mine, {"_id": 1}) is not None:
                raise ExpiredError({"code": None})
            raise NonExistError({"code": None})
        doc = self._acc_fields(
            tmp["name"], tmp["hashpwd"], tmp["email"], tmp.get("phone"), now
        )
        try:
            acc_id = self._acc.insert_one(doc).inserted_id
        except DuplicateKeyError as e:
            field = dup_field(e)
            raise ExistError({field: doc.get(field)}) from None
        return self.find_id(acc_id) or {}

    def cancel_reg_code(self, code: str) -> bool:
        """Drop the pending registration of ``code`` (e.g. its mail could not be sent)."""
        _check("code", code, _CODE)
        return self._acctmp.delete_one({"code_hash": self._code_hash(code)}).deleted_count == 1

    def find_id(self, id: ObjectId) -> dict[str, Any] | None:
        """Find an account by identity; ``None`` when there is none."""
        return self._acc.find_one({"_id": _object_id(id)}, _NO_HASH)

    def find_name(self, name: str) -> dict[str, Any] | None:
        """Find an account by name."""
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        return self._acc.find_one({"name": name}, _NO_HASH)

    def find_email(self, email: str) -> dict[str, Any] | None:
        """Find an account by e-mail address (case does not matter)."""
        if not isinstance(email, str):
            raise TypeError(f"email must be a str, got {type(email).__name__}")
        return self._acc.find_one({"email": email.lower()}, _NO_HASH)

    def find_phone(self, phone: str) -> dict[str, Any] | None:
        """Find an account by phone number."""
        if not isinstance(phone, str):
            raise TypeError(f"phone must be a str, got {type(phone).__name__}")
        return self._acc.find_one({"phone": phone}, _NO_HASH)

    def find_pwd(self, name: str, pwd: str) -> dict[str, Any] | None:
        """Find an account by name and password; ``None`` when either is wrong.

        An unknown name costs one argon2 verification too (of a dummy hash), so
        timing does not tell which names exist. A hash made with other
        parameters than the configured ones is replaced on success.
        """
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        if not isinstance(pwd, str):
            raise TypeError(f"pwd must be a str, got {type(pwd).__name__}")
        acc = self._acc.find_one({"name": name})
        if acc is None:
            self._verify(self._dummy_hash, pwd)
            return None
        hashpwd = acc.pop("hashpwd", None)
        if not isinstance(hashpwd, str) or not self._verify(hashpwd, pwd):
            return None
        if self.hasher.check_needs_rehash(hashpwd):
            # Only if unchanged meanwhile: never undo a concurrent password change.
            self._acc.update_one(
                {"_id": acc["_id"], "hashpwd": hashpwd},
                {"$set": {"hashpwd": self.hasher.hash(pwd)}},
            )
        return acc

    def login(self, name: str, pwd: str, client: str | None = None) -> dict[str, Any]:
        """``find_pwd`` under login throttling: the account, or an error.

        ``client`` is the address the attempt came from (``req.client_addr``);
        ``None`` counts it under one shared "no address" client. The attempt is
        counted in MongoDB before the password is checked, per (name, client)
        and per client (see ``throttle``); past a limit ``LoginThrottledError``
        (with ``retry_after``) is raised without any argon2 work. A wrong name
        or password raises ``BadCredentialsError``; a success clears the
        (name, client) count.
        """
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        if client is not None and not isinstance(client, str):
            raise TypeError(f"client must be a str or None, got {type(client).__name__}")
        attempt = self.throttle.begin(name, client)
        acc = self.find_pwd(name, pwd)
        if acc is None:
            raise BadCredentialsError()
        self.throttle.succeeded(attempt)
        return acc

    def reset_login_fails(self, name: str) -> None:
        """Forget the failed logins of account name ``name`` from every client."""
        self.throttle.clear_name(name)

    def rm_acc(self, id: ObjectId) -> None:
        """Remove an account, its group memberships, codes and refresh tokens."""
        acc_id = _object_id(id)
        if self._acc.delete_one({"_id": acc_id}).deleted_count == 0:
            raise NonExistError({"_id": acc_id})
        self._grp.update_many({"acc_ids": acc_id}, {"$pull": {"acc_ids": acc_id}})
        self._rpwd.delete_many({"acc_id": acc_id})
        self.revoke_tokens(acc_id)

    def ch_pwd(self, id: ObjectId, new_pwd: str) -> None:
        """Change an account's password; revokes all its refresh tokens and reset codes."""
        self._set_pwd(_object_id(id), new_pwd, CHANGED_PASSWORD)

    def mk_rpwd_code(self, email: str) -> ConfirmCodeSpec:
        """A reset-password code for the account of ``email``; ``NonExistError`` if none."""
        _check("email", email, _EMAIL)
        acc = self._acc.find_one({"email": email.lower()}, {"_id": 1})
        if acc is None:
            raise NonExistError({"email": email})
        now = self.clock()
        exp = now + self.conf.code_time
        for _ in range(3):
            code = make_code()
            try:
                self._rpwd.insert_one({
                    "code_hash": self._code_hash(code),
                    "acc_id": acc["_id"],
                    "created_date": now,
                    "exp_date": to_dt(exp),
                })
            except DuplicateKeyError:
                continue  # 1 in 2**75; draw again
            return ConfirmCodeSpec(code, to_dt(exp))
        raise RuntimeError("could not draw an unused reset code")  # pragma: no cover

    def cf_rpwd_code(self, code: str, new_pwd: str) -> ObjectId:
        """Reset a password with a code; returns the account's id.

        Single use and atomic like ``cf_reg_code``; the account's other reset
        codes, its refresh tokens and its failed-login count are dropped.
        ``NonExistError`` for an unknown code, ``ExpiredError`` for an expired one.
        """
        _check("code", code, _CODE)
        _check("new_pwd", new_pwd, _PWD)
        code_hash = self._code_hash(code)
        doc = self._rpwd.find_one_and_delete(
            {"code_hash": code_hash, "exp_date": {"$gt": to_dt(self.clock())}}
        )
        if doc is None:
            if self._rpwd.find_one({"code_hash": code_hash}, {"_id": 1}) is not None:
                raise ExpiredError({"code": None})
            raise NonExistError({"code": None})
        acc_id: ObjectId = doc["acc_id"]
        self._set_pwd(acc_id, new_pwd, RESET_PASSWORD)
        acc = self._acc.find_one({"_id": acc_id}, {"name": 1})
        if acc is not None:
            self.reset_login_fails(acc["name"])
        return acc_id

    def revoke_tokens(self, acc_id: ObjectId) -> int:
        """Revoke every refresh token of an account; returns how many were live."""
        result = self._rtoken.update_many(
            {"acc_id": _object_id(acc_id), "revoked": False}, {"$set": {"revoked": True}}
        )
        return result.modified_count

    # -- groups -------------------------------------------------------------------
    def mk_group(self, group_name: str) -> None:
        """Create a group; ``ExistError`` if it exists."""
        _check("group_name", group_name, _NAME)
        try:
            self._grp.insert_one({"name": group_name, "acc_ids": []})
        except DuplicateKeyError:
            raise ExistError({"group_name": group_name}) from None

    def rm_group(self, group_name: str) -> None:
        """Remove a group; ``NonExistError`` if there is none."""
        _check("group_name", group_name, _NAME)
        if self._grp.delete_one({"name": group_name}).deleted_count == 0:
            raise NonExistError({"group_name": group_name})

    def add_to_group(self, acc_id: ObjectId, group_name: str) -> None:
        """Put an account into a group (once); ``NonExistError`` for a missing account or group."""
        acc_id = _object_id(acc_id)
        _check("group_name", group_name, _NAME)
        if self._acc.find_one({"_id": acc_id}, {"_id": 1}) is None:
            raise NonExistError({"acc_id": acc_id})
        result = self._grp.update_one({"name": group_name}, {"$addToSet": {"acc_ids": acc_id}})
        if result.matched_count == 0:
            raise NonExistError({"group_name": group_name})

    def del_fm_group(self, acc_id: ObjectId, group_name: str) -> None:
        """Remove an account from a group; ``NonExistError`` if the group does not exist."""
        acc_id = _object_id(acc_id)
        _check("group_name", group_name, _NAME)
        result = self._grp.update_one({"name": group_name}, {"$pull": {"acc_ids": acc_id}})
        if result.matched_count == 0:
            raise NonExistError({"group_name": group_name})

    def in_group(self, acc_id: ObjectId, group_name: str) -> bool:
        """Whether the account is a member of the group (one indexed query)."""
        query = {"name": group_name, "acc_ids": _object_id(acc_id)}
        return self._grp.find_one(query, {"_id": 1}) is not None

    def groups_of(self, acc_id: ObjectId) -> list[str]:
        """Names of the groups the account belongs to, sorted."""
        docs = self._grp.find({"acc_ids": _object_id(acc_id)}, {"name": 1})
        return sorted(doc["name"] for doc in docs)

    # -- inside -------------------------------------------------------------------
    @staticmethod
    def _check_acc(name: Any, password: Any, email: Any, phone: Any) -> None:
        _check("name", name, _NAME)
        _check("password", password, _PWD)
        _check("email", email, _EMAIL)
        _check("phone", phone, _PHONE, optional=True)

    @staticmethod
    def _acc_fields(
        name: str, hashpwd: str, email: str, phone: str | None, now: float
    ) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "name": name,
            "email": email.lower(),
            "hashpwd": hashpwd,
            "created_date": now,
            "modified_date": now,
            "last_action": REGISTERED,
        }
        if phone is not None:  # absent, not null: the unique index skips it
            doc["phone"] = phone
        return doc

    def _verify(self, hashpwd: str, pwd: str) -> bool:
        try:
            return self.hasher.verify(hashpwd, pwd)
        except VerificationError:  # includes VerifyMismatchError
            return False
        except InvalidHashError:
            logger.error("an account's password hash is not an argon2 hash; login refused")
            return False

    def _set_pwd(self, acc_id: ObjectId, new_pwd: str, action: str) -> None:
        _check("new_pwd", new_pwd, _PWD)
        result = self._acc.update_one(
            {"_id": acc_id},
            {"$set": {
                "hashpwd": self.hasher.hash(new_pwd),
                "modified_date": self.clock(),
                "last_action": action,
            }},
        )
        if result.matched_count == 0:
            raise NonExistError({"_id": acc_id})
        self._rpwd.delete_many({"acc_id": acc_id})
        self.revoke_tokens(acc_id)

    def _ensure_root(self) -> None:
        if self._acc.find_one({"name": ROOT_NAME}, {"_id": 1}) is not None:
            return
        fields = self._acc_fields(
            ROOT_NAME, self.hasher.hash(self.conf.root_pwd), self.conf.root_email, None,
            self.clock(),
        )
        del fields["name"]
        try:
            self._acc.update_one({"name": ROOT_NAME}, {"$setOnInsert": fields}, upsert=True)
        except DuplicateKeyError as e:
            if dup_field(e) == "name":
                return  # another process created it at the same moment
            raise RootAccountError(
                f"cannot create the root account: its e-mail address {self.conf.root_email!r} "
                "belongs to another account; change AuthConf root_email or that account's "
                "address"
            ) from None
        logger.info("created the root account")
