"""The manual built once per session, for the build and the browser tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .site import build


@pytest.fixture(scope="session")
def built_site(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The site folder and the build's result (``mkdocs build --strict``)."""
    pytest.importorskip("mkdocs", reason="needs mkdocs (nox -s tests installs it)")
    site = tmp_path_factory.mktemp("site")
    return site, build(site)
