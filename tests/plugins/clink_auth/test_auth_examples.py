"""examples/authdb_sv.py and examples/acc_sv.py, the manual's examples, against the test server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from clink_mongo.testing import unique_dbname

pytestmark = pytest.mark.timeout(90)

ROOT = Path(__file__).resolve().parents[3]
#: The manual prints a ``MongoClient``; clink_mongo may hand out a subclass of it.
COLLECTION = (
    r"Collection\(Database\(\w*Client\(host=\['127\.0\.0\.1:\d+'\].*\), '{db}'\), "
    r"'{name}'\)"
)


def run_example(name: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in env.items() if not k.startswith("CLINK_AUTH_")}
    result = subprocess.run(
        [sys.executable, str(Path("examples") / name)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result


@pytest.fixture
def example_env(mongo_url, mongo_client):
    dbname = unique_dbname("example")
    env = dict(os.environ, CLINK_MONGO_URL=mongo_url, CLINK_MONGO_DB=dbname)
    yield env, dbname
    mongo_client.drop_database(dbname)


def test_authdb_sv_example(example_env, mongo_client):
    env, dbname = example_env
    lines = run_example("authdb_sv.py", env).stdout.splitlines()
    names = ["acc", "grp", "rpwd", "acctmp"]
    assert len(lines) == 4
    for line, name in zip(lines, names, strict=True):
        assert re.fullmatch(COLLECTION.format(db=dbname, name=name), line), line
    indexes = mongo_client[dbname]["acc"].index_information()
    assert indexes["name_unique"]["unique"]


def test_acc_sv_example_runs_twice_with_one_root(example_env, mongo_client):
    env, dbname = example_env
    for _ in range(2):
        assert run_example("acc_sv.py", env).stdout == "root root@mail.com REGISTERED\n"
    assert mongo_client[dbname]["acc"].count_documents({"name": "root"}) == 1
