"""clink_mongo.testing: the fixtures work in another project, through the pytest11 entry point."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.timeout(120)

USER_TESTS = '''
import json
import pathlib

from pymongo import MongoClient

from clink_mongo import MongoConf, MongoSv

SEEN = pathlib.Path(__file__).with_name("seen.json")


def test_each_test_gets_its_own_clean_database(mongo_conf, mongo_sv, mongo_client):
    assert isinstance(mongo_conf, MongoConf)
    assert isinstance(mongo_sv, MongoSv)
    assert mongo_sv.conf is mongo_conf
    assert mongo_conf.dburl.startswith("mongodb://127.0.0.1:")
    assert mongo_client[mongo_conf.dbname].list_collection_names() == []
    mongo_sv.db["thing"].insert_one({"x": 1})
    assert mongo_conf.dbname in mongo_client.list_database_names()
    SEEN.write_text(json.dumps([mongo_conf.dbname]))


def test_the_previous_database_was_dropped(mongo_conf, mongo_client):
    (previous,) = json.loads(SEEN.read_text())
    assert previous != mongo_conf.dbname
    assert previous not in mongo_client.list_database_names()


def test_mongo_process_can_be_killed_and_restarted(mongo_process):
    url = mongo_process.url
    client = MongoClient(url, serverSelectionTimeoutMS=3000)
    client.db.t.insert_one({"kept": True})
    mongo_process.kill()
    assert not mongo_process.running
    assert mongo_process.restart() == url
    assert client.db.t.find_one({}, {"_id": 0}) == {"kept": True}
    client.close()
'''


def test_fixtures_in_a_user_project(tmp_path):
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TESTS))
    env = {k: v for k, v in os.environ.items() if k != "CLINK_TEST_MONGO_URL"}
    env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=100, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_clink_test_mongo_url_replaces_the_in_process_server(tmp_path, mongo_process):
    (tmp_path / "test_url.py").write_text(
        "def test_url(mongo_url, mongo_conf):\n"
        f"    assert mongo_url == {mongo_process.url!r}\n"
        f"    assert mongo_conf.dburl == {mongo_process.url!r}\n"
    )
    env = dict(os.environ, CLINK_TEST_MONGO_URL=mongo_process.url)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_url.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=100, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
