"""The benchmark's apps answer alike, so the benchmark compares like with like.

No timing here: only that every app (raw WSGI, Falcon twice, Flask, clink and the
optional clink rows) gives the same status, content type and JSON body for every
scenario, and the same status for more bad requests. Apps whose framework or plugin
is not installed are skipped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import bench_apps as ba  # noqa: E402


@pytest.fixture(autouse=True)
def _log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """clink_log (when installed) writes under the test's folder, not /var/tmp."""
    monkeypatch.setenv("CLINK_LOG_DIR", str(tmp_path / "logs"))



def app_for(key: str) -> Any:
    try:
        return ba.build(key)
    except ba.Unavailable as e:
        pytest.skip(f"{ba.APPS[key].label}: {e}")


def _cases() -> list[Any]:
    cases = []
    for key, spec in ba.APPS.items():
        for s in ba.SCENARIOS:
            if spec.scenarios is None or s in spec.scenarios:
                cases.append(pytest.param(key, s, id=f"{key}-{s}"))
    return cases


@pytest.mark.parametrize(("key", "scenario"), _cases())
def test_every_app_answers_every_scenario_alike(key: str, scenario: str) -> None:
    app = app_for(key)
    scen = ba.SCENARIOS[scenario]
    answer = ba.call(app, ba.scenario_environ(scen, ba.APPS[key]), scen.body)
    assert ba.check_answer(scen, answer) == []


@pytest.mark.parametrize("key", ba.CORE_APPS)
def test_bodies_equal_the_raw_apps(key: str) -> None:
    """Parsed bodies equal across apps (the invalid POST's message aside)."""
    raw = ba.build("raw")
    app = app_for(key)
    for scen in ba.SCENARIOS.values():
        mine = ba.call(app, ba.scenario_environ(scen), scen.body)
        ref = ba.call(raw, ba.scenario_environ(scen), scen.body)
        assert mine.status == ref.status, scen.key
        mine_body, ref_body = mine.json, ref.json
        if not scen.same_message:
            mine_body.pop("message")
            ref_body.pop("message")
        assert mine_body == ref_body, scen.key


BAD_POSTS = {
    "missing author": (json.dumps({"name": "Dead Note"}).encode(), ba.MIME_JSON, 400),
    "extra property": (
        json.dumps({"name": "Dead Note", "author": "Death", "x": 1}).encode(), ba.MIME_JSON, 400,
    ),
    "wrong type": (json.dumps({"name": 7, "author": "Death"}).encode(), ba.MIME_JSON, 400),
    "not an object": (b"[]", ba.MIME_JSON, 400),
    "malformed JSON": (b'{"name": ', ba.MIME_JSON, 400),
    "charset parameter": (
        json.dumps({"name": "Dead Note", "author": "Death"}).encode(),
        "application/json; charset=utf-8",
        201,
    ),
}


@pytest.mark.parametrize("key", ba.CORE_APPS)
@pytest.mark.parametrize("case", sorted(BAD_POSTS))
def test_more_posts_get_the_same_status(key: str, case: str) -> None:
    app = app_for(key)
    body, ctype, status = BAD_POSTS[case]
    answer = ba.call(app, ba.make_environ("POST", "/book/item", body, ctype), body)
    assert answer.status == status
    assert (answer.header("Content-Type") or "").startswith(ba.MIME_JSON)
    data = answer.json
    if status >= 400:
        assert data["status"] == status
        assert data["status_name"] == ba.STATUS_LINES[status]
        assert data["message"]


def test_the_null_app_and_the_harness_loop() -> None:
    """The harness's own loop runs an app and consumes its body (no timing checked)."""
    import inprocess

    scen = ba.SCENARIOS["post"]
    env = ba.scenario_environ(scen)
    assert inprocess.batch(ba.null_app, env, scen.body, 3) > 0
    assert inprocess.batch(ba.build("raw"), env, scen.body, 3) > 0
