"""Each example in examples/ runs as a script and prints what the manual shows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = {
    "injector.py": "A car with Turbo v8 engine\nI drive A car with Turbo v8 engine\n",
    "com_stamp.py": "Pump was started\nNozzle is spraying\n",
    "com_rw_stamp.py": "class BrokenCar has a note: This cars can not boot. It must be fixs\n",
    "router.py": "This is story book\nThis is baseball hat\n",
    # Deliberate deviation from the manual: the submitted value is never echoed.
    "dflow_verify.py": (
        "Car is running on the 1st Hell Street\n"
        "Error:  road: (root) must match pattern '^[a-zA-Z0-9 ]{6,32}$' (rule 'pattern')\n"
    ),
}


def run_example(name: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    # clink_core may not be installed: the repository root makes it importable.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, str(Path("examples") / name)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_prints_the_manual_output(name: str) -> None:
    result = run_example(name)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == EXPECTED[name]
