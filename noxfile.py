"""Sessions: tests (everything), core (kernel alone), lint, demo, bench, one per plugin."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PLUGINS = sorted(p.name for p in (ROOT / "plugins").glob("*") if (p / "pyproject.toml").exists())
TEST_DEPS = [
    "pytest>=8",
    "pytest-timeout",
    "hypothesis",
    "openapi-spec-validator>=0.7",
    "schemathesis>=4.1",
    "playwright>=1.40",
    # tests/docs builds the manual (mkdocs.yml) with --strict
    "mkdocs>=1.6",
    "mkdocs-material>=9.5",
    "mkdocstrings[python]>=0.26",
    # tests/bench checks that the bench apps of every framework answer alike, in-process
    # and over their servers
    "falcon",
    "flask",
    "fastapi",
    "litestar",
    "blacksheep",
    "uvicorn[standard]",
    "granian",
]

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = False


def _plugin_req(name: str) -> str:
    """A plugin installed editable with its ``test`` extra (test servers, fixtures)."""
    return f"plugins/{name}[test]"


def _install_all(session: nox.Session) -> None:
    """The kernel, every plugin, and the third-party example plugin."""
    args = ["-e", ".[models,asgi]", "-e", "examples/plugin_hello"]
    for name in PLUGINS:
        args += ["-e", _plugin_req(name)]
    session.install(*args)


def _plugin_deps(name: str) -> list[str]:
    """The repository's plugins that plugin ``name`` or its tests (its ``test`` extra:
    clink_otel's trace clink_mongo and clink_smtp) need, dependencies first.

    They are not on PyPI, so a plugin's own session installs them from here.
    """
    found: list[str] = []

    def visit(plugin: str, extras: tuple[str, ...] = ()) -> None:
        project = tomllib.loads((ROOT / "plugins" / plugin / "pyproject.toml").read_text())
        meta = project["project"]
        requirements = list(meta.get("dependencies", []))
        for extra in extras:
            requirements += meta.get("optional-dependencies", {}).get(extra, [])
        for requirement in requirements:
            dep = re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("-", "_")
            if dep in PLUGINS and dep not in found:
                visit(dep)
                found.append(dep)

    visit(name, ("test",))
    return found


def _plugin_tests(name: str) -> list[str]:
    folder = ROOT / "tests" / "plugins" / name
    return [str(folder)] if folder.exists() else []


def _install_servers(session: nox.Session) -> None:
    """gunicorn and bjoern, for the tests over real servers (tests/e2e).

    bjoern builds against libev: as root with apt-get, libev-dev is installed when
    missing. Without it the bjoern tests skip, and fail under ``CI=true``.
    """
    import os
    import shutil

    session.install("gunicorn>=22")
    if not Path("/usr/include/ev.h").exists() and shutil.which("apt-get") and os.geteuid() == 0:
        apt = {"external": True, "success_codes": range(256)}  # a failure shows in the tests
        session.run("apt-get", "update", "-q", **apt)
        session.run("apt-get", "install", "-y", "-q", "libev-dev", **apt)
    if Path("/usr/include/ev.h").exists():
        session.install("bjoern>=3.2")


@nox.session
def tests(session: nox.Session) -> None:
    """Every distribution installed editable together; every test folder."""
    _install_all(session)
    session.install(*TEST_DEPS)
    _install_servers(session)
    session.run("pytest", "tests", *session.posargs)
    if not session.posargs:  # tests/core again, every test client driving app.asgi
        session.run("pytest", "tests/core", env={"CLINK_TEST_CLIENT": "asgi"})


@nox.session
def core(session: nox.Session) -> None:
    """The kernel alone, with no plugin installed: tests/core."""
    session.install("-e", ".[models,asgi]")
    session.install(*TEST_DEPS)
    session.run("pytest", "tests/core", *session.posargs)
    session.run("pytest", "tests/core", *session.posargs, env={"CLINK_TEST_CLIENT": "asgi"})


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the repository; mypy --strict over the kernel and every plugin."""
    _install_all(session)
    session.install("ruff", "mypy")
    session.run("ruff", "check", ".")
    packages = [f"plugins/{name}/{name}" for name in PLUGINS]
    session.run("mypy", "--strict", "clink_core", *packages, "examples/plugin_hello/clink_hello")


@nox.session
def docs(session: nox.Session) -> None:
    """The manual (mkdocs.yml, docs/) built into site/ with --strict: a broken link, a
    missing page or API reference fails it. `nox -s docs -- serve` previews it instead.

    mkdocstrings reads the sources (mkdocs.yml's paths), so nothing of clink is installed.
    """
    # ruff formats the API reference's signatures
    session.install("mkdocs>=1.6", "mkdocs-material>=9.5", "mkdocstrings[python]>=0.26", "ruff")
    env = {"NO_MKDOCS_2_WARNING": "1"}
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", "--strict", *session.posargs[1:], env=env)
    else:
        session.run("mkdocs", "build", "--strict", *session.posargs, env=env)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against raw WSGI, Falcon, Flask, FastAPI, Litestar and BlackSheep
    (bench/README.md): `nox -s bench -- --quick`.

    The server part needs wrk, and bjoern needs libev to build: as root with apt-get,
    missing ones are installed; otherwise the run says what it skipped.
    """
    import os
    import shutil

    def has_libev() -> bool:
        return Path("/usr/include/ev.h").exists()

    wanted = [] if shutil.which("wrk") else ["wrk"]
    if not has_libev():
        wanted.append("libev-dev")
    if wanted and shutil.which("apt-get") and os.geteuid() == 0:
        apt = {"external": True, "success_codes": range(256)}  # failing only means fewer rows
        session.run("apt-get", "install", "-y", "-q", *wanted, **apt)
        if not has_libev() or not shutil.which("wrk"):
            session.run("apt-get", "update", "-q", **apt)
            session.run("apt-get", "install", "-y", "-q", *wanted, **apt)
    _install_all(session)
    requirements = ROOT / "bench" / "requirements.txt"
    if has_libev() and shutil.which("cc"):
        session.install("-r", str(requirements))
    else:
        session.warn("no libev or no C compiler: no bjoern; keep-alive rows use gunicorn gthread")
        lines = (line.split("#")[0].strip() for line in requirements.read_text().splitlines())
        session.install(*[line for line in lines if line and not line.startswith("bjoern")])
    session.run("python", "bench/run.py", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """The demo API (examples/book_api) on http://127.0.0.1:8080 (PORT overrides).

    With no CLINK_MONGO_URL it starts an embedded MongoDB-compatible server, with no
    CLINK_SMTP_HOST a console outbox; Ctrl-C stops them with the server (README: Demo
    walkthrough).
    """
    extras = {"clink_mongo": "[embedded]"}
    args = ["-e", "."]
    for name in PLUGINS:
        args += ["-e", f"plugins/{name}{extras.get(name, '')}"]
    session.install(*args)
    # The launcher stops the server, the outbox and the database (~2 s) on Ctrl-C: let it.
    session.run("python", "examples/book_api/run.py", interrupt_timeout=30, terminate_timeout=10)


for _name in PLUGINS:

    @nox.session(name=_name)
    def _plugin(session: nox.Session, _name: str = _name) -> None:
        """The kernel with this plugin (and the plugins it needs): its tests and the core tests."""
        deps = [arg for dep in _plugin_deps(_name) for arg in ("-e", _plugin_req(dep))]
        session.install("-e", ".[models,asgi]", *deps, "-e", _plugin_req(_name))
        session.install(*TEST_DEPS)
        session.run("pytest", "tests/core", *_plugin_tests(_name), *session.posargs)


# -- reliability (README: Reliability) ------------------------------------------------------
RELIABILITY_RESULTS = ROOT / "test-output" / "reliability.jsonl"


def _fresh_results() -> dict[str, str]:
    """An empty results file for the checks to append to (``tests/reliability_results.py``)."""
    RELIABILITY_RESULTS.parent.mkdir(exist_ok=True)
    RELIABILITY_RESULTS.unlink(missing_ok=True)
    return {"CLINK_RELIABILITY_RESULTS": str(RELIABILITY_RESULTS)}


def _summary(session: nox.Session) -> None:
    session.run("python", "fuzz/summary.py", str(RELIABILITY_RESULTS))


@nox.session
def fuzz(session: nox.Session) -> None:
    """Fuzz the kernel's request parsing, a few minutes; not in CI's default run.

    The hypothesis properties of tests/core/test_fuzz_parsing.py with CLINK_FUZZ_EXAMPLES
    (3000) new examples each, then atheris (fuzz/fuzz_kernel.py) for CLINK_FUZZ_SECONDS
    (120) seconds, or as many as given: `nox -s fuzz -- 600`. Prints the inputs tried.
    """
    import os

    session.install("-e", ".[models,asgi]", "atheris", *TEST_DEPS)
    env = _fresh_results()
    env["CLINK_FUZZ_EXAMPLES"] = os.environ.get("CLINK_FUZZ_EXAMPLES") or "3000"
    seconds = session.posargs[0] if session.posargs else (
        os.environ.get("CLINK_FUZZ_SECONDS") or "120")
    try:
        session.run("pytest", "tests/core/test_fuzz_parsing.py", "-q", "-p", "no:cacheprovider",
                    env=env)
        session.run("python", "fuzz/fuzz_kernel.py", "--seconds", seconds, env=env)
    finally:
        _summary(session)


@nox.session
def reliability(session: nox.Session) -> None:
    """Faults, hostile clients and memory at full size, ~10 minutes; not in CI's default run.

    tests/e2e/test_reliability_*.py (gunicorn and bjoern, the database killed under load,
    the mail server down) with CLINK_RELIABILITY_REQUESTS (300,000) requests for the
    memory check, each traced by tracemalloc, then the kernel's fuzz properties; prints
    the results.
    """
    import os

    _install_all(session)
    session.install(*TEST_DEPS)
    _install_servers(session)
    env = _fresh_results()
    env["CLINK_RELIABILITY_REQUESTS"] = os.environ.get("CLINK_RELIABILITY_REQUESTS") or "300000"
    env["CLINK_RELIABILITY_TRACE"] = "full"
    env["CI"] = "true"  # a missing server or package fails the run instead of skipping
    try:
        session.run("pytest", *sorted(str(p) for p in ROOT.glob("tests/e2e/test_reliability_*.py")),
                    "tests/core/test_fuzz_parsing.py", "-q", "-p", "no:cacheprovider",
                    *session.posargs, env=env)
    finally:
        _summary(session)


@nox.session
def scale(session: nox.Session) -> None:
    """Scale-out, shown: tests/e2e/test_scale.py with 30 s of wrk load, ~2 minutes; prints
    the results.

    Two gunicorn instances x 3 workers of docs/examples/deploy_wsgi.py, one SecantusDB
    (or CLINK_TEST_MONGO_URL), aiosmtpd; checks the throttle, refresh-token reuse,
    concurrent registrations, request ids, summed metrics and mail at SIGTERM across
    all six workers (docs/deploying.md). The default `tests` session runs the same file
    in a small form (3 s of load, wrk if installed, else Python threads: ~45 s), so
    every check guards each change; here the load is long and wrk is required (as root
    with apt-get it is installed), and CI=true makes anything missing fail.
    CLINK_SCALE_SECONDS and CLINK_SCALE_CONNECTIONS change the load.
    """
    import os
    import shutil

    if not shutil.which("wrk") and shutil.which("apt-get") and os.geteuid() == 0:
        apt = {"external": True, "success_codes": range(256)}  # a failure shows in the test
        session.run("apt-get", "install", "-y", "-q", "wrk", **apt)
        if not shutil.which("wrk"):
            session.run("apt-get", "update", "-q", **apt)
            session.run("apt-get", "install", "-y", "-q", "wrk", **apt)
    _install_all(session)
    session.install(*TEST_DEPS)
    _install_servers(session)
    env = _fresh_results()
    env["CLINK_SCALE_SECONDS"] = os.environ.get("CLINK_SCALE_SECONDS") or "30"
    env["CLINK_SCALE_CONNECTIONS"] = os.environ.get("CLINK_SCALE_CONNECTIONS") or "8"
    env["CLINK_SCALE_CLIENT"] = "wrk"
    env["CI"] = "true"  # a missing server, package or wrk fails the run instead of skipping
    try:
        session.run("pytest", "tests/e2e/test_scale.py", "-q", "-p", "no:cacheprovider",
                    "-rA", *session.posargs, env=env)
    finally:
        _summary(session)
