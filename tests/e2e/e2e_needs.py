"""What an end-to-end test needs (a command, a package, a browser): skip without it,
except under CI (``CI=true``), where a missing tool fails the run instead of hiding it."""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import NoReturn

import pytest


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(reason: str) -> NoReturn:
    """Skip the test for ``reason``; under CI, fail it."""
    if under_ci():
        pytest.fail(f"{reason} (CI=true: this test must run, not be skipped)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def need_module(name: str, reason: str | None = None) -> ModuleType:
    """Import ``name`` or call ``missing``."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        missing(reason or f"needs {name} ({e})")
