"""AuthDbSv and AccSv against a real SecantusDB: the manual's API, codes, groups, throttling."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from auth_helpers import CODE_RE, NEW_PWD, PWD, ROOT_EMAIL, ROOT_PWD, make_conf, race
from bson import ObjectId
from pymongo.collection import Collection

from clink_auth import (
    CHANGED_PASSWORD,
    REGISTERED,
    RESET_PASSWORD,
    AccSv,
    AuthDbSv,
    BadCredentialsError,
    ConfirmCodeSpec,
    FakeClock,
    LoginThrottledError,
    OAuthSv,
    RootAccountError,
)
from clink_core.dflow import ExistError, ExpiredError, FormatError, NonExistError
from clink_mongo import MongoConf, MongoSv

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def authdb(mongo_sv):
    return AuthDbSv(mongo_sv)


@pytest.fixture
def acc(authdb, clock):
    return AccSv(authdb, make_conf("127.0.0.1", 2525), clock)


@pytest.fixture
def oauth(authdb, acc, clock):
    return OAuthSv(authdb, acc, make_conf("127.0.0.1", 2525), clock)


# -- AuthDbSv -------------------------------------------------------------
def test_authdb_collections_and_indexes(authdb):
    docs = {
        "acc": authdb.acc_doc(), "grp": authdb.grp_doc(), "rpwd": authdb.rpwd_doc(),
        "acctmp": authdb.acctmp_doc(), "rtoken": authdb.rtoken_doc(),
        "loginfail": authdb.loginfail_doc(),
    }
    for name, doc in docs.items():
        assert isinstance(doc, Collection) and doc.name == name
    acc = authdb.acc_doc().index_information()
    assert acc["name_unique"]["unique"] and acc["email_unique"]["unique"]
    assert acc["phone_unique"]["unique"]
    assert acc["phone_unique"]["partialFilterExpression"] == {"phone": {"$type": "string"}}
    tmp = authdb.acctmp_doc().index_information()
    assert {"name_unique", "email_unique", "phone_unique", "code_hash_unique",
            "exp_date_ttl"} <= set(tmp)
    for doc in ("rpwd", "acctmp", "rtoken", "loginfail"):
        info = docs[doc].index_information()["exp_date_ttl"]
        assert info["expireAfterSeconds"] == 0
    assert authdb.rpwd_doc().index_information()["code_hash_unique"]["unique"]
    assert "name_1" in authdb.loginfail_doc().index_information()


def test_every_registration_request_hashes_the_password(acc, monkeypatch):
    """A taken address must cost what a free one does: the hash comes before the lookups."""
    hashed = []
    real = acc.hasher.hash
    monkeypatch.setattr(acc, "hasher", SpyHasher(acc.hasher))
    monkeypatch.setattr(acc.hasher, "hash", lambda pwd: hashed.append(pwd) or real(pwd),
                        raising=False)
    acc.mk_acc("alice", PWD, "alice@example.org")
    for args in (("bob", NEW_PWD, "alice@example.org"), ("alice", NEW_PWD, "b@example.org")):
        with pytest.raises(ExistError):
            acc.mk_reg_code(*args)
    acc.mk_reg_code("bob", NEW_PWD, "b@example.org")
    assert hashed == [PWD, NEW_PWD, NEW_PWD, NEW_PWD]


# -- root -------------------------------------------------------------
def test_root_is_created_once_from_the_conf(acc, authdb):
    root = acc.find_pwd("root", ROOT_PWD)
    assert (root["name"], root["email"], root["last_action"]) == ("root", ROOT_EMAIL, REGISTERED)
    assert "hashpwd" not in root
    stored = authdb.acc_doc().find_one({"name": "root"})
    assert stored["hashpwd"].startswith("$argon2id$") and ROOT_PWD not in str(stored)
    # another service on the same database (a restart) does not create or change it
    AccSv(authdb, make_conf("127.0.0.1", 2525))
    assert authdb.acc_doc().count_documents({"name": "root"}) == 1
    assert authdb.acc_doc().find_one({"name": "root"})["_id"] == root["_id"]


def test_root_created_once_by_several_processes_at_once(mongo_url, mongo_client):
    """Four processes create their AccSv at the same moment: one root."""
    dbname = f"rootrace_{ObjectId()}"
    script = (
        "import sys, time\n"
        "sys.path.insert(0, sys.argv[3])\n"
        "from auth_helpers import make_conf\n"
        "from clink_mongo import MongoConf, MongoSv\n"
        "from clink_auth import AuthDbSv, AccSv\n"
        "sv = MongoSv(MongoConf(sys.argv[1], sys.argv[2]))\n"
        "db = AuthDbSv(sv)\n"
        "start = float(sys.argv[4])\n"
        "time.sleep(max(0, start - time.time()))\n"
        "AccSv(db, make_conf('127.0.0.1', 2525))\n"
        "print('ok')\n"
    )
    import time

    start = time.time() + 2.5
    here = str(Path(__file__).parent)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, mongo_url, dbname, here, str(start)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )
        for _ in range(4)
    ]
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=40)
            assert proc.returncode == 0, err
            assert out.strip() == "ok"
        assert mongo_client[dbname]["acc"].count_documents({"name": "root"}) == 1
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
        mongo_client.drop_database(dbname)


def test_root_email_taken_by_another_account(authdb, acc):
    acc.rm_acc(acc.find_name("root")["_id"])
    acc.mk_acc("bob", PWD, ROOT_EMAIL)
    with pytest.raises(RootAccountError, match="belongs to another account"):
        AccSv(authdb, make_conf("127.0.0.1", 2525))


# -- accounts -------------------------------------------------------------
def test_mk_acc_and_find(acc, clock):
    acc_id = acc.mk_acc("alice", PWD, "Alice@Example.org", "+84 123 456 7890")
    assert isinstance(acc_id, ObjectId)
    found = acc.find_id(acc_id)
    assert found == acc.find_name("alice") == acc.find_email("alice@EXAMPLE.org")
    assert found == acc.find_phone("+84 123 456 7890")
    assert found["email"] == "alice@example.org" and "hashpwd" not in found
    assert found["created_date"] == found["modified_date"] == clock()
    assert found["last_action"] == REGISTERED
    assert acc.find_id(str(acc_id)) == found
    assert acc.find_name("nobody") is None and acc.find_id(ObjectId()) is None


@pytest.mark.parametrize("field, args", [
    ("name", ("alice", PWD, "other@example.org")),
    ("email", ("other", PWD, "ALICE@example.org")),
    ("phone", ("other", PWD, "other@example.org", "+84 123 456 7890")),
])
def test_mk_acc_taken_fields(acc, field, args):
    acc.mk_acc("alice", PWD, "alice@example.org", "+84 123 456 7890")
    with pytest.raises(ExistError) as info:
        acc.mk_acc(*args)
    assert list(info.value.indexes) == [field]
    assert str(info.value) == f"already exists: {field}"


def test_accounts_without_phone_do_not_collide(acc):
    acc.mk_acc("alice", PWD, "alice@example.org")
    acc.mk_acc("bob", PWD, "bob@example.org", None)
    assert "phone" not in acc.find_name("bob") or acc.find_name("bob")["phone"] is None


@pytest.mark.parametrize("args, error", [
    ((1, PWD, "a@example.org"), TypeError),
    (("alice", None, "a@example.org"), TypeError),
    (("alice", PWD, b"a@example.org"), TypeError),
    (("alice", PWD, "a@example.org", 84), TypeError),
    (("Alice", PWD, "a@example.org"), FormatError),
    (("alice", "12345", "a@example.org"), FormatError),
    (("alice", PWD, "not-an-address"), FormatError),
    (("alice", PWD, "a@example.org", "0123456789"), FormatError),
])
def test_mk_acc_bad_values(acc, args, error):
    with pytest.raises(error):
        acc.mk_acc(*args)


def test_find_methods_take_strings(acc):
    for method in (acc.find_name, acc.find_email, acc.find_phone):
        with pytest.raises(TypeError):
            method(5)
    with pytest.raises(TypeError):
        acc.find_id(12)
    with pytest.raises(TypeError):
        acc.find_pwd("root", None)


def test_concurrent_mk_acc_of_one_name_makes_one_account(acc, authdb):
    results = race(20, lambda i: acc.mk_acc("dup", PWD, f"dup{i}@example.org"))
    assert len([r for r in results if isinstance(r, ObjectId)]) == 1
    assert len([r for r in results if isinstance(r, ExistError)]) == 19
    assert authdb.acc_doc().count_documents({"name": "dup"}) == 1


# -- passwords -------------------------------------------------------------
def test_find_pwd(acc):
    acc.mk_acc("alice", PWD, "alice@example.org")
    assert acc.find_pwd("alice", PWD)["name"] == "alice"
    assert acc.find_pwd("alice", "wrong-pwd") is None
    assert acc.find_pwd("nobody", PWD) is None


class SpyHasher:
    """Forwards to a PasswordHasher, noting the hashes ``verify`` is asked about."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self.hasher = hasher
        self.verified: list[str] = []

    def verify(self, hashpwd: str, pwd: str) -> bool:
        self.verified.append(hashpwd)
        return self.hasher.verify(hashpwd, pwd)

    def __getattr__(self, name: str):
        return getattr(self.hasher, name)


def test_an_unknown_name_costs_one_argon2_verification(acc, monkeypatch):
    spy = SpyHasher(acc.hasher)
    monkeypatch.setattr(acc, "hasher", spy)
    assert acc.find_pwd("nobody", PWD) is None
    assert len(spy.verified) == 1
    assert spy.verified[0].startswith("$argon2id$v=19$m=1024,t=1,p=1$")  # the configured cost
    acc.mk_acc("alice", PWD, "alice@example.org")
    acc.find_pwd("alice", "wrong-pwd")
    assert len(spy.verified) == 2


def test_unknown_and_known_names_take_about_as_long(authdb):
    """With a hash that costs milliseconds, an unknown name is not measurably faster."""
    import statistics
    import time

    acc = AccSv(authdb, make_conf("127.0.0.1", 2525, argon2_memory_cost=16384))
    acc.mk_acc("alice", PWD, "alice@example.org")

    def timed(name: str) -> float:
        t0 = time.perf_counter()
        acc.find_pwd(name, "wrong-pwd")
        return time.perf_counter() - t0

    known, unknown = [], []
    for _ in range(9):
        known.append(timed("alice"))
        unknown.append(timed("nobody"))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2, (known, unknown)


def test_a_hash_with_old_parameters_is_replaced_on_login(authdb, acc):
    acc.mk_acc("alice", PWD, "alice@example.org")
    old = authdb.acc_doc().find_one({"name": "alice"})["hashpwd"]
    assert old.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    stronger = AccSv(authdb, make_conf("127.0.0.1", 2525, argon2_time_cost=2,
                                       argon2_memory_cost=2048))
    assert stronger.find_pwd("alice", "wrong-pwd") is None
    assert authdb.acc_doc().find_one({"name": "alice"})["hashpwd"] == old  # not on failure
    assert stronger.find_pwd("alice", PWD) is not None
    new = authdb.acc_doc().find_one({"name": "alice"})["hashpwd"]
    assert new.startswith("$argon2id$v=19$m=2048,t=2,p=1$")
    assert PasswordHasher().verify(new, PWD)
    assert acc.find_pwd("alice", PWD) is not None  # the old service still verifies it


def test_ch_pwd(acc, oauth, clock):
    acc_id = acc.mk_acc("alice", PWD, "alice@example.org")
    tokens = oauth.mktoken_pwd("alice", PWD)
    clock.advance(10)
    acc.ch_pwd(acc_id, NEW_PWD)
    found = acc.find_pwd("alice", NEW_PWD)
    assert found["last_action"] == CHANGED_PASSWORD
    assert found["modified_date"] == found["created_date"] + 10
    assert acc.find_pwd("alice", PWD) is None
    with pytest.raises(Exception, match="revoked"):
        oauth.mktoken_rtoken(tokens["refresh_token"])
    with pytest.raises(NonExistError):
        acc.ch_pwd(ObjectId(), NEW_PWD)
    with pytest.raises(FormatError):
        acc.ch_pwd(acc_id, "short")
    with pytest.raises(TypeError):
        acc.ch_pwd(acc_id, 123456)


def test_rm_acc(acc, authdb):
    acc_id = acc.mk_acc("alice", PWD, "alice@example.org")
    acc.mk_group("staff")
    acc.add_to_group(acc_id, "staff")
    acc.mk_rpwd_code("alice@example.org")
    acc.rm_acc(acc_id)
    assert acc.find_id(acc_id) is None
    assert not acc.in_group(acc_id, "staff")
    assert authdb.rpwd_doc().count_documents({"acc_id": acc_id}) == 0
    with pytest.raises(NonExistError):
        acc.rm_acc(acc_id)
    acc.mk_acc("alice", PWD, "alice@example.org")  # the name is free again


# -- registration codes -------------------------------------------------------------
def test_registration_code(acc, authdb, clock):
    spec = acc.mk_reg_code("alice", PWD, "Alice@example.org")
    assert isinstance(spec, ConfirmCodeSpec)
    assert CODE_RE.fullmatch(spec.code)
    assert isinstance(spec.exp_date, datetime)
    assert spec.exp_date.timestamp() == pytest.approx(clock() + 3600, abs=0.01)
    assert spec.code not in repr(spec)
    tmp = authdb.acctmp_doc().find_one({"name": "alice"})
    assert spec.code not in str(tmp) and len(tmp["code_hash"]) == 64
    assert acc.find_name("alice") is None  # nothing before the code is used
    created = acc.cf_reg_code(spec.code.lower())  # people may type it in lower case
    assert created["name"] == "alice" and created["email"] == "alice@example.org"
    assert created["last_action"] == REGISTERED and "hashpwd" not in created
    assert acc.find_pwd("alice", PWD)["_id"] == created["_id"]
    assert authdb.acctmp_doc().count_documents({}) == 0
    with pytest.raises(NonExistError):  # single use
        acc.cf_reg_code(spec.code)


def test_codes_are_random():
    from clink_auth import make_code

    codes = {make_code() for _ in range(200)}
    assert len(codes) == 200 and all(CODE_RE.fullmatch(c) for c in codes)


def test_registration_code_expires(acc, clock):
    spec = acc.mk_reg_code("alice", PWD, "alice@example.org")
    clock.advance(3599)
    other = acc.mk_reg_code("bob", PWD, "bob@example.org")
    clock.advance(1)
    with pytest.raises(ExpiredError):
        acc.cf_reg_code(spec.code)
    assert acc.find_name("alice") is None
    assert acc.cf_reg_code(other.code)["name"] == "bob"


def test_code_time_is_configurable(authdb, clock):
    short = AccSv(authdb, make_conf("127.0.0.1", 2525, code_time=60), clock)
    spec = short.mk_reg_code("alice", PWD, "alice@example.org")
    clock.advance(61)
    with pytest.raises(ExpiredError):
        short.cf_reg_code(spec.code)


def test_a_pending_registration_holds_its_fields_until_it_expires(acc, clock):
    acc.mk_acc("taken", PWD, "taken@example.org", "+84 111 222 3333")
    acc.mk_reg_code("alice", PWD, "alice@example.org", "+84 123 456 7890")
    for args, field in [
        (("alice", PWD, "new@example.org"), "name"),
        (("new", PWD, "ALICE@example.org"), "email"),
        (("new", PWD, "new@example.org", "+84 123 456 7890"), "phone"),
        (("taken", PWD, "new@example.org"), "name"),
        (("new", PWD, "taken@example.org"), "email"),
        (("new", PWD, "new@example.org", "+84 111 222 3333"), "phone"),
        # names and phones are answered first, whatever the address
        (("taken", PWD, "alice@example.org"), "name"),
        (("new", PWD, "taken@example.org", "+84 123 456 7890"), "phone"),
        (("new", PWD, "alice@example.org", "+84 111 222 3333"), "phone"),
    ]:
        with pytest.raises(ExistError) as info:
            acc.mk_reg_code(*args)
        assert list(info.value.indexes) == [field]
    clock.advance(3601)
    spec = acc.mk_reg_code("alice", PWD, "new@example.org", "+84 123 456 7890")
    assert acc.cf_reg_code(spec.code)["email"] == "new@example.org"


def test_a_hold_keeps_a_name_and_phone_like_a_registration(acc, clock):
    held = acc.hold_reg("alice", "+84 123 456 7890")
    for args, field in [
        (("alice", PWD, "a@example.org"), "name"),
        (("bob", PWD, "b@example.org", "+84 123 456 7890"), "phone"),
    ]:
        with pytest.raises(ExistError) as info:
            acc.mk_reg_code(*args)
        assert list(info.value.indexes) == [field]
    with pytest.raises(ExistError):
        acc.hold_reg("alice")
    acc.hold_reg("bob")  # holds do not collide with each other
    with pytest.raises(NonExistError):
        acc.cf_reg_code(held.code)  # nobody can turn a hold into an account
    assert acc.find_name("alice") is None
    assert acc.cancel_reg_code(held.code)
    acc.mk_reg_code("alice", PWD, "a@example.org")
    clock.advance(3601)
    acc.mk_reg_code("bob", PWD, "b@example.org")  # an expired hold gives the name back
    with pytest.raises(FormatError):
        acc.hold_reg("Not A Name")


def test_confirming_when_an_account_took_the_name_meanwhile(acc):
    spec = acc.mk_reg_code("alice", PWD, "alice@example.org")
    acc.mk_acc("alice", PWD, "other@example.org")  # an administrator, say
    with pytest.raises(ExistError):
        acc.cf_reg_code(spec.code)


def test_cancel_reg_code(acc):
    spec = acc.mk_reg_code("alice", PWD, "alice@example.org")
    assert acc.cancel_reg_code(spec.code)
    with pytest.raises(NonExistError):
        acc.cf_reg_code(spec.code)
    acc.mk_reg_code("alice", PWD, "alice@example.org")  # free again


@pytest.mark.parametrize("code, error", [
    (None, TypeError), (1234, TypeError), ("ABCD-EFGH-IJKL", FormatError),
    ("ABCD-EFGH-IJKL-MNO1", FormatError), ("ABCDEFGHIJKLMNOP", FormatError),
])
def test_cf_reg_code_bad_values(acc, code, error):
    with pytest.raises(error):
        acc.cf_reg_code(code)


def test_two_concurrent_confirmations_one_success(acc):
    for n in range(5):
        spec = acc.mk_reg_code(f"user{n}", PWD, f"user{n}@example.org")
        results = race(2, lambda i, code=spec.code: acc.cf_reg_code(code))
        assert len([r for r in results if isinstance(r, dict)]) == 1
        assert len([r for r in results if isinstance(r, NonExistError)]) == 1


# -- reset codes -------------------------------------------------------------
def test_reset_password_code(acc, oauth, clock, authdb):
    acc_id = acc.mk_acc("alice", PWD, "alice@example.org")
    tokens = oauth.mktoken_pwd("alice", PWD)
    first = acc.mk_rpwd_code("ALICE@example.org")
    second = acc.mk_rpwd_code("alice@example.org")
    assert CODE_RE.fullmatch(first.code) and first.code != second.code
    assert first.code not in str(list(authdb.rpwd_doc().find()))
    assert acc.cf_rpwd_code(first.code, NEW_PWD) == acc_id
    assert acc.find_pwd("alice", NEW_PWD)["last_action"] == RESET_PASSWORD
    with pytest.raises(NonExistError):  # single use
        acc.cf_rpwd_code(first.code, PWD)
    with pytest.raises(NonExistError):  # the account's other codes are dropped too
        acc.cf_rpwd_code(second.code, PWD)
    with pytest.raises(Exception, match="revoked"):
        oauth.mktoken_rtoken(tokens["refresh_token"])


def test_reset_code_of_an_unknown_address(acc):
    with pytest.raises(NonExistError):
        acc.mk_rpwd_code("nobody@example.org")
    with pytest.raises(TypeError):
        acc.mk_rpwd_code(None)


def test_reset_code_expires_and_a_bad_password_does_not_use_it(acc, clock):
    acc.mk_acc("alice", PWD, "alice@example.org")
    spec = acc.mk_rpwd_code("alice@example.org")
    with pytest.raises(FormatError):
        acc.cf_rpwd_code(spec.code, "short")
    clock.advance(3600)
    with pytest.raises(ExpiredError):
        acc.cf_rpwd_code(spec.code, NEW_PWD)
    assert acc.find_pwd("alice", PWD) is not None


# -- groups -------------------------------------------------------------
def test_groups(acc):
    alice = acc.mk_acc("alice", PWD, "alice@example.org")
    bob = acc.mk_acc("bob", PWD, "bob@example.org")
    acc.mk_group("admin")
    acc.mk_group("staff")
    with pytest.raises(ExistError):
        acc.mk_group("admin")
    acc.add_to_group(alice, "admin")
    acc.add_to_group(alice, "admin")  # once
    acc.add_to_group(alice, "staff")
    acc.add_to_group(bob, "staff")
    assert acc.in_group(alice, "admin") and not acc.in_group(bob, "admin")
    assert acc.groups_of(alice) == ["admin", "staff"]
    acc.del_fm_group(alice, "admin")
    assert acc.groups_of(alice) == ["staff"]
    acc.rm_group("staff")
    assert acc.groups_of(alice) == [] == acc.groups_of(bob)
    with pytest.raises(NonExistError):
        acc.rm_group("staff")
    with pytest.raises(NonExistError):
        acc.add_to_group(alice, "staff")
    with pytest.raises(NonExistError):
        acc.add_to_group(ObjectId(), "admin")
    with pytest.raises(NonExistError):
        acc.del_fm_group(alice, "nogroup")
    with pytest.raises(FormatError):
        acc.mk_group("Bad Name")
    with pytest.raises(TypeError):
        acc.mk_group(None)


# -- login throttling -------------------------------------------------------------
ATTACKER = "203.0.113.7"
OWNER = "198.51.100.1"


def test_login_throttling_per_name_and_client(acc, clock, authdb):
    acc.mk_acc("alice", PWD, "alice@example.org")
    for _ in range(5):
        with pytest.raises(BadCredentialsError):
            acc.login("alice", "wrong-pwd", ATTACKER)
        clock.advance(10)
    with pytest.raises(LoginThrottledError) as info:
        acc.login("alice", PWD, ATTACKER)  # the right password, from the client that failed
    assert info.value.retry_after == 900 - 50
    assert "for this account name from your address" in str(info.value)
    state = authdb.loginfail_doc().find_one({"_id": f"pair {ATTACKER} alice"})
    assert (state["kind"], state["name"], state["client"], state["count"]) == (
        "pair", "alice", ATTACKER, 5)  # the refused attempt took nothing
    # another "process" (service) on the same database sees the same state
    other = AccSv(authdb, make_conf("127.0.0.1", 2525), clock)
    with pytest.raises(LoginThrottledError):
        other.login("alice", PWD, ATTACKER)
    # nobody can lock an account for others: the owner, elsewhere, logs in
    assert acc.login("alice", PWD, OWNER)["name"] == "alice"
    assert other.login("alice", PWD, None)["name"] == "alice"  # no address: a client of its own
    with pytest.raises(BadCredentialsError):
        acc.login("bob", "wrong-pwd", ATTACKER)  # another name from that client: its own count
    clock.advance(900 - 50)
    assert acc.login("alice", PWD, ATTACKER)["name"] == "alice"
    assert authdb.loginfail_doc().find_one({"_id": f"pair {ATTACKER} alice"}) is None


def test_a_success_clears_the_count(acc):
    acc.mk_acc("alice", PWD, "alice@example.org")
    for _ in range(3):
        for _ in range(4):
            with pytest.raises(BadCredentialsError):
                acc.login("alice", "wrong-pwd", ATTACKER)
        acc.login("alice", PWD, ATTACKER)


def test_unknown_names_are_throttled_too(acc):
    for _ in range(5):
        with pytest.raises(BadCredentialsError):
            acc.login("nobody", "wrong-pwd", ATTACKER)
    with pytest.raises(LoginThrottledError):
        acc.login("nobody", "wrong-pwd", ATTACKER)


def test_rotating_names_is_capped_per_client(authdb, clock):
    conf = make_conf("127.0.0.1", 2525, login_client_max_fails=6, login_fail_window=60)
    sv = AccSv(authdb, conf, clock)
    sv.mk_acc("alice", PWD, "alice@example.org")
    for i in range(6):
        with pytest.raises(BadCredentialsError):
            sv.login(f"name-{i}", "wrong-pwd", ATTACKER)
        clock.advance(1)
    with pytest.raises(LoginThrottledError) as info:
        sv.login("alice", PWD, ATTACKER)
    assert info.value.retry_after == 60 - 6
    assert str(info.value).startswith("too many failed logins from your address")
    assert sv.login("alice", PWD, OWNER)["name"] == "alice"
    clock.advance(60)
    assert sv.login("alice", PWD, ATTACKER)["name"] == "alice"


def test_successes_do_not_count_as_the_clients_failures(authdb, clock):
    sv = AccSv(authdb, make_conf("127.0.0.1", 2525, login_client_max_fails=2), clock)
    sv.mk_acc("mallory", PWD, "mallory@example.org")
    with pytest.raises(BadCredentialsError):
        sv.login("alice", "wrong-pwd", ATTACKER)
    for _ in range(5):
        sv.login("mallory", PWD, ATTACKER)
    with pytest.raises(BadCredentialsError):
        sv.login("bob", "wrong-pwd", ATTACKER)
    # logging in to one's own account did not wipe the failures against others
    with pytest.raises(LoginThrottledError):
        sv.login("mallory", PWD, ATTACKER)


def test_argon2_work_per_client_is_capped(authdb, clock, monkeypatch):
    sv = AccSv(authdb, make_conf("127.0.0.1", 2525, login_client_max_checks=3), clock)
    sv.mk_acc("alice", PWD, "alice@example.org")
    spy = SpyHasher(sv.hasher)
    monkeypatch.setattr(sv, "hasher", spy)
    sv.login("alice", PWD, ATTACKER)
    with pytest.raises(BadCredentialsError):
        sv.login("nobody", "wrong-pwd", ATTACKER)
    sv.login("alice", PWD, ATTACKER)
    for pwd in (PWD, "wrong-pwd"):
        with pytest.raises(LoginThrottledError, match="too many password checks"):
            sv.login("alice", pwd, ATTACKER)
    assert len(spy.verified) == 3  # refused before any argon2 work
    sv.login("alice", PWD, OWNER)
    assert len(spy.verified) == 4


def test_refused_attempts_cost_no_argon2(acc, monkeypatch):
    spy = SpyHasher(acc.hasher)
    monkeypatch.setattr(acc, "hasher", spy)
    for _ in range(5):
        with pytest.raises(BadCredentialsError):
            acc.login("alice", "wrong-pwd", ATTACKER)
    for _ in range(20):
        with pytest.raises(LoginThrottledError):
            acc.login("alice", "wrong-pwd", ATTACKER)
    assert len(spy.verified) == 5


def test_an_ipv6_client_is_counted_per_64(acc):
    acc.mk_acc("alice", PWD, "alice@example.org")
    for i in range(5):  # a new address of one /64 for each guess
        with pytest.raises(BadCredentialsError):
            acc.login("alice", "wrong-pwd", f"2001:db8:1:2::{i + 1:x}")
    with pytest.raises(LoginThrottledError):
        acc.login("alice", PWD, "2001:db8:1:2:ffff::1")
    assert acc.login("alice", PWD, "2001:db8:1:3::1")["name"] == "alice"


@pytest.mark.parametrize("addr, key", [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.7", "203.0.113.7"),
    (None, "-"),
    ("", "-"),
    ("unix socket peer", "unixsocketpeer"),
])
def test_client_key(addr, key):
    from clink_auth import client_key

    assert client_key(addr) == key


def test_throttling_is_configurable(authdb, clock):
    strict = AccSv(authdb, make_conf("127.0.0.1", 2525, login_max_fails=2,
                                     login_fail_window=60), clock)
    strict.mk_acc("alice", PWD, "alice@example.org")
    for _ in range(2):
        with pytest.raises(BadCredentialsError):
            strict.login("alice", "wrong-pwd", ATTACKER)
    with pytest.raises(LoginThrottledError) as info:
        strict.login("alice", PWD, ATTACKER)
    assert info.value.retry_after == 60
    clock.advance(60)
    strict.login("alice", PWD, ATTACKER)


def test_concurrent_failures_never_exceed_the_limit(acc):
    acc.mk_acc("alice", PWD, "alice@example.org")
    results = race(12, lambda i: acc.login("alice", "wrong-pwd", ATTACKER))
    assert len([r for r in results if isinstance(r, BadCredentialsError)]) == 5
    assert len([r for r in results if isinstance(r, LoginThrottledError)]) == 7


def test_concurrent_name_rotation_never_exceeds_the_client_limit(authdb, clock):
    sv = AccSv(authdb, make_conf("127.0.0.1", 2525, login_client_max_fails=4), clock)
    results = race(12, lambda i: sv.login(f"name-{i}", "wrong-pwd", ATTACKER))
    assert len([r for r in results if isinstance(r, BadCredentialsError)]) == 4
    assert len([r for r in results if isinstance(r, LoginThrottledError)]) == 8


def test_a_reset_clears_the_throttle_from_every_client(acc):
    acc.mk_acc("alice", PWD, "alice@example.org")
    for client in (ATTACKER, OWNER):
        for _ in range(6):
            with pytest.raises((BadCredentialsError, LoginThrottledError)):
                acc.login("alice", "wrong-pwd", client)
    spec = acc.mk_rpwd_code("alice@example.org")
    acc.cf_rpwd_code(spec.code, NEW_PWD)
    for client in (ATTACKER, OWNER):
        assert acc.login("alice", NEW_PWD, client)["name"] == "alice"


def test_login_takes_a_str_client(acc):
    with pytest.raises(TypeError, match="client"):
        acc.login("alice", PWD, 7)


def test_services_work_without_an_app(mongo_conf):
    """The manual's way: services built by hand, the real clock."""
    sv = MongoSv(mongo_conf)
    try:
        acc = AccSv(AuthDbSv(sv), make_conf("127.0.0.1", 2525))
        assert acc.find_pwd("root", ROOT_PWD)["email"] == ROOT_EMAIL
    finally:
        sv.close()


def test_env_is_clean():
    assert not [k for k in os.environ if k.startswith("CLINK_AUTH_")]


def test_mongo_conf_type(mongo_conf):
    assert isinstance(mongo_conf, MongoConf)
