"""The manual builds with ``mkdocs build --strict`` (what ``nox -s docs`` runs).

A broken link or anchor, a missing snippet, a page left out of the nav or an API
reference that cannot be resolved is a warning, and --strict fails on it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from .site import DOCS, OTHERS_PAGES, ROOT, warnings

pytestmark = pytest.mark.timeout(900)


def _nav_pages(nav: list) -> list[str]:
    pages: list[str] = []
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages += _nav_pages(value) if isinstance(value, list) else [value]
    return pages


def test_the_site_builds_strict_without_a_warning(
    built_site: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    site, done = built_site
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-4000:]
    assert warnings(log) == [], log[-4000:]
    for page in ("index.html", "quickstart.html", "routes.html", "plugins/auth.html",
                 "reference/clink_core/app.html", "reference/plugins/clink_mongo.html"):
        assert (site / page).stat().st_size > 5_000, page


def test_code_blocks_are_the_example_files(
    built_site: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    """The snippet lines were replaced by the files they name."""
    site, _ = built_site
    html = (site / "routing.html").read_text()
    assert "--8&lt;--" not in html and "--8<--" not in html
    assert "create_item" in html and "RouteExistError" in html


def test_the_api_reference_is_generated(
    built_site: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    site, _ = built_site
    app = (site / "reference" / "clink_core" / "app.html").read_text()
    assert 'id="clink_core.app.app.App.load"' in app
    assert "Create every component, build the routes and compile the pipeline." in app
    mongo = (site / "reference" / "plugins" / "clink_mongo.html").read_text()
    assert 'id="clink_mongo.MongoSv"' in mongo or 'id="clink_mongo.service.MongoSv"' in mongo


def test_the_nav_lists_the_pages_of_others_that_exist() -> None:
    """docs/http.md, asgi.md, deploying.md and performance.md are listed once written."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    listed = _nav_pages(config["nav"])
    for page in OTHERS_PAGES:
        if (DOCS / page).exists():
            assert page in listed, f"docs/{page} exists: list it in mkdocs.yml's nav"


def test_every_plugin_readme_is_a_page() -> None:
    """A plugin's README is its manual page, included whole (one source)."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    listed = set(_nav_pages(config["nav"]))
    for page in (DOCS / "plugins").glob("*.md"):
        assert f"plugins/{page.name}" in listed
        text = page.read_text()
        if text.startswith("--8<--"):
            readme = text.split('"')[1]
            assert (ROOT / readme).is_file(), readme
