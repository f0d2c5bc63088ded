"""The ``clink`` command: ``routes``, ``plugins`` and ``run``, in-process and as a subprocess."""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import clink_core
from clink_core.cli import main

REPO = Path(clink_core.__file__).resolve().parent.parent
plugins_module = importlib.import_module("clink_core.app.plugins")

BOOK_API = """
from clink_core import App, AppConf, Controller, mapper, stamp


@stamp()
@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/item")
    def get_item(self, req, res):
        res.body = b'{"name": "Dune"}'

    @mapper.post("/item", "text/plain")
    def add_item(self, req, res):
        res.body = b"ok"

    @mapper.delete("/item")
    def del_item(self, req, res):
        res.body = b"gone"

    @mapper.post("/import")
    def import_items(self, req, res):
        res.body = b"ok"


app = App(AppConf("book-api"), entrypoints=False)
app.add_ctl(BookCtl)
not_app = 42
"""

DUP_API = """
from clink_core import App, AppConf, Controller, mapper, stamp


@stamp()
@mapper.path("/x")
class DupCtl(Controller):
    @mapper.get("/item")
    def one(self, req, res):
        pass

    @mapper.get("/item/")
    def two(self, req, res):
        pass


app = App(AppConf("dup-api"), entrypoints=False)
app.add_ctl(DupCtl)
"""

MODULES = {
    "bookapi": BOOK_API,
    "dupapi": DUP_API,
    "badimport": 'raise ValueError("boom at import")\n',
    # its own file exists; what is missing is a dependency whose name is a prefix of it
    "shopapi": "import shop\n",
}


@pytest.fixture
def app_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``tmp_path`` as the current directory, holding the app modules above.

    ``sys.path`` and ``sys.modules`` are restored afterwards, so each test
    imports fresh modules.
    """
    for name, source in MODULES.items():
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    importlib.invalidate_caches()
    yield tmp_path
    for name in MODULES:
        sys.modules.pop(name, None)


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_error_line(code: int, out: str, err: str) -> str:
    """Exit code 2, nothing on stdout, one ``clink: error:`` line on stderr; returns it."""
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("clink: error: ")
    assert "Traceback" not in err
    return lines[0]


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def run_clink(cwd: Path, *argv: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clink_core", *argv],
        cwd=cwd,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# -- routes -------------------------------------------------------------------------------
EXPECTED_ROUTES = [
    ["METHOD", "PATH", "CONTENT-TYPE", "HANDLER"],
    ["POST", "/book/import", "application/json", "bookapi.BookCtl.import_items"],
    ["DELETE", "/book/item", "-", "bookapi.BookCtl.del_item"],
    ["GET", "/book/item", "-", "bookapi.BookCtl.get_item"],
    ["POST", "/book/item", "text/plain", "bookapi.BookCtl.add_item"],
]


def test_routes_lists_every_route(app_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "routes", "bookapi:app")
    assert (code, err) == (0, "")
    assert [line.split() for line in out.splitlines()] == EXPECTED_ROUTES


def test_routes_columns_are_aligned(app_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_main(capsys, "routes", "bookapi:app")
    lines = out.splitlines()
    for column in ("PATH", "CONTENT-TYPE", "HANDLER"):
        start = lines[0].index(column)
        assert all(line[start - 1] == " " and line[start] != " " for line in lines)


def test_routes_accepts_a_loaded_app(app_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(app_dir))
    bookapi = importlib.import_module("bookapi")
    bookapi.app.load()
    code, out, _ = run_main(capsys, "routes", "bookapi:app")
    assert code == 0
    assert "bookapi.BookCtl.get_item" in out


def test_routes_as_a_subprocess(app_dir: Path) -> None:
    result = run_clink(app_dir, "routes", "bookapi:app")
    assert (result.returncode, result.stderr) == (0, "")
    assert [line.split() for line in result.stdout.splitlines()] == EXPECTED_ROUTES


# -- wrong MODULE:APP -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("bookapi", "expected MODULE:APP"),
        ("bookapi:", "expected MODULE:APP"),
        (":app", "expected MODULE:APP"),
        ("missingmod:app", "no module named 'missingmod'"),
        ("bookapi.sub:app", "no module named 'bookapi.sub'"),
        ("missingpkg.mod:app", "no module named 'missingpkg.mod'"),
        ("bookapi:nope", "module 'bookapi' has no attribute 'nope'"),
        ("bookapi:not_app", "not a clink_core.App"),
        ("badimport:app", "ValueError: boom at import"),
        ("dupapi:app", "RouteExistError: route already exists: GET /x/item"),
    ],
)
def test_bad_target_is_one_error_line(
    app_dir: Path, capsys: pytest.CaptureFixture[str], spec: str, expected: str
) -> None:
    line = assert_one_error_line(*run_main(capsys, "routes", spec))
    assert expected in line


def test_missing_dependency_is_not_reported_as_missing_module(
    app_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # shopapi.py exists and imports a missing module "shop": the error must name "shop".
    line = assert_one_error_line(*run_main(capsys, "routes", "shopapi:app"))
    assert "no module named 'shopapi'" not in line
    assert "'shop'" in line


def test_bad_target_as_a_subprocess(app_dir: Path) -> None:
    result = run_clink(app_dir, "routes", "dupapi:app")
    assert_one_error_line(result.returncode, result.stdout, result.stderr)
    assert "RouteExistError" in result.stderr


def test_run_with_bad_target_exits_before_serving(app_dir: Path) -> None:
    result = run_clink(app_dir, "run", "bookapi:nope", "--port", "1")
    assert_one_error_line(result.returncode, result.stdout, result.stderr)


# -- plugins ----------------------------------------------------------------------------------
def fake_entry_points(
    monkeypatch: pytest.MonkeyPatch, *eps: EntryPoint
) -> Callable[..., list[EntryPoint]]:
    def entry_points(group: str) -> list[EntryPoint]:
        return [ep for ep in eps if ep.group == group]

    monkeypatch.setattr(plugins_module, "plugin_entry_points", lambda: sorted(
        entry_points(plugins_module.GROUP), key=lambda ep: ep.name))
    return entry_points


def test_plugins_with_none_installed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_entry_points(monkeypatch)
    code, out, err = run_main(capsys, "plugins")
    assert (code, err) == (0, "")
    assert out == "no clink plugins installed (entry-point group clink.plugins)\n"


def test_plugins_lists_installed_ones(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_entry_points(
        monkeypatch,
        EntryPoint(name="zeta", value="json", group="clink.plugins"),
        EntryPoint(name="alpha", value="string", group="clink.plugins"),
        EntryPoint(name="other", value="os", group="not.clink"),
    )
    code, out, err = run_main(capsys, "plugins")
    assert (code, err) == (0, "")
    rows = [line.split() for line in out.splitlines()]
    assert rows == [
        ["NAME", "DISTRIBUTION", "VERSION", "MODULE", "STATUS"],
        ["alpha", "?", "?", "string", "ok"],
        ["zeta", "?", "?", "json", "ok"],
    ]


def test_plugins_reports_a_broken_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_entry_points(
        monkeypatch,
        EntryPoint(name="good", value="json", group="clink.plugins"),
        EntryPoint(name="broken", value="clink_no_such_plugin_xyz", group="clink.plugins"),
    )
    code, out, _ = run_main(capsys, "plugins")
    assert code == 1
    broken = next(line for line in out.splitlines() if line.startswith("broken"))
    assert "error: ModuleNotFoundError" in broken
    assert "clink_no_such_plugin_xyz" in broken
    assert any(line.startswith("good") and line.endswith("ok") for line in out.splitlines())


def test_plugins_as_a_subprocess(tmp_path: Path) -> None:
    result = run_clink(tmp_path, "plugins")
    assert (result.returncode, result.stderr) == (0, "")
    first = result.stdout.splitlines()[0]
    assert first.startswith(("no clink plugins installed", "NAME "))


# -- run --------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_get(url: str, proc: subprocess.Popen[bytes], deadline: float) -> tuple[int, bytes]:
    """GET ``url`` until the server answers; fails if the process dies or time runs out."""
    while True:
        if proc.poll() is not None:
            pytest.fail(f"clink run exited with {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=1) as res:
                return res.status, res.read()
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                pytest.fail(f"clink run did not answer {url} in time")
            time.sleep(0.1)


@pytest.mark.timeout(30)
def test_run_serves_the_app(app_dir: Path) -> None:
    port = free_port()
    log = (app_dir / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "clink_core", "run", "bookapi:app", "--port", str(port)],
        cwd=app_dir,
        env=subprocess_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        status, body = wait_for_get(
            f"http://127.0.0.1:{port}/book/item", proc, time.monotonic() + 20
        )
        assert (status, body) == (200, b'{"name": "Dune"}')
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/nope", timeout=5)
        assert info.value.code == 404
        info.value.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_plugins_of_an_app_says_which_it_enables(
    app_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (app_dir / "ep_cors.py").write_text(
        "from clink_core import hookimpl\n@hookimpl\ndef clink_responding(res):\n    pass\n"
    )
    (app_dir / "ep_log.py").write_text(
        "from clink_core import hookimpl\n@hookimpl\ndef clink_pre_routing(req):\n    pass\n"
    )
    (app_dir / "own_plugin.py").write_text(
        "from clink_core import hookimpl\n@hookimpl\ndef clink_pre_main(req):\n    pass\n"
    )
    (app_dir / "plugged.py").write_text(
        "import own_plugin\n"
        "from clink_core import App, AppConf\n"
        "app = App(AppConf('plugged', plugins=['cors']), plugins=[own_plugin])\n"
    )
    fake_entry_points(
        monkeypatch,
        EntryPoint(name="clink_cors", value="ep_cors", group="clink.plugins"),
        EntryPoint(name="clink_log", value="ep_log", group="clink.plugins"),
    )
    code, out, err = run_main(capsys, "plugins", "plugged:app")
    assert (code, err) == (0, "")
    rows = [line.split() for line in out.splitlines()]
    assert rows == [
        ["NAME", "DISTRIBUTION", "VERSION", "MODULE", "STATUS", "ENABLED"],
        ["clink_cors", "?", "?", "ep_cors", "ok", "yes"],
        ["clink_log", "?", "?", "ep_log", "ok", "no"],
        ["own_plugin", "-", "-", "own_plugin", "ok", "yes"],
    ]
