"""pytest fixtures for code that uses MongoDB: a real MongoDB-wire server, no mocks.

Installed with ``clink-mongo`` as a pytest plugin (entry point ``pytest11``),
so any project that has ``clink-mongo[test]`` installed gets these fixtures:

``mongo_url`` (session)
    URL of a server: ``CLINK_TEST_MONGO_URL`` when set (e.g. a real
    ``mongod``), else a SecantusDB server started in this process, in memory
    (``SecantusDBServer(storage_path=":memory:", ttl_sweep_seconds=1)``).
``mongo_client`` (session)
    A ``pymongo.MongoClient`` on ``mongo_url``, to look at the data directly.
``mongo_conf`` (function)
    A ``MongoConf`` on ``mongo_url`` naming a fresh, uniquely named
    database, dropped after the test.
``mongo_sv`` (function)
    A ``MongoSv`` on ``mongo_conf``, closed after the test.
``mongo_process`` (function)
    A started ``EmbeddedMongo``: ``secantusd-py --sync-on-commit`` as a
    subprocess with its data in the test's ``tmp_path``; ``kill()`` and
    ``restart()`` it to test outages. Stopped after the test.

Heavy imports (pymongo, secantus) happen inside the fixtures so that merely
having the plugin installed costs a test run nothing.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pymongo import MongoClient

    from .embedded import EmbeddedMongo
    from .service import MongoSv
    from .type import MongoConf

#: Set it to run the fixtures against another server (a real mongod, say).
TEST_URL_ENV = "CLINK_TEST_MONGO_URL"


def unique_dbname(prefix: str = "clink_test") -> str:
    """A database name no other test uses."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def mongo_url() -> Iterator[str]:
    """URL of the session's MongoDB-wire server (``CLINK_TEST_MONGO_URL`` or in-process)."""
    url = os.environ.get(TEST_URL_ENV)
    if url:
        yield url
        return
    try:
        from secantus import SecantusDBServer
    except ImportError:  # pragma: no cover - depends on the environment
        pytest.skip(
            f"no MongoDB server for tests: set {TEST_URL_ENV} or "
            "pip install 'clink-mongo[test]' (SecantusDB)"
        )
    server = SecantusDBServer(
        host="127.0.0.1", port=0, storage_path=":memory:", ttl_sweep_seconds=1
    )
    server.start()
    try:
        yield server.uri
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mongo_client(mongo_url: str) -> Iterator[MongoClient[dict[str, Any]]]:
    """A ``MongoClient`` on the session's server (short timeouts)."""
    from pymongo import MongoClient

    client: MongoClient[dict[str, Any]] = MongoClient(
        mongo_url, serverSelectionTimeoutMS=5000, connectTimeoutMS=5000, socketTimeoutMS=10000
    )
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def mongo_conf(mongo_url: str, mongo_client: MongoClient[dict[str, Any]]) -> Iterator[MongoConf]:
    """A ``MongoConf`` naming a clean database of its own, dropped after the test."""
    from pymongo.errors import PyMongoError

    from .type import MongoConf

    dbname = unique_dbname()
    try:
        yield MongoConf(mongo_url, dbname)
    finally:
        with contextlib.suppress(PyMongoError):
            mongo_client.drop_database(dbname)


@pytest.fixture
def mongo_sv(mongo_conf: MongoConf) -> Iterator[MongoSv]:
    """A ``MongoSv`` on the test's own database, closed after the test."""
    from .service import MongoSv

    sv = MongoSv(mongo_conf)
    try:
        yield sv
    finally:
        sv.close()


@pytest.fixture
def mongo_process(tmp_path: Path) -> Iterator[EmbeddedMongo]:
    """A SecantusDB subprocess (``--sync-on-commit``) on a free 127.0.0.1 port.

    Its data lives in ``tmp_path / "mongo"``; ``kill()`` and ``restart()``
    keep the port and the data. Stopped after the test.
    """
    from .embedded import EmbeddedMongo

    server = EmbeddedMongo(tmp_path / "mongo", start_timeout=30.0)
    server.start()
    try:
        yield server
    finally:
        server.stop(timeout=5.0)
