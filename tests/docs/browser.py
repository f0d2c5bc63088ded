"""Headless Chromium for the manual's browser test: Debian's ``chromium``, driven by Playwright.

As ``tests/e2e/test_docs_browser.py`` does: when chromium is missing and the tests
run as root with apt-get (CI), it is installed; otherwise the test is skipped,
saying why, except under ``CI=true``, where a missing browser fails the run.
``playwright install`` (a download) is never run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(reason: str) -> NoReturn:
    """Skip for ``reason``; under CI, fail instead of hiding the missing tool."""
    if under_ci():
        pytest.fail(f"{reason} (CI=true: this test must run, not be skipped)", pytrace=False)
    pytest.skip(reason)


def _apt_install() -> str | None:
    """Install chromium with apt-get; ``None`` when done, else why it could not be."""
    if not shutil.which("apt-get"):
        return "no apt-get on this machine"
    if os.geteuid() != 0:
        return "not root, so apt-get cannot install it (apt-get install chromium)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "chromium", "chromium-driver"]
    done = None
    for command in (install, ["apt-get", "update", "-q"], install):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600,
                              check=False)
        if command is install and done.returncode == 0 and Path(CHROMIUM).exists():
            return None
    assert done is not None
    return f"apt-get could not install chromium: {done.stdout[-500:]}{done.stderr[-500:]}"


def chromium_path() -> str:
    """The path of Debian's chromium, installed if missing and possible."""
    if not Path(CHROMIUM).exists():
        why = _apt_install()
        if why is not None:
            missing(f"headless Chromium is not available: {why}")
    return CHROMIUM
