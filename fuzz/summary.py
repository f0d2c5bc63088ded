"""Print the numbers the reliability checks recorded, one line per check.

    python fuzz/summary.py test-output/reliability.jsonl

Each line of the file is what ``tests/reliability_results.record`` wrote: the check's
name and its numbers (inputs tried, faults injected, requests sent, lost writes, worst
503 latency, memory growth). ``nox -s fuzz`` and ``nox -s reliability`` call it last.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def summary(path: Path) -> str:
    """The table of the checks in ``path`` (the last record of each check wins)."""
    if not path.exists():
        return f"no reliability results in {path}: no check recorded any"
    checks: dict[str, dict[str, object]] = {}
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            record.pop("at", None)
            checks[str(record.pop("check"))] = record
    width = max(len(name) for name in checks) if checks else 0
    lines = ["reliability results:"]
    for name, numbers in checks.items():
        shown = ", ".join(f"{k} {v}" for k, v in numbers.items())
        lines.append(f"  {name.ljust(width)}  {shown}")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python fuzz/summary.py RESULTS.jsonl")
    print(summary(Path(sys.argv[1])))
