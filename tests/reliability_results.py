"""Numbers the reliability tests measure (inputs tried, faults injected, requests sent,
lost writes, worst 503 latency, memory growth), printed and collected for the sessions.

``record("db-outage", requests=1200, lost_writes=0)`` prints one ``reliability:`` line
(shown with ``pytest -s`` or ``-rA``) and, when ``CLINK_RELIABILITY_RESULTS`` names a
file, appends the numbers to it as one JSON line; ``nox -s fuzz`` and
``nox -s reliability`` print the table of that file at the end (``fuzz/summary.py``).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

RESULTS_ENV = "CLINK_RELIABILITY_RESULTS"


def record(check: str, **numbers: Any) -> None:
    """Report the numbers of one check."""
    shown = " ".join(f"{k}={v}" for k, v in numbers.items())
    print(f"\nreliability: {check}: {shown}", flush=True)
    path = os.environ.get(RESULTS_ENV)
    if path:
        line = json.dumps({"check": check, "at": round(time.time()), **numbers})
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
