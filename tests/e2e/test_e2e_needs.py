"""A missing tool skips an end-to-end test locally and fails it under CI."""

from __future__ import annotations

import pytest
from e2e_needs import missing, need_module


def test_missing_skips_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no frobnicator"):
        missing("no frobnicator")


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_missing_fails_under_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        missing("no frobnicator")
    with pytest.raises(pytest.fail.Exception, match="no_such_module_here"):
        need_module("no_such_module_here")


def test_need_module_returns_the_module():
    assert need_module("json").loads("1") == 1
