"""Benchmark clink against raw WSGI, Falcon, Flask, FastAPI, Litestar and BlackSheep.

Writes bench/results/.

    python bench/run.py            # full: in-process, servers + wrk, scaling, profile
    python bench/run.py --quick    # in-process only, fewer rounds (< 30 s)
    nox -s bench -- --quick

Every app's answers are checked (status, content type, JSON body) before anything
is timed; an app that answers wrongly is left out and the run exits non-zero.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import bench_apps as ba  # noqa: E402
import inprocess  # noqa: E402
import report  # noqa: E402
import servers  # noqa: E402

RESULTS = BENCH_DIR / "results"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Benchmark clink against its peers.")
    p.add_argument("--quick", action="store_true",
                   help="in-process only, fewer rounds: under 30 s (writes results/quick.*)")
    p.add_argument("--rounds", type=int, help="in-process rounds (full 40, quick 12)")
    p.add_argument("--batch-ms", type=float, help="ms per timed batch (full 20, quick 10)")
    p.add_argument("--apps", help="comma-separated app keys (default: all that can run)")
    p.add_argument("--scenarios", help="comma-separated scenario keys (default: all)")
    p.add_argument("--no-server", action="store_true", help="skip the server + wrk part")
    p.add_argument("--no-profile", action="store_true", help="skip the clink profile")
    p.add_argument("--no-scaling", action="store_true",
                   help="skip the cost-as-work-grows rows (routes, plugins, bodies, memory, "
                   "import time)")
    p.add_argument("--server-seconds", type=int, default=2, help="seconds per wrk run")
    p.add_argument("--server-rounds", type=int, default=2,
                   help="wrk runs per app and scenario (the best counts)")
    p.add_argument("--connections", type=int, default=16, help="wrk connections")
    p.add_argument("--soak", type=int, default=100_000,
                   help="requests an app serves between the two memory readings")
    p.add_argument("--soak-cap", type=float, default=40.0,
                   help="seconds of extra load at most, per app, to reach --soak")
    p.add_argument("--profile-requests", type=int, default=20000)
    p.add_argument("--out", help="basename of the result files (full: latest, quick: quick)")
    args = p.parse_args(argv)
    args.argv = list(argv if argv is not None else sys.argv[1:])
    if args.quick:
        args.rounds = args.rounds or 12
        args.batch_ms = args.batch_ms or 10.0
        args.no_server = True
        args.no_profile = True
        args.no_scaling = True
        args.out = args.out or "quick"
    else:
        args.rounds = args.rounds or 40
        args.batch_ms = args.batch_ms or 20.0
        args.out = args.out or "latest"
    return args


def build_apps(keys: Sequence[str], scenarios: Sequence[str]) -> tuple[
    dict[str, Any], dict[str, str], dict[str, list[str]]
]:
    """Build and check every app; returns the good ones, the skipped, the wrong ones."""
    apps: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    wrong: dict[str, list[str]] = {}
    for key in keys:
        try:
            app = ba.build(key)
        except ba.Unavailable as e:
            skipped[key] = str(e)
            continue
        except Exception as e:  # a plugin under development may fail to load
            skipped[key] = f"could not be built: {type(e).__name__}: {e}"
            continue
        problems = []
        spec = ba.APPS[key]
        for s in scenarios:
            if not ba.runs(key, s):
                continue
            scen = ba.SCENARIOS[s]
            answer = ba.call(app, ba.scenario_environ(scen, spec), scen.body)
            problems += [f"{s}: {p}" for p in ba.check_answer(scen, answer)]
        if problems:
            wrong[key] = problems
        else:
            apps[key] = app
    return apps, skipped, wrong


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    keys = args.apps.split(",") if args.apps else list(ba.APPS)
    scenarios = args.scenarios.split(",") if args.scenarios else list(ba.SCENARIOS)
    for k in keys:
        if k not in ba.APPS:
            sys.exit(f"unknown app {k!r}; known: {', '.join(ba.APPS)}")
    for s in scenarios:
        if s not in ba.SCENARIOS:
            sys.exit(f"unknown scenario {s!r}; known: {', '.join(ba.SCENARIOS)}")
    RESULTS.mkdir(exist_ok=True)
    # clink_log writes its files here (servers inherit it), not under /var/tmp/<app>/
    if "CLINK_LOG_DIR" not in os.environ:
        log_dir = tempfile.mkdtemp(prefix="clink-bench-logs-")
        os.environ["CLINK_LOG_DIR"] = log_dir
        # registered before any app exists, so it runs after clink_log's own exit flush
        atexit.register(shutil.rmtree, log_dir, ignore_errors=True)
    return _main(args, keys, scenarios)


def _main(args: argparse.Namespace, keys: list[str], scenarios: list[str]) -> int:
    started = time.monotonic()
    data: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python bench/run.py", *args.argv]),
        "machine": report.machine(),
        "versions": report.versions(),
        "load_before": report.loadavg(),
    }
    apps, skipped, wrong = build_apps(keys, scenarios)
    for key, why in skipped.items():
        print(f"skipped {ba.APPS[key].label}: {why}")
    for key, problems in wrong.items():
        print(f"WRONG ANSWERS from {ba.APPS[key].label} (left out):")
        for p in problems:
            print(f"  {p}")
        skipped[key] = "wrong answers: " + "; ".join(problems)
    data["skipped"] = skipped
    if not apps:
        print("no app can run here")
        return 1
    print(f"answers checked: {', '.join(ba.APPS[k].label for k in apps)}")

    inproc = inprocess.run(apps, scenarios, args.rounds, args.batch_ms)
    data["inprocess"] = inproc.to_json()
    for key, app in apps.items():  # lifespan shutdown now, as a server would, not at exit
        if ba.APPS[key].is_asgi:
            app.close()
    del apps  # the servers build their own

    server_results: list[servers.ServerResult] = []
    if args.no_server:
        data["server_notes"] = [] if args.quick else ["server part skipped (--no-server)"]
    else:
        server_keys = [k for k in keys if k in inproc.apps]
        server_results, notes = servers.run(
            server_keys, scenarios, args.server_seconds, args.server_rounds, args.connections,
            args.soak, args.soak_cap,
        )
        for note in notes:
            print(note)
        data["server_notes"] = notes
        data["servers"] = [r.to_json() for r in server_results]

    if not args.no_scaling:
        import scaling

        data["scaling"] = scaling.run()

    profiled = [k for k in ("clink", "clink_asgi", "clink_log_cors", "clink_auth")
                if k in inproc.apps]
    if not args.no_profile and profiled:
        import profile_clink

        parts = []
        data["profile"] = {}
        for i, key in enumerate(profiled):
            print(f"profiling {ba.APPS[key].label} ...")
            profiles = profile_clink.profile_app(key, scenarios, args.profile_requests)
            parts.append(profile_clink.markdown(profiles, ba.APPS[key].label, intro=i == 0))
            data["profile"][key] = [p.to_json() for p in profiles]
        name = f"{args.out}-profile.md"
        (RESULTS / name).write_text("\n".join(parts) + "\n")
        data["profile_file"] = name

    data["load_after"] = report.loadavg()
    data["seconds"] = round(time.monotonic() - started, 1)
    png = RESULTS / f"{args.out}.png"
    has_chart = report.chart(png, inproc, server_results)
    if not has_chart:
        print("matplotlib is not installed: no chart")
    text = report.markdown(data, inproc, server_results, png.name if has_chart else None)
    if data.get("scaling"):
        import scaling

        text += "\n" + "\n".join(scaling.markdown(data["scaling"]))
    (RESULTS / f"{args.out}.md").write_text(text + "\n")
    (RESULTS / f"{args.out}.json").write_text(json.dumps(data, indent=1, default=str) + "\n")
    print(text)
    print(f"\nwrote {RESULTS / (args.out + '.md')}" + (f" and {png}" if has_chart else "")
          + f" in {data['seconds']} s")
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
