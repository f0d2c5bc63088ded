"""CPU instructions per request, counted by callgrind: a measure the machine's load does not move.

Wall time on the shared 2-core machine moves by 20 % (at times 2x) between runs; the
number of instructions a request executes does not. This runs each (app, scenario)
in a child process under ``valgrind --tool=callgrind`` twice, with ``N`` requests
and with none (start-up, imports and the warm-up alike), and reports the difference
divided by ``N``; ratios of these counts are what the in-process ratios would be on
an idle machine, caches and branch prediction aside.

    python bench/instructions.py [--apps clink] [--scenarios post,post_invalid] [--requests 2000]

Needs valgrind (Debian: ``apt-get install -y valgrind``). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import bench_apps as ba  # noqa: E402

_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")
WARM_UP = 200
TIMES = "\u00d7"  # ratios to the first scenario


class ValgrindMissing(RuntimeError):
    """valgrind is not installed: install it (``apt-get install -y valgrind``)."""


def _child(app_key: str, scenario_key: str, requests: int) -> None:
    """Build the app, warm it up, then serve ``requests`` requests (counted by the parent)."""
    import inprocess

    app = ba.build(app_key)
    scenario = ba.SCENARIOS[scenario_key]
    base = ba.request_for(app, ba.scenario_environ(scenario, ba.APPS[app_key]))
    inprocess.batch(app, base, scenario.body, WARM_UP)
    if requests:
        inprocess.batch(app, base, scenario.body, requests)


def _count(app_key: str, scenario_key: str, requests: int) -> int:
    argv = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, str(Path(__file__).resolve()), "--child", app_key, scenario_key,
        str(requests),
    ]
    # A fixed hash seed: str hashes, and so dict and set probe lengths, are the same in
    # every run (with a random seed the counts moved by ±0.5 k per request).
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    out = subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False,
                         stdin=subprocess.DEVNULL, env=env)
    found = _COLLECTED.search(out.stderr)
    if out.returncode != 0 or found is None:
        raise RuntimeError(f"callgrind run failed ({out.returncode}): {out.stderr[-600:]}")
    return int(found.group(1))


def per_request(app_key: str, scenario_key: str, requests: int) -> float:
    """Instructions one request of ``scenario_key`` costs ``app_key`` (harness included)."""
    if shutil.which("valgrind") is None:
        raise ValgrindMissing(ValgrindMissing.__doc__)
    return (_count(app_key, scenario_key, requests) - _count(app_key, scenario_key, 0)) / requests


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--apps", default="clink")
    p.add_argument("--scenarios", default="post,post_invalid")
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--child", nargs=3, metavar=("APP", "SCENARIO", "N"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        _child(args.child[0], args.child[1], int(args.child[2]))
        return 0
    apps, scenarios = args.apps.split(","), args.scenarios.split(",")
    print("| app | " + " | ".join(ba.SCENARIOS[s].label for s in scenarios) + " |")
    print("|---|" + "---:|" * len(scenarios))
    for a in apps:
        counts = [per_request(a, s, args.requests) for s in scenarios]
        cells = [f"{c / 1000:,.1f} k" for c in counts]
        if len(counts) > 1:
            cells[1:] = [f"{c / 1000:,.1f} k ({c / counts[0]:.2f} {TIMES})"
                         for c in counts[1:]]
        print(f"| {ba.APPS[a].label} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
