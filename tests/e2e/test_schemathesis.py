"""schemathesis against the running demo's /openapi.json.

Every operation is fuzzed (schemathesis's examples, coverage and fuzzing phases,
a bounded number of examples each), then the OpenAPI links (a created book →
read it, remove it) drive stateful scenarios. Every response must be a non-5xx
whose status, content type, headers and body conform to the document. Requests
carry root's access token (root is in the admin group), so guarded operations
get past their guard; tests/e2e/test_demo.py covers the 401 and 403 answers.
"""

from __future__ import annotations

import collections
import time
from typing import Any

import pytest
from demo_harness import FAST_ARGON2, DemoProcess

schemathesis = pytest.importorskip("schemathesis")
pytest.importorskip("clink_auth")
pytest.importorskip("secantus", reason="needs clink-mongo[embedded] (SecantusDB)")

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
#: Per operation in the fuzzing phase (12 operations).
MAX_EXAMPLES = 100
#: Stateful scenarios (up to 6 calls each), within this many seconds.
SCENARIOS = 150
STATEFUL_BUDGET = 90
BOUNDED = settings(
    max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
    database=None, print_blob=True,  # the server keeps state: replaying old examples misleads
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    with DemoProcess(tmp_path_factory.mktemp("fuzz") / "data", **FAST_ARGON2) as proc:
        yield proc
        assert proc.stop() == 0  # still alive and able to stop cleanly after the fuzzing


@pytest.fixture(scope="module")
def root_headers(demo: DemoProcess) -> dict[str, str]:
    return {"Authorization": f"Bearer {demo.token('root', demo.root_pwd)}"}


@pytest.fixture(scope="module")
def api(demo: DemoProcess, root_headers: dict[str, str]) -> Any:
    return schemathesis.openapi.from_url(f"{demo.base}/openapi.json", timeout=10)


lazy = schemathesis.pytest.from_fixture("api")


@lazy.parametrize()
@BOUNDED
def test_every_operation_conforms(case: Any, root_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=root_headers, checks=CHECKS, timeout=30)


def test_every_operation_is_fuzzed(api: Any) -> None:
    """The parametrized test above covers all the demo's operations."""
    labels = {op.label for op in api.get_all_operations_values()} if hasattr(
        api, "get_all_operations_values") else {
        result.ok().label for result in api.get_all_operations()}
    assert {
        "GET /book/list", "GET /book/item", "POST /book/item", "DELETE /book/item",
        "POST /acc/reg/code", "POST /acc/reg", "GET /acc/me", "PUT /acc/me/pwd",
        "POST /acc/pwd/code", "POST /acc/pwd", "POST /auth/token",
    } <= labels


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
