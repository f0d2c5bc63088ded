"""The built manual in headless Chromium, served from 127.0.0.1: the navigation and the
search box work, and nothing is fetched from anywhere else (no fonts, no CDN).

A screenshot of a search goes to ``test-output/docs-search.png``.
"""

from __future__ import annotations

import functools
import http.server
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .browser import CHROMIUM_ARGS, chromium_path, missing
from .site import ROOT

pytestmark = pytest.mark.timeout(900)  # a first apt-get install of chromium takes minutes


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def heading(page: object) -> str:
    """The page's title, without the permalink sign after it."""
    return page.locator("h1").first.inner_text().rstrip("¶").strip()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def served_site(built_site: tuple[Path, subprocess.CompletedProcess[str]]) -> Iterator[str]:
    """The built site on a free port of 127.0.0.1, by the standard library's server."""
    site, done = built_site
    if done.returncode != 0:
        pytest.fail(f"the site did not build:\n{done.stderr[-3000:]}")
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_navigation_and_search_work_offline(served_site: str, tmp_path: Path) -> None:
    try:
        from playwright import sync_api
    except ImportError:
        missing("needs playwright (pip)")
    chromium = chromium_path()
    here = urlsplit(served_site).netloc
    elsewhere: list[str] = []
    output = ROOT / "test-output"
    output.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900},
        )
        try:
            def only_the_site(route: object, request: object) -> None:
                url = request.url  # type: ignore[attr-defined]
                if urlsplit(url).netloc == here:
                    route.continue_()  # type: ignore[attr-defined]
                else:
                    elsewhere.append(url)
                    route.abort()  # type: ignore[attr-defined]

            context.route("**/*", only_the_site)
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.goto(f"{served_site}/index.html")
            assert heading(page) == "Clink"

            # The navigation: a chapter, then a plugin page, then the API reference.
            nav = page.locator("nav.md-nav--primary")
            nav.get_by_role("link", name="Routing", exact=True).first.click()
            page.wait_for_url("**/routing.html")
            assert heading(page) == "Routing"
            assert "create_item" in page.locator("article").inner_text()  # the example

            page.locator("nav.md-nav--primary").get_by_role(
                "link", name="clink-mongo", exact=True).first.click()
            page.wait_for_url("**/plugins/mongo.html")
            assert heading(page) == "clink-mongo"

            # "Next" in the footer follows the nav's order.
            page.goto(f"{served_site}/quickstart.html")
            page.locator("a.md-footer__link--next").click()
            page.wait_for_url("**/demo.html")

            # The search box: Material's search runs in the page, on search_index.json.
            page.goto(f"{served_site}/index.html")
            box = page.locator("input.md-search__input")
            box.click()
            box.fill("converter")
            results = page.locator(".md-search-result__item")
            results.first.wait_for()
            assert results.count() >= 2
            titles = page.locator(".md-search-result__article h1").all_inner_texts()
            assert any("Routes and parameters" in t for t in titles), titles
            page.screenshot(path=str(output / "docs-search.png"))
            page.locator(".md-search-result__link", has=page.locator(
                "h1", has_text="Routes and parameters")).first.click()
            page.wait_for_url("**/routes.html*")
            assert heading(page) == "Routes and parameters"
        finally:
            context.close()
    assert elsewhere == [], f"the manual fetched from elsewhere: {elsewhere}"
    assert (output / "docs-search.png").stat().st_size > 10_000
