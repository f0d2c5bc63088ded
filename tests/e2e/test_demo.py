"""The demo (examples/book_api/run.py) as a real process with its embedded servers.

The README's walkthrough runs as written (curl, with the demo's port); the same
journey runs over HTTP with every status checked; the OpenAPI document
validates and documents what the API does; the launcher stops its helpers on
SIGINT and SIGTERM, and a second start on the same data finds everything.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from demo_harness import ROOT, DemoProcess, port_open
from e2e_needs import missing, need_module

need_module("clink_auth")
need_module("secantus", "needs clink-mongo[embedded] (SecantusDB)")
pytestmark = pytest.mark.timeout(180)

DUNE = {"title": "Dune", "author": "Frank Herbert", "isbn": "9780441172719", "year": 1965}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    with DemoProcess(tmp_path_factory.mktemp("demo") / "data") as proc:
        yield proc


def register(demo: DemoProcess, name: str, pwd: str = "secret-pwd") -> str:
    """Register and activate ``name`` through the API; its access token."""
    email = f"{name}@example.com"
    status, _, body = demo.call("POST", "/acc/reg/code", {"name": name, "email": email,
                                                         "pwd": pwd})
    assert status == 204, body
    status, _, body = demo.call("POST", "/acc/reg", {"code": demo.mail_code(email)})
    assert status == 204, body
    return demo.token(name, pwd)


# -- the manual's demo walkthrough -------------------------------------------------------
def walkthrough_blocks() -> list[str]:
    """The ```sh blocks of the manual's Demo page (docs/demo.md)."""
    text = (ROOT / "docs" / "demo.md").read_text("utf-8")
    return re.findall(r"```sh\n(.*?)```", text, re.S)


def run_sh(script: str, timeout: float = 60) -> str:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True,
        timeout=timeout, check=False,
    )
    assert done.returncode == 0, f"{script}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    return done.stdout


def test_the_demo_walkthrough_works_as_written(tmp_path: Path):
    if not shutil.which("curl"):
        missing("the walkthrough uses curl, which is not installed")
    blocks = walkthrough_blocks()
    assert len(blocks) == 2
    with DemoProcess(tmp_path / "data") as demo:
        main, admin = (b.replace("http://127.0.0.1:8080", demo.base) for b in blocks)
        register_step, rest = main.split("\nCODE=ABCD-EFGH-IJKL-MNOP\n")
        out = run_sh(register_step)
        assert out.startswith("HTTP/1.1 204")
        rest = f"CODE={demo.mail_code('ann@example.com')}\n{rest}"
        out = run_sh(rest)
        assert re.findall(r"^HTTP/1.1 (\d+)", out, re.M) == ["204", "201"]
        assert '"title":"Dune"' in out
        listed = out[out.index('{"items":'):]  # step 5: the page (bodies end without a newline)
        assert listed.startswith('{"items":[{"id":') and listed.endswith('"total":1}')
        admin = admin.replace("'the password printed at start'", f"'{demo.root_pwd}'")
        assert admin != blocks[1].replace("http://127.0.0.1:8080", demo.base)
        out = run_sh(admin)
        assert out.startswith("HTTP/1.1 204")
        assert demo.call("GET", "/book/list")[2]["total"] == 0
        assert demo.call("GET", "/docs")[0] == 200
        assert demo.stop() == 0


# -- the journey over HTTP --------------------------------------------------------------
def test_banner_says_where_everything_is(demo: DemoProcess):
    out = demo.output
    assert f"API       {demo.base}/book/list" in out
    assert f"docs      {demo.base}/docs" in out
    assert f"data in {demo.data_dir / 'mongo'}" in out
    assert f"logs      {demo.data_dir / 'logs'}" in out
    assert (demo.data_dir / "dev-secrets.json").stat().st_mode & 0o777 == 0o600


def test_register_activate_token_create_list_delete(demo: DemoProcess):
    token = register(demo, "bob")
    status, headers, me = demo.call("GET", "/acc/me", token=token)
    assert status == 200 and me["name"] == "bob"

    status, headers, body = demo.call("POST", "/book/item", DUNE)
    assert status == 401 and headers["www-authenticate"] == "Bearer"
    status, headers, book = demo.call("POST", "/book/item", DUNE, token=token)
    assert status == 201, book
    assert {k: book[k] for k in DUNE} == DUNE and book["added_by"] == "bob"
    assert headers["location"] == f"/book/item?id={book['id']}"
    assert demo.call("GET", headers["location"])[2] == book
    status, _, body = demo.call("POST", "/book/item", DUNE, token=token)
    assert status == 409 and body["message"] == "already exists: isbn"
    status, _, body = demo.call("POST", "/book/item", {**DUNE, "isbn": "12"}, token=token)
    assert status == 400 and body["message"]["pointer"] == "/isbn"

    more = {**DUNE, "title": "Dune Messiah", "isbn": "9780441172696", "year": 1969}
    assert demo.call("POST", "/book/item", more, token=token)[0] == 201
    status, _, page = demo.call("GET", "/book/list?page=1&size=1")
    assert status == 200
    assert (page["page"], page["size"], page["total"]) == (1, 1, 2)
    assert [b["title"] for b in page["items"]] == ["Dune Messiah"]  # newest first
    assert [b["title"] for b in demo.call("GET", "/book/list?page=2&size=1")[2]["items"]] == [
        "Dune"]
    assert demo.call("GET", "/book/list?page=3&size=1")[2]["items"] == []
    for bad in ("page=0", "size=101", "page=x", "size=-1", "page=%C2%B2"):
        status, _, body = demo.call("GET", f"/book/list?{bad}")
        assert status == 400, (bad, body)

    status, _, body = demo.call("DELETE", f"/book/item?id={book['id']}", token=token)
    assert status == 403, body  # bob is not in the admin group
    root = demo.token("root", demo.root_pwd)
    assert demo.call("DELETE", f"/book/item?id={book['id']}", token=root)[0] == 204
    assert demo.call("DELETE", f"/book/item?id={book['id']}", token=root)[0] == 404
    assert demo.call("GET", f"/book/item?id={book['id']}")[0] == 404
    assert demo.call("GET", "/book/item?id=nope")[0] == 400
    assert demo.call("GET", "/book/item")[0] == 400


def test_cors_and_request_ids(demo: DemoProcess):
    status, headers, _ = demo.call("GET", "/book/list", headers={"Origin": "https://x.example"})
    assert status == 200
    assert headers["access-control-allow-origin"] == "*"
    assert headers["x-request-id"]
    status, headers, _ = demo.call("OPTIONS", "/book/item", headers={
        "Origin": "https://x.example", "Access-Control-Request-Method": "DELETE"})
    assert status == 204 and "DELETE" in headers["access-control-allow-methods"]


def test_logs_are_written_under_the_data_folder(demo: DemoProcess):
    headers = demo.call("GET", "/book/list?page=1")[1]
    request_id = headers["x-request-id"]
    log = demo.data_dir / "logs" / "request.log"
    lines = ""
    deadline = time.monotonic() + 10  # lines are flushed within a second
    while request_id not in lines and time.monotonic() < deadline:
        time.sleep(0.1)
        lines = log.read_text() if log.exists() else ""
    assert request_id in lines
    assert "GET /book/list?page=1 200" in lines


def test_openapi_document(demo: DemoProcess):
    from openapi_spec_validator import validate

    status, headers, doc = demo.call("GET", "/openapi.json")
    assert status == 200 and headers["content-type"] == "application/json"
    validate(doc)
    assert doc["info"]["title"] == "book-api" and doc["info"]["version"] == "1.0.0"
    paths = doc["paths"]
    assert {"/book/list", "/book/item", "/acc/reg/code", "/acc/reg", "/auth/token"} <= set(paths)
    assert "/openapi.json" not in paths and "/docs" not in paths
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    post = paths["/book/item"]["post"]
    assert post["security"] == [{"bearer": []}]
    assert post["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "title", "author", "isbn"]
    assert set(post["responses"]) == {"201", "400", "401", "409", "4XX", "5XX"}
    assert set(post["responses"]["201"]["links"]) == {"GetBook", "DeleteBook"}
    operation_ids = {op["operationId"] for item in paths.values() for op in item.values()}
    for link in post["responses"]["201"]["links"].values():
        assert link["operationId"] in operation_ids
    delete = paths["/book/item"]["delete"]
    assert delete["security"] == [{"bearer": []}]
    assert set(delete["responses"]) == {"204", "400", "401", "403", "404", "4XX", "5XX"}
    assert delete["parameters"][0]["name"] == "id" and delete["parameters"][0]["required"]
    listing = paths["/book/list"]["get"]
    assert "security" not in listing
    assert [p["name"] for p in listing["parameters"]] == ["page", "size"]
    assert paths["/acc/me"]["get"]["security"] == [{"bearer": []}]
    token = paths["/auth/token"]["post"]["requestBody"]["content"]
    assert set(token) == {"application/json", "application/x-www-form-urlencoded"}
    for item in paths.values():
        for op in item.values():
            ok = [s for s in op["responses"] if s[0] in "123"]
            assert ok and all("description" in op["responses"][s] for s in ok), op
    assert demo.call("GET", "/docs")[0] == 200


# -- stopping and starting again --------------------------------------------------------
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stops_helpers_and_keeps_data(tmp_path: Path, sig: int):
    data = tmp_path / "data"
    with DemoProcess(data) as demo:
        token = register(demo, "carol")
        assert demo.call("POST", "/book/item", DUNE, token=token)[0] == 201
        root_pwd, ports = demo.root_pwd, (demo.port, demo.mongo_port, demo.outbox_port)
        assert demo.stop(sig) == 0
        assert "book-api: stopped" in demo.output
    for port in ports:
        assert not port_open(port), port
    with DemoProcess(data) as again:
        assert again.root_pwd == root_pwd  # the same development secrets
        assert again.call("GET", "/book/list")[2]["total"] == 1
        token = again.token("carol", "secret-pwd")  # the same JWT key, the same account
        assert again.call("GET", "/acc/me", token=token)[0] == 200
        from pymongo import MongoClient

        client: MongoClient = MongoClient(f"mongodb://127.0.0.1:{again.mongo_port}/",
                                          serverSelectionTimeoutMS=5000)
        try:
            admin = client["book_api"]["grp"].find_one({"name": "admin"})
            root = client["book_api"]["acc"].find_one({"name": "root"})
        finally:
            client.close()
        assert admin["acc_ids"] == [root["_id"]]  # root is admin, once, after two starts
        assert again.stop(signal.SIGINT) == 0


def test_uses_the_configured_servers_when_the_variables_are_set(tmp_path: Path):
    """CLINK_MONGO_URL and CLINK_SMTP_* set: no embedded database, no console outbox."""
    import io

    from pymongo import MongoClient

    from clink_mongo.embedded import EmbeddedMongo
    from clink_smtp.outbox import Outbox

    with EmbeddedMongo(tmp_path / "elsewhere") as mongo, \
            Outbox(port=None, out=io.StringIO()) as box:
        env = {
            "CLINK_MONGO_URL": mongo.url, "CLINK_MONGO_DB": "books_elsewhere",
            "CLINK_SMTP_HOST": box.host, "CLINK_SMTP_PORT": str(box.port),
            "CLINK_SMTP_SECURITY": "none", "CLINK_SMTP_SENDER": "books@example.com",
            "CLINK_AUTH_JWT_KEY": "k" * 64, "CLINK_AUTH_ROOT_PWD": "root-pwd-1",
        }
        data = tmp_path / "data"
        demo = DemoProcess(data, **env)
        try:
            demo.start(embedded=False)
            out = demo.output
            assert "database  books_elsewhere at CLINK_MONGO_URL" in out
            assert f"mail      sent through {box.host} (CLINK_SMTP_*)" in out
            assert "root      user root, password from CLINK_AUTH_ROOT_PWD" in out
            assert "embedded" not in out and "outbox" not in out
            status, _, body = demo.call("POST", "/acc/reg/code", {
                "name": "dave", "email": "dave@example.com", "pwd": "secret-pwd"})
            assert status == 204, body
            deadline = time.monotonic() + 10
            while not box.messages and time.monotonic() < deadline:
                time.sleep(0.05)
            mail = box.messages[0]
            assert mail.rcpt_tos == ["dave@example.com"]
            assert mail.mail_from == "books@example.com"
            code = re.search(r"[A-Z]{4}-[A-Z]{4}-[A-Z]{4}-[A-Z]{4}", mail.body)[0]
            assert demo.call("POST", "/acc/reg", {"code": code})[0] == 204
            root = demo.token("root", "root-pwd-1")
            dave = demo.token("dave", "secret-pwd")
            status, _, book = demo.call("POST", "/book/item", DUNE, token=dave)
            assert status == 201
            assert demo.call("DELETE", f"/book/item?id={book['id']}", token=root)[0] == 204
            assert demo.stop(signal.SIGTERM) == 0
        finally:
            demo.close()
        assert mongo.running  # the launcher left the configured server alone
        client: MongoClient = MongoClient(mongo.url, serverSelectionTimeoutMS=5000)
        try:
            assert client["books_elsewhere"]["acc"].find_one({"name": "dave"}) is not None
        finally:
            client.close()
    assert not (data / "mongo").exists()
    assert not (data / "dev-secrets.json").exists()
