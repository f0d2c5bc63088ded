"""examples/mongo_sv.py, the manual's example, runs against the test server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from clink_mongo.testing import unique_dbname

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[3]
# The manual prints {'author': 'Death', '_id': ObjectId('...'), 'name': 'How to Die'}
# (Python 3.5 dict order); documents keep the server's field order today.
OUTPUT = re.compile(
    r"\{'_id': ObjectId\('[0-9a-f]{24}'\), 'name': 'How to Die', 'author': 'Death'\}\n"
)


def test_mongo_sv_example(mongo_url, mongo_client):
    dbname = unique_dbname("example")
    env = dict(os.environ, CLINK_MONGO_URL=mongo_url, CLINK_MONGO_DB=dbname)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    try:
        for _ in range(2):  # it can run twice: it starts from an empty database
            result = subprocess.run(
                [sys.executable, str(Path("examples") / "mongo_sv.py")],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=30, check=False,
            )
            assert result.returncode == 0, result.stderr
            assert result.stderr == ""
            assert OUTPUT.fullmatch(result.stdout), result.stdout
        assert mongo_client[dbname]["book"].count_documents({}) == 1
    finally:
        mongo_client.drop_database(dbname)
