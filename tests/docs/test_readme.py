"""The README holds what it should: the two commands (CI runs its test command), links
into the manual that resolve, and a quickstart that is one of the manual's examples."""

from __future__ import annotations

import re

from .site import DOCS, ROOT

README = (ROOT / "README.md").read_text()
TEST_COMMAND = "python3 -m pip install nox && nox -s tests"
DEMO_COMMAND = "python3 -m pip install nox && nox -s demo"


def test_the_readme_shows_both_commands_and_ci_runs_its_test_command() -> None:
    assert TEST_COMMAND in README and DEMO_COMMAND in README
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert TEST_COMMAND in ci, "the README's test command is the command .ci/run runs"


def test_links_into_the_manual_resolve() -> None:
    links = re.findall(r"\]\((docs/[^)#\s]+)(?:#[^)]*)?\)", README)
    assert len(links) >= 10, "the README links to the manual's chapters"
    missing = [link for link in links if not (ROOT / link).is_file()]
    assert missing == [], f"README links to files that do not exist: {missing}"


def test_the_quickstart_is_the_manual_example() -> None:
    """The README's quickstart code is docs/examples/quickstart_app.py's app, verbatim."""
    example = (DOCS / "examples" / "quickstart_app.py").read_text()
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert blocks, "the README has a python quickstart"
    for line in blocks[0].splitlines():
        if line.strip() and not line.startswith("#"):
            assert line in example, f"README quickstart line not in quickstart_app.py: {line!r}"
