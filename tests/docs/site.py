"""Building the manual with ``mkdocs build --strict``, as ``nox -s docs`` does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
EXAMPLES = DOCS / "examples"

#: the pages other helpers own; the manual's nav lists them.
OTHERS_PAGES = ("http.md", "asgi.md", "deploying.md", "performance.md")
#: the example prefixes of those pages' owners.
OTHERS_PREFIXES = ("http_", "asgi_", "deploy_", "perf_")


def build(site_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run ``mkdocs build --strict`` from the repository root into ``site_dir``."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )


def warnings(output: str) -> list[str]:
    """The WARNING and ERROR lines of a build's log."""
    return [line for line in output.splitlines() if line.startswith(("WARNING", "ERROR"))]
