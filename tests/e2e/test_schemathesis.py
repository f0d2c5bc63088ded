"""schemathesis against the running demo's /openapi.json.

``schemathesis run`` (its command line, so its own runner handles a server that
keeps state) tests every operation in all its phases: the examples, the
coverage cases (boundaries, missing and wrong values, wrong content types), the
fuzzing (a bounded number of examples per operation) and the stateful scenarios
along the document's OpenAPI links (a created book -> read it, remove it), for
a bounded time. Every response must be a non-5xx whose status, content type,
headers and body conform to the document. A second test walks the links with
schemathesis's Python state machine and checks they lead somewhere (201, then
200 and 204). Requests carry root's access token (root is in the admin group),
so guarded operations get past their guard; tests/e2e/test_demo.py covers the
401 and 403 answers.
"""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from demo_harness import FAST_ARGON2, DemoProcess
from e2e_needs import missing, need_module

schemathesis = need_module("schemathesis")
need_module("clink_auth")
need_module("secantus", "needs clink-mongo[embedded] (SecantusDB)")

from hypothesis import HealthCheck, Phase, settings  # noqa: E402  (schemathesis brings it)
from hypothesis.errors import Flaky  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.timeout(420)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
#: Examples per operation in the fuzzing phase, and the whole run's time budget.
MAX_EXAMPLES = 100
MAX_TIME = 90
#: Stateful scenarios (up to 6 calls each) of the Python state machine, within this many seconds.
SCENARIOS = 150
STATEFUL_BUDGET = 60


def cli() -> list[str]:
    """``schemathesis``, from this interpreter's environment."""
    script = Path(sys.executable).with_name("schemathesis")
    found = str(script) if script.is_file() else shutil.which("schemathesis")
    if found is None:
        missing("the schemathesis command is not installed")
    return [found]


@pytest.fixture(scope="module", params=["wsgi", "asgi"])
def demo(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
    """The demo on clink's WSGI server, then the same app over ASGI under uvicorn."""
    if request.param == "asgi":
        need_module("uvicorn", "the ASGI demo needs clink-core[asgi] (uvicorn)")
    with DemoProcess(tmp_path_factory.mktemp("fuzz") / "data", **FAST_ARGON2,
                     CLINK_DEMO_SERVER=request.param) as proc:
        yield proc
        assert proc.stop() == 0  # still alive and able to stop cleanly after the fuzzing


@pytest.fixture(scope="module")
def root_headers(demo: DemoProcess) -> dict[str, str]:
    return {"Authorization": f"Bearer {demo.token('root', demo.root_pwd)}"}


@pytest.fixture(scope="module")
def api(demo: DemoProcess, root_headers: dict[str, str]) -> Any:
    return schemathesis.openapi.from_url(f"{demo.base}/openapi.json", timeout=10)


def test_every_operation_conforms(demo: DemoProcess, root_headers: dict[str, str],
                                  tmp_path: Path) -> None:
    paths = demo.call("GET", "/openapi.json")[2]["paths"]
    operations = {f"{method.upper()} {path}" for path, item in paths.items() for method in item}
    junit = tmp_path / "junit.xml"
    command = [
        *cli(), "--no-color", "run", f"{demo.base}/openapi.json",
        "--header", f"Authorization: {root_headers['Authorization']}",
        "--checks", ",".join(check.__name__ for check in CHECKS),
        "--phases", "examples,coverage,fuzzing,stateful",
        "--max-examples", str(MAX_EXAMPLES), "--max-time", str(MAX_TIME),
        "--generation-database", "none", "--request-timeout", "30", "--workers", "1",
        "--report", "junit", "--report-junit-path", str(junit),
    ]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                          timeout=MAX_TIME + 240, check=False)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    suite = ElementTree.parse(junit).getroot()
    assert (suite.get("failures"), suite.get("errors")) == ("0", "0"), out
    tested = {case.get("name") for case in suite.iter("testcase")}
    assert operations | {"Stateful tests"} <= tested, out
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert re.search(rf"✅ {phase}\b", out), out
    links = re.search(r"API Links: +(\d+) covered / (\d+) selected / (\d+) total", out)
    assert links and int(links[1]) == int(links[3]) >= 2, out  # every link was followed


def test_stateful_links(api: Any, root_headers: dict[str, str]) -> None:
    """Scenarios along the links until ``SCENARIOS`` ran or ``STATEFUL_BUDGET`` seconds passed.

    The server keeps state, so a scenario Hypothesis replays may answer otherwise
    (a book created again is a 409): Hypothesis then stops with ``Flaky``. That is
    no failure unless a check failed, and the machine runs again, as schemathesis's
    own runner does. Every failed check is kept and fails the test.
    """
    seen: collections.Counter[tuple[str, int]] = collections.Counter()
    failures: list[Exception] = []
    scenarios = 0

    class Links(api.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            nonlocal scenarios
            scenarios += 1

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": root_headers, "timeout": 30}

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            seen[(case.operation.label, response.status_code)] += 1

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None,
                              **kwargs: Any) -> None:
            try:
                case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None,
                                       recorder=getattr(self, "recorder", None))
            except Exception as e:
                failures.append(e)
                raise

    deadline = time.monotonic() + STATEFUL_BUDGET
    while scenarios < SCENARIOS and time.monotonic() < deadline:
        try:
            Links.run(settings=settings(
                max_examples=SCENARIOS, stateful_step_count=6, deadline=None,
                suppress_health_check=list(HealthCheck), phases=[Phase.generate],
                database=None, print_blob=True,
            ))
        except Flaky:
            if failures:
                raise failures[0] from None
        else:
            break
    print(f"{scenarios} stateful scenarios; (operation, status) counts: {dict(seen)}")
    assert not failures
    # The links were followed: books created, then read and removed by their id.
    assert seen[("POST /book/item", 201)] > 0, seen
    assert seen[("GET /book/item", 200)] > 0, seen
    assert seen[("DELETE /book/item", 204)] > 0, seen
