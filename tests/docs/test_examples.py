"""Every docs/examples/*.py runs standalone: exit 0, in bounded time.

Each example checks its own claims with asserts, so a manual page whose code no
longer does what the page says fails here. The examples/ folder (the 2017
manual's examples, replayed by tests/core/test_examples.py and
tests/e2e/test_manual_examples.py) is not run again here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .site import DOCS, EXAMPLES, OTHERS_PAGES, OTHERS_PREFIXES, ROOT

#: generous: an example takes about a second alone, more on a machine shared with others.
TIMEOUT = 120

EXAMPLE_FILES = sorted(p for p in EXAMPLES.glob("*.py"))
SNIPPET = re.compile(r'^--8<-- "([^"]+)"$')


@pytest.mark.timeout(TIMEOUT + 30)
@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.name for p in EXAMPLE_FILES])
def test_example_runs(path: Path) -> None:
    done = subprocess.run([sys.executable, str(path.relative_to(ROOT))], cwd=ROOT,
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert done.returncode == 0, f"{path.name} failed:\n{done.stdout}\n{done.stderr}"


def _fences(page: Path) -> list[tuple[int, list[str]]]:
    """The python code fences of a page: (line number, the lines inside)."""
    fences, inside, start = [], None, 0
    for number, line in enumerate(page.read_text().splitlines(), 1):
        stripped = line.strip()
        if inside is None and stripped.startswith("```python"):
            inside, start = [], number
        elif inside is not None and stripped.startswith("```"):
            fences.append((start, inside))
            inside = None
        elif inside is not None:
            inside.append(stripped)
    return fences


def _own_pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md")
                  if p.relative_to(DOCS).as_posix() not in OTHERS_PAGES)


def test_python_code_in_the_manual_is_an_example_file() -> None:
    """No python code typed inline: each fence holds one snippet line naming an example."""
    inline = [
        f"{page.relative_to(ROOT)}:{start}"
        for page in _own_pages() for start, lines in _fences(page)
        if len(lines) != 1 or not SNIPPET.match(lines[0])
        or not lines[0].split('"')[1].startswith("docs/examples/")
    ]
    assert inline == [], f"python code typed in a page, not included from docs/examples/: {inline}"


def test_every_example_is_shown() -> None:
    """An example no page includes checks nothing a reader sees: each is included somewhere."""
    included = {SNIPPET.match(line).group(1)  # type: ignore[union-attr]
                for page in DOCS.rglob("*.md") for _, lines in _fences(page)
                for line in lines if SNIPPET.match(line)}
    ours = [p for p in EXAMPLE_FILES if not p.name.startswith(OTHERS_PREFIXES)]
    missing = [p.name for p in ours if f"docs/examples/{p.name}" not in included]
    assert missing == [], f"examples no page includes: {missing}"


def test_handlers_are_typed() -> None:
    """Handlers in the examples take ``(req: Request, res: Response)``."""
    untyped = [
        f"{p.name}:{n}" for p in EXAMPLE_FILES if not p.name.startswith(OTHERS_PREFIXES)
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if re.search(r"def \w+\(self, req(, res)?\)", line)
    ]
    assert untyped == [], f"untyped handlers: {untyped}"
