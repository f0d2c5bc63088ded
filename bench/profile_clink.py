"""Where clink's time goes, per scenario: cProfile and (when installed) pyinstrument.

Both profile the same loop: prebuilt environs (``wsgi.input`` included), the app
called and its body consumed. Profilers slow small functions down unevenly, so each
function's share of the profiled time is also scaled to the measured time per request
without a profiler ("est. µs"): read those as a breakdown, not as exact timings.

    python bench/profile_clink.py [--app clink] [--requests 20000]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter_ns
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_apps as ba
import inprocess

ROOT = Path(__file__).resolve().parents[1]


def _short(path: str) -> str:
    if path.startswith("~") or path.startswith("<"):
        return path
    p = Path(path)
    try:
        return str(p.resolve().relative_to(ROOT))
    except ValueError:
        pass
    parts = p.parts
    if "site-packages" in parts:
        return "/".join(parts[parts.index("site-packages") + 1:])
    if "lib" in parts:
        return "/".join(parts[len(parts) - 2:])
    return path


@dataclass
class FuncCost:
    name: str
    calls: float  # per request
    self_us: float  # profiled µs per request (tottime)
    cum_us: float  # profiled µs per request (cumtime)
    est_self_us: float  # scaled to the unprofiled time


@dataclass
class ScenarioProfile:
    scenario: str
    requests: int
    real_us: float  # µs per request without a profiler (prebuilt environs)
    profiled_us: float
    functions: list[FuncCost] = field(default_factory=list)
    sampled: list[tuple[str, float, float]] = field(default_factory=list)  # name, share, est µs

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "requests": self.requests,
            "real_us": self.real_us,
            "profiled_us": self.profiled_us,
            "cprofile": [f.__dict__ for f in self.functions],
            "pyinstrument": [
                {"function": n, "share": s, "est_us": e} for n, s, e in self.sampled
            ],
        }


def _environs(scenario: ba.Scenario, spec: ba.AppSpec, n: int) -> list[dict[str, Any]]:
    """``n`` prebuilt requests: WSGI environs, or for an ASGI row scopes with their body."""
    base = ba.scenario_environ(scenario, spec)
    envs = []
    if spec.is_asgi:
        import asgi

        scope = asgi.scope_from_environ(base)
        return [{"scope": {**scope, "state": {}}, "body": scenario.body} for _ in range(n)]
    for _ in range(n):
        env = base.copy()
        env["wsgi.input"] = io.BytesIO(scenario.body)
        envs.append(env)
    return envs


async def _drive_asgi(app: Any, requests: Sequence[dict[str, Any]]) -> None:
    import asgi

    for r in requests:
        await app.app(r["scope"], asgi._receiver(r["body"]), asgi._drop)


def drive(app: ba.WsgiApp, envs: Sequence[dict[str, Any]]) -> None:
    if hasattr(app, "batch"):  # an asgi.AsgiApp: one coroutine runs every request
        app.loop.run_until_complete(_drive_asgi(app, envs))  # type: ignore[attr-defined]
        return
    sr = inprocess._start_response
    for env in envs:
        result = app(env, sr)
        for _chunk in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()


def _real_us(app: ba.WsgiApp, scenario: ba.Scenario, spec: ba.AppSpec, n: int) -> float:
    best = float("inf")
    for _ in range(5):
        envs = _environs(scenario, spec, n)
        t0 = perf_counter_ns()
        drive(app, envs)
        best = min(best, (perf_counter_ns() - t0) / n / 1000)
    return best


def profile_scenario(
    app: ba.WsgiApp, scenario: ba.Scenario, spec: ba.AppSpec, requests: int, top: int
) -> ScenarioProfile:
    drive(app, _environs(scenario, spec, 2000))  # warm up
    real = _real_us(app, scenario, spec, min(requests, 20000))
    envs = _environs(scenario, spec, requests)
    prof = cProfile.Profile()
    t0 = perf_counter_ns()
    prof.enable()
    drive(app, envs)
    prof.disable()
    profiled = (perf_counter_ns() - t0) / requests / 1000
    stats = pstats.Stats(prof)
    rows = []
    total_tt = 0.0
    for (file, line, func), (_cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if func in ("drive", "<method 'disable' of '_lsprof.Profiler' objects>"):
            continue
        total_tt += tt
        label = f"{func} ({_short(file)}:{line})" if line else func
        rows.append((label, nc / requests, tt * 1e6 / requests, ct * 1e6 / requests, tt))
    rows.sort(key=lambda r: r[2], reverse=True)
    result = ScenarioProfile(scenario.key, requests, real, profiled)
    for label, calls, self_us, cum_us, tt in rows[:top]:
        share = tt / total_tt if total_tt else 0.0
        result.functions.append(FuncCost(label, calls, self_us, cum_us, share * real))
    result.sampled = _pyinstrument(app, scenario, spec, requests, real, top)
    return result


def _pyinstrument(
    app: ba.WsgiApp, scenario: ba.Scenario, spec: ba.AppSpec, requests: int, real: float,
    top: int,
) -> list[tuple[str, float, float]]:
    try:
        from pyinstrument import Profiler
    except ImportError:
        return []
    envs = _environs(scenario, spec, requests)
    profiler = Profiler(interval=0.0001)
    profiler.start()
    drive(app, envs)
    profiler.stop()
    root = profiler.last_session.root_frame() if profiler.last_session else None
    if root is None:
        return []
    self_time: dict[str, float] = {}

    def walk(frame: Any) -> None:
        children = [c for c in frame.children if not c.is_synthetic]
        own = frame.time - sum(c.time for c in children)
        if frame.function not in ("drive", "<module>") and not frame.is_synthetic:
            name = f"{frame.function} ({_short(frame.file_path or '')}:{frame.line_no})"
            if frame.file_path_short == "<built-in>" or not frame.line_no:
                name = f"{frame.function} (built-in)"
            self_time[name] = self_time.get(name, 0.0) + own
        for child in children:
            walk(child)

    walk(root)
    total = sum(self_time.values())
    ranked = sorted(self_time.items(), key=lambda kv: kv[1], reverse=True)[:top]
    return [(name, t / total, t / total * real) for name, t in ranked] if total else []


def profile_app(
    key: str, scenarios: Sequence[str], requests: int, top: int = 15
) -> list[ScenarioProfile]:
    spec = ba.APPS[key]
    app = ba.build(key)
    out = []
    try:
        for s in scenarios:
            if not ba.runs(key, s):
                continue
            out.append(profile_scenario(app, ba.SCENARIOS[s], spec, requests, top))
    finally:
        if spec.is_asgi:
            app.close()  # type: ignore[attr-defined]
    return out


def markdown(profiles: Sequence[ScenarioProfile], app_label: str, intro: bool = True) -> str:
    lines = [f"# Where {app_label}'s time goes", ""]
    if intro:
        lines += [
            "Each scenario is profiled over prebuilt environs (the harness's environ copy is "
            "not in these numbers). *real* is µs per request without a profiler; cProfile's "
            "*self µs* and *cum µs* are per request under the profiler (inflated, unevenly); "
            "*est. µs* is the function's share of profiled self time times *real*. "
            "pyinstrument samples every 100 µs; its shares of self time are scaled the same "
            "way.",
            "",
        ]
    for p in profiles:
        scen = ba.SCENARIOS[p.scenario]
        lines += [
            f"## {app_label}, {scen.label}: {scen.method} {scen.path} -> {scen.status}",
            "",
            f"{p.requests} requests; real {p.real_us:.2f} µs/request, "
            f"{p.profiled_us:.2f} µs/request under cProfile.",
            "",
            "| function (cProfile, by self time) | calls/req | self µs | cum µs | est. µs |",
            "|---|---:|---:|---:|---:|",
        ]
        for f in p.functions:
            lines.append(
                f"| `{f.name}` | {f.calls:.2f} | {f.self_us:.2f} | {f.cum_us:.2f} | "
                f"{f.est_self_us:.2f} |"
            )
        if p.sampled:
            lines += [
                "",
                "| function (pyinstrument, by self time) | share | est. µs |",
                "|---|---:|---:|",
            ]
            for name, share, est in p.sampled:
                lines.append(f"| `{name}` | {share:.1%} | {est:.2f} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", default="clink", choices=sorted(ba.APPS))
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--out", help="write the Markdown here too")
    args = parser.parse_args(argv)
    profiles = profile_app(args.app, list(ba.SCENARIOS), args.requests, args.top)
    text = markdown(profiles, ba.APPS[args.app].label)
    print(text)
    if args.out:
        Path(args.out).write_text(text + os.linesep)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
