"""clink_mongo.embedded: a secantusd-py subprocess for development and tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pymongo import MongoClient

from clink_mongo.embedded import (
    DEFAULT_DATA_DIR,
    EmbeddedMongo,
    EmbeddedMongoError,
    ensure_mongo_url,
    free_port,
    server_command,
)

pytestmark = pytest.mark.timeout(90)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover
        return True
    # A zombie (exited, not yet reaped) counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return True


def count_books(url: str) -> int:
    client: MongoClient = MongoClient(url, serverSelectionTimeoutMS=3000)
    try:
        return client["emb"]["book"].count_documents({})
    finally:
        client.close()


def test_start_stop_and_data_kept_between_runs(tmp_path):
    mongo = EmbeddedMongo(tmp_path / "mongo")
    assert not mongo.running
    url = mongo.start()
    try:
        assert mongo.running
        assert url == mongo.url == f"mongodb://127.0.0.1:{mongo.port}/"
        assert "running" in repr(mongo)
        client: MongoClient = MongoClient(url, serverSelectionTimeoutMS=3000)
        client["emb"]["book"].insert_one({"name": "Dune"})
        client.close()
        with pytest.raises(EmbeddedMongoError, match="already running"):
            mongo.start()
    finally:
        mongo.stop()
    assert not mongo.running
    assert (tmp_path / "mongo").is_dir()
    assert (tmp_path / "mongo.log").is_file()
    # Same directory, same port: the data is still there.
    port = mongo.port
    with EmbeddedMongo(tmp_path / "mongo", port=port) as again:
        assert again.url == f"mongodb://127.0.0.1:{port}/"
        assert count_books(again.url) == 1


def test_restart_keeps_port_and_data(tmp_path):
    with EmbeddedMongo(tmp_path / "mongo") as mongo:
        url = mongo.url
        client: MongoClient = MongoClient(url, serverSelectionTimeoutMS=3000)
        client["emb"]["book"].insert_one({"name": "Dune"})
        client.close()
        old_pid = mongo.pid
        assert mongo.restart() == url  # restart of a running server
        assert mongo.pid != old_pid
        mongo.kill()
        assert not mongo.running
        assert mongo.restart() == url  # restart after a crash
        assert count_books(url) == 1


def test_default_data_dir_is_under_clink_data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mongo = EmbeddedMongo()
    assert Path(".clink-data") / "mongo" == DEFAULT_DATA_DIR
    assert mongo.data_dir == tmp_path / ".clink-data" / "mongo"
    assert mongo.log_file == tmp_path / ".clink-data" / "mongo.log"
    assert mongo.host == "127.0.0.1"
    with pytest.raises(EmbeddedMongoError, match="no port yet"):
        _ = mongo.url


def test_command_line(tmp_path):
    mongo = EmbeddedMongo(tmp_path / "mongo", port=12345)
    args = mongo._args()
    assert args[: len(server_command())] == server_command()
    for flag, value in (
        ("--host", "127.0.0.1"), ("--port", "12345"),
        ("--storage-path", str(tmp_path / "mongo")),
    ):
        assert args[args.index(flag) + 1] == value
    assert "--sync-on-commit" in args
    # An empty config file: no secantusd.toml found on the machine applies.
    config = Path(args[args.index("--config") + 1])
    assert config.is_file()


def test_a_secantusd_toml_in_the_cwd_is_ignored(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "secantusd.toml").write_text("[nonsense]\nx = 1\n")
    with EmbeddedMongo(tmp_path / "mongo") as mongo:
        assert count_books(mongo.url) == 0


def test_start_failure_quotes_the_server_output(tmp_path):
    script = "import sys; sys.stderr.write('boom: cannot open storage\\n'); sys.exit(3)"
    mongo = EmbeddedMongo(tmp_path / "mongo", command=[sys.executable, "-c", script])
    with pytest.raises(EmbeddedMongoError) as info:
        mongo.start()
    message = str(info.value)
    assert "exited with code 3" in message
    assert "boom: cannot open storage" in message
    assert not mongo.running


def test_start_timeout_kills_the_server(tmp_path):
    script = "import time; time.sleep(60)"
    mongo = EmbeddedMongo(
        tmp_path / "mongo", start_timeout=1.0, command=[sys.executable, "-c", script]
    )
    start = time.monotonic()
    with pytest.raises(EmbeddedMongoError, match="did not answer a ping within 1 s"):
        mongo.start()
    assert time.monotonic() - start < 10
    assert not mongo.running


def test_port_in_use_is_a_clear_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        mongo = EmbeddedMongo(tmp_path / "mongo", port=port, start_timeout=20)
        with pytest.raises(EmbeddedMongoError, match=r"(?i)address already in use"):
            mongo.start()
    assert not mongo.running


def test_free_port_is_bindable():
    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_ensure_mongo_url_prefers_the_environment(tmp_path):
    url = ensure_mongo_url({"CLINK_MONGO_URL": "mongodb://db.example:27017"}, tmp_path / "m")
    assert url == "mongodb://db.example:27017"
    assert not (tmp_path / "m").exists()


def test_ensure_mongo_url_starts_a_server_stopped_at_exit(tmp_path):
    child = (
        "import sys\n"
        "from clink_mongo import embedded\n"
        "url = embedded.ensure_mongo_url({}, sys.argv[1])\n"
        "assert embedded.ensure_mongo_url({}, sys.argv[1]) == url  # started once\n"
        "print(url, embedded._default.pid, flush=True)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", child, str(tmp_path / "mongo")],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    url, pid = result.stdout.split()
    assert url.startswith("mongodb://127.0.0.1:")
    deadline = time.monotonic() + 10
    while alive(int(pid)):
        assert time.monotonic() < deadline, "the embedded server outlived its process"
        time.sleep(0.1)
    assert (tmp_path / "mongo").is_dir()
