"""The demo's /docs page in headless Chromium (Debian's chromium, driven by Playwright).

The page lists the operations, "Try it out" → "Execute" on ``GET /book/list``
shows the live answer, and nothing is fetched from anywhere but the demo (the
Swagger UI assets ship inside clink-core). A screenshot goes to
``test-output/docs.png`` at the repository root.

Chromium comes from the Debian packages ``chromium`` and ``chromium-driver``: when
they are missing and the tests run as root with apt-get (CI), they are installed;
otherwise the test is skipped, saying why. ``playwright install`` is never run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from demo_harness import ROOT, DemoProcess
from e2e_needs import missing, need_module

need_module("clink_auth")
need_module("secantus", "needs clink-mongo[embedded] (SecantusDB)")
sync_api = need_module("playwright.sync_api", "needs playwright (pip)")

pytestmark = pytest.mark.timeout(900)  # a first apt-get install of chromium takes minutes

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
OUTPUT = ROOT / "test-output"


def _apt_install() -> str | None:
    """Install chromium with apt-get; ``None`` when done, else why it could not be."""
    if not shutil.which("apt-get"):
        return "no apt-get on this machine"
    if os.geteuid() != 0:
        return "not root, so apt-get cannot install it (apt-get install chromium chromium-driver)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "chromium", "chromium-driver"]
    for command in (install, ["apt-get", "update", "-q"], install):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600,
                              check=False)
        if command is install and done.returncode == 0 and Path(CHROMIUM).exists():
            return None
    return f"apt-get could not install chromium: {done.stdout[-500:]}{done.stderr[-500:]}"


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of Debian's chromium, installed if missing and possible."""
    if not Path(CHROMIUM).exists():
        why = _apt_install()
        if why is not None:
            missing(f"headless Chromium is not available: {why}")
    return CHROMIUM


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    with DemoProcess(tmp_path_factory.mktemp("docs") / "data") as proc:
        yield proc


def test_docs_page_lists_operations_and_executes_a_request(
    chromium: str, demo: DemoProcess, tmp_path: Path
):
    root = demo.token("root", demo.root_pwd)
    book = {"title": "The Left Hand of Darkness", "author": "Ursula K. Le Guin",
            "isbn": "9780441478125", "year": 1969}
    assert demo.call("POST", "/book/item", book, token=root)[0] == 201

    elsewhere: list[str] = []
    OUTPUT.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900},
        )
        try:
            def only_the_demo(route: object, request: object) -> None:
                url = request.url  # type: ignore[attr-defined]
                if urlsplit(url).netloc == f"127.0.0.1:{demo.port}":
                    route.continue_()  # type: ignore[attr-defined]
                else:
                    elsewhere.append(url)
                    route.abort()  # type: ignore[attr-defined]

            context.route("**/*", only_the_demo)
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.goto(f"{demo.base}/docs")

            # The operations are listed.
            page.wait_for_selector(".opblock")
            listed = {
                (block.locator(".opblock-summary-method").inner_text().strip(),
                 block.locator(".opblock-summary-path").inner_text().strip().replace("\u200b", ""))
                for block in page.locator(".opblock").all()
            }
            assert {("GET", "/book/list"), ("GET", "/book/item"), ("POST", "/book/item"),
                    ("DELETE", "/book/item"), ("POST", "/acc/reg/code"), ("POST", "/acc/reg"),
                    ("POST", "/auth/token"), ("GET", "/acc/me")} <= listed, listed
            assert page.locator(".info .title").inner_text().startswith("book-api")

            # Try it out → Execute on GET /book/list, and read the answer.
            block = page.locator(".opblock-get", has=page.locator(
                ".opblock-summary-path[data-path='/book/list']"))
            block.locator(".opblock-summary").click()
            block.locator("button.try-out__btn").click()
            block.locator("button.execute").click()
            status = block.locator(".live-responses-table .response .response-col_status")
            status.first.wait_for()
            assert status.first.inner_text().strip() == "200"
            answer = block.locator(".live-responses-table .response-col_description pre").first
            assert '"title": "The Left Hand of Darkness"' in answer.inner_text()
            assert '"total": 1' in answer.inner_text()
            page.screenshot(path=str(OUTPUT / "docs.png"), full_page=True)
        finally:
            context.close()
    assert elsewhere == []  # the page works offline: nothing but the demo was asked for
    assert (OUTPUT / "docs.png").stat().st_size > 10_000
