"""The benchmark's outputs: versions, targets, the Markdown table and the PNG chart."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import bench_apps as ba
import servers as sv
from inprocess import InProcessResult

TIMES = "\u00d7"  # multiplication sign
DASH = "\u2013"  # en dash: no value

DISTRIBUTIONS = (
    "clink-core", "clink-log", "clink-cors", "clink-auth",
    "falcon", "flask", "werkzeug", "orjson", "jsonschema", "jsonschema-rs", "pluggy",
    "fastapi", "starlette", "pydantic", "pydantic-core", "litestar", "msgspec", "blacksheep",
    "gunicorn", "bjoern", "granian", "uvicorn", "uvloop", "httptools",
    "matplotlib", "pyinstrument",
)

#: DESIGN §9: what this machine kind measured when the targets were set (µs).
DESIGN_REFERENCE = {
    "raw": {"get": 1.8, "post": 15, "not_found": 1.7},
    "falcon": {"get": 5.7, "post": 21, "not_found": 8.7},
    "flask": {"get": 42, "post": 82, "not_found": 55},
}


def versions() -> dict[str, str]:
    found = {"python": f"{platform.python_implementation()} {sys.version.split()[0]}"}
    for dist in DISTRIBUTIONS:
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = "not installed"
    found["wrk"] = sv.wrk_version() or "not installed"
    found["clink commit"] = _commit()
    return found


def _commit() -> str:
    """The measured work tree: commit, and whether it had uncommitted changes."""
    import subprocess

    root = Path(__file__).resolve().parents[1]
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty"],
            capture_output=True, text=True, timeout=10, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "?"
    return out.stdout.strip() or "?"


def machine() -> dict[str, Any]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "os": f"{platform.system()} {platform.release()}",
        "machine": platform.machine(),
    }


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# -- targets -----------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    label: str
    #: "ratio" (app/ref time), "ratio_best" (app / the fastest of ``refs``), "diff" (µs),
    #: "abs" (µs), "rps" (app/ref req/s, keep-alive soak server), "rps_best" (app's best
    #: WSGI server and worker count / the best ASGI peer on its best server, keep-alive),
    #: "scenario_ratio" (app's time on ``scenario`` / its time on ``ref``, a scenario key)
    kind: str
    app: str
    ref: str
    scenario: str
    limit: float
    refs: tuple[str, ...] = ()
    #: where the target was set, for the report
    source: str = "DESIGN §9"

    @property
    def wanted(self) -> str:
        if self.kind in ("ratio", "ratio_best", "scenario_ratio"):
            return f"≤ {self.limit:g} {TIMES}"
        if self.kind in ("diff", "abs"):
            return f"≤ {self.limit:g} µs"
        return f"≥ {self.limit:g} {TIMES} req/s"


TARGETS = (
    Target("GET small JSON vs stock Falcon", "ratio", "clink", "falcon", "get", 0.5),
    Target("POST JSON + schema vs stock Falcon", "ratio", "clink", "falcon", "post", 0.35),
    Target("404 JSON vs stock Falcon", "ratio", "clink", "falcon", "not_found", 0.4),
    Target("GET small JSON vs Falcon (clink's libs)", "ratio", "clink", "falcon_fast", "get", 0.7),
    Target(
        "POST JSON + schema vs Falcon (clink's libs)", "ratio", "clink", "falcon_fast", "post",
        0.7,
    ),
    Target("404 JSON vs Falcon (clink's libs)", "ratio", "clink", "falcon_fast", "not_found", 0.7),
    Target("clink_log + clink_cors cost on GET", "diff", "clink_log_cors", "clink", "get", 1.5),
    Target("keep-alive server, GET: req/s vs Falcon", "rps", "clink", "falcon", "get", 1.2),
    Target("keep-alive server, POST: req/s vs Falcon", "rps", "clink", "falcon", "post", 1.2),
    Target("templated GET /book/{id:int} vs stock Falcon", "ratio", "clink", "falcon",
           "get_param", 0.5, source="#10 §3"),
    Target("GET with 2 checked query args vs stock Falcon", "ratio", "clink", "falcon",
           "get_query", 0.6, source="#10 §3"),
    *(
        Target(f"{ba.SCENARIOS[s].label} vs the fastest ASGI peer", "ratio_best", "clink", "",
               s, 0.5, refs=ba.PEER_APPS, source="#13 §2")
        for s in ("get", "post", "not_found")
    ),
    *(
        Target(f"keep-alive, {ba.SCENARIOS[s].label}: clink's best WSGI server vs the best "
               "ASGI peer", "rps_best", "clink", "", s, 1.3, refs=ba.PEER_APPS,
               source="#13 §2")
        for s in ("get", "post")
    ),
    Target("authenticated GET (clink + auth)", "abs", "clink_auth", "", "get", 6.0,
           source="#13 §4"),
    *(
        Target(f"{ba.SCENARIOS[s].label} vs clink's valid POST", "scenario_ratio", "clink",
               "post", s, 2.0, source="#13 §5")
        for s in ("post_invalid", "post_malformed", "post_oversized")
    ),
    *(
        Target(f"clink (ASGI), {ba.SCENARIOS[s].label} vs the fastest ASGI peer", "ratio_best",
               "clink_asgi", "", s, 0.6, refs=ba.PEER_APPS, source="#14 §6")
        for s in ("get", "post", "not_found")
    ),
)


def keep_alive_result(
    results: Sequence[sv.ServerResult], interface: str = "wsgi"
) -> sv.ServerResult | None:
    """The keep-alive run of the kind with the memory soak (bjoern, 1 process)."""
    for r in results:
        if r.kind.soak and r.mode == sv.KEEP_ALIVE and r.kind.interface == interface:
            return r
    return None


def best_rps(
    results: Sequence[sv.ServerResult], apps: Sequence[str], scenario: str, interface: str
) -> tuple[float, str] | None:
    """The highest keep-alive req/s of any of ``apps`` on any server of ``interface``,
    and where it was reached."""
    best: tuple[float, str] | None = None
    for r in results:
        if r.mode != sv.KEEP_ALIVE or r.kind.interface != interface:
            continue
        for a in apps:
            x = r.apps.get(a)
            rps = x.rps(scenario) if x and not x.problems else None
            if rps and (best is None or rps > best[0]):
                best = (rps, f"{ba.APPS[a].label} on {r.kind.label}")
    return best


def ratio_best(inproc: InProcessResult, app: str, refs: Sequence[str], scenario: str
               ) -> tuple[float, str] | None:
    """Median over rounds of net(app) / the fastest of ``refs`` in that round, and which
    ref was fastest most often."""
    mine = inproc.rows.get((app, scenario))
    found = {r: inproc.rows.get((r, scenario)) for r in refs}
    rows = {r: x for r, x in found.items() if x is not None and x.net}
    if not mine or not mine.net or not rows:
        return None
    ratios, fastest = [], []
    for i, value in enumerate(mine.net):
        ref, best = min(((r, x.net[i]) for r, x in rows.items()), key=lambda rv: rv[1])
        if best > 0:
            ratios.append(value / best)
            fastest.append(ref)
    if not ratios:
        return None
    top = max(set(fastest), key=fastest.count)
    return statistics.median(ratios), ba.APPS[top].label


def evaluate(
    target: Target, inproc: InProcessResult | None, server_results: Sequence[sv.ServerResult]
) -> tuple[float | None, str]:
    """The measured value and "met" / "missed" / a reason it was not measured."""
    value: float | None = None
    if target.kind in ("ratio", "diff", "abs", "ratio_best", "scenario_ratio"):
        if inproc is None:
            return None, "not measured"
        if target.kind == "ratio":
            value = inproc.ratio(target.app, target.ref, target.scenario)
        elif target.kind == "scenario_ratio":
            value = inproc.scenario_ratio(target.app, target.scenario, target.ref)
        elif target.kind == "ratio_best":
            found = ratio_best(inproc, target.app, target.refs, target.scenario)
            value = found[0] if found else None
        elif target.kind == "abs":
            value = inproc.median(target.app, target.scenario)
        else:
            value = inproc.difference(target.app, target.ref, target.scenario)
    elif target.kind == "rps_best":
        if not server_results:
            return None, "not measured (no server run)"
        mine = best_rps(server_results, [target.app], target.scenario, "wsgi")
        peers = best_rps(server_results, target.refs, target.scenario, "asgi")
        value = mine[0] / peers[0] if mine and peers else None
    else:
        ka = keep_alive_result(server_results)
        if ka is None:
            return None, "not measured (no server run)"
        a, r = ka.apps.get(target.app), ka.apps.get(target.ref)
        ra = a.rps(target.scenario) if a else None
        rr = r.rps(target.scenario) if r else None
        value = ra / rr if ra and rr else None
    if value is None:
        return None, f"not measured ({target.app} or {target.ref} did not run)"
    higher = target.kind in ("rps", "rps_best")
    ok = value >= target.limit if higher else value <= target.limit
    return value, "met" if ok else "missed"


def _fmt_value(target: Target, value: float | None) -> str:
    if value is None:
        return DASH
    if target.kind == "diff":
        return f"{value:+.2f} µs"
    if target.kind == "abs":
        return f"{value:.2f} µs"
    return f"{value:.3f} {TIMES}"


def target_detail(target: Target, inproc: InProcessResult | None,
                  server_results: Sequence[sv.ServerResult]) -> str:
    """Which reference a "best of" target was measured against."""
    if target.kind == "ratio_best" and inproc is not None:
        found = ratio_best(inproc, target.app, target.refs, target.scenario)
        return f"fastest: {found[1]}" if found else ""
    if target.kind == "rps_best":
        mine = best_rps(server_results, [target.app], target.scenario, "wsgi")
        peers = best_rps(server_results, target.refs, target.scenario, "asgi")
        parts = []
        if mine:
            parts.append(f"{mine[1]} {mine[0]:,.0f}/s")
        if peers:
            parts.append(f"{peers[1]} {peers[0]:,.0f}/s")
        return " vs ".join(parts)
    return ""


# -- Markdown ----------------------------------------------------------------------
def _us(v: float | None) -> str:
    if v is None:
        return DASH
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def _ratio(v: float | None) -> str:
    return DASH if v is None else f"{v:.3f}"


def markdown(data: dict[str, Any], inproc: InProcessResult | None,
             server_results: Sequence[sv.ServerResult], chart_name: str | None) -> str:
    m = data["machine"]
    v = data["versions"]
    lines = [
        f"# Clink benchmark ({data['mode']} run)",
        "",
        f"{data['date']} · {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable) · "
        f"{v['python']} · load average {data['load_before']} before, "
        f"{data['load_after']} after",
        "",
        f"Command: `{data['command']}`",
        "",
    ]
    if chart_name:
        lines += [f"![benchmark chart]({chart_name})", ""]

    # targets first: that is what the kernel developer reads
    lines += [
        "## Targets", "",
        "DESIGN §9, issue 10 §3, issue 13 §2/§4/§5 and issue 14 §6; every ratio is taken "
        "within one run.", "",
        "| target | from | measured | wanted | | against |", "|---|---|---:|---:|---|---|",
    ]
    for t in TARGETS:
        value, verdict = evaluate(t, inproc, server_results)
        mark = {"met": "met ✅", "missed": "**missed** ❌"}.get(verdict, verdict)
        detail = target_detail(t, inproc, server_results)
        lines.append(
            f"| {t.label} | {t.source} | {_fmt_value(t, value)} | {t.wanted} | {mark} "
            f"| {detail} |"
        )
    lines.append("")

    if inproc is not None:
        scen = inproc.scenarios
        head = " | ".join(ba.SCENARIOS[s].label for s in scen)
        lines += [
            "## In-process: median µs per request",
            "",
            f"{inproc.rounds} rounds, batches of ~{inproc.batch_ms:g} ms per app and scenario, "
            "rotating order. Net of the harness's own cost per call (environ copy, "
            "`BytesIO`, body loop), measured each round with a do-nothing app: "
            + ", ".join(
                f"{ba.SCENARIOS[s].label} {statistics.median(inproc.overhead[s]):.2f} µs"
                for s in scen
            )
            + "."
            + (
                " ASGI rows are net of the ASGI harness (scope copy, receive/send, awaited "
                "in one coroutine per batch): "
                + ", ".join(
                    f"{ba.SCENARIOS[s].label} "
                    f"{statistics.median(inproc.overhead_asgi[s]):.2f} µs"
                    for s in scen if inproc.overhead_asgi.get(s)
                )
                + "."
                if inproc.overhead_asgi else ""
            ),
            "",
            f"| app | {head} |",
            "|---|" + "---:|" * len(scen),
        ]
        for a in inproc.apps:
            cells = []
            for s in scen:
                med = inproc.median(a, s)
                spread = inproc.spread(a, s)
                cell = _us(med)
                if med is not None and spread is not None and med > 0:
                    cell += f" <sub>±{(spread[1] - spread[0]) / 2 / med:.0%}</sub>"
                cells.append(cell)
            lines.append(f"| {ba.APPS[a].label} | " + " | ".join(cells) + " |")
        lines += [
            "",
            "<sub>± is half the interquartile range over rounds, relative to the median.</sub>",
            "",
            "### Ratios (median of per-round ratios of net time; lower is faster)",
            "",
            "| app | " + " | ".join(f"÷ raw: {ba.SCENARIOS[s].label}" for s in scen)
            + " | " + " | ".join(f"÷ Falcon: {ba.SCENARIOS[s].label}" for s in scen) + " |",
            "|---|" + "---:|" * (2 * len(scen)),
        ]
        for a in inproc.apps:
            lines.append(
                f"| {ba.APPS[a].label} | "
                + " | ".join(_ratio(inproc.ratio(a, "raw", s)) for s in scen)
                + " | "
                + " | ".join(_ratio(inproc.ratio(a, "falcon", s)) for s in scen)
                + " |"
            )
        if "falcon_fast" in inproc.apps:
            lines += [
                "",
                "clink ÷ Falcon with clink's libraries: "
                + ", ".join(
                    f"{ba.SCENARIOS[s].label} {_ratio(inproc.ratio('clink', 'falcon_fast', s))}"
                    for s in scen
                )
                + ".",
            ]
        ref = DESIGN_REFERENCE
        lines += [
            "",
            "For scale, DESIGN §9's numbers for this machine kind (µs; GET / POST / 404): "
            + "; ".join(
                f"{ba.APPS[k].label} {ref[k]['get']:g} / {ref[k]['post']:g} / "
                f"{ref[k]['not_found']:g}"
                for k in ref
            )
            + ".",
            "",
        ]

    if server_results or data.get("server_notes"):
        lines += ["## Over a real server (wrk on 127.0.0.1)", ""]
        for note in data.get("server_notes", []):
            lines.append(f"- {note}")
        if data.get("server_notes"):
            lines.append("")
        lines += _matrix(server_results)
        for r in server_results:
            if r.kind.soak and r.mode == sv.KEEP_ALIVE:
                lines += _soak_table(r)

    lines += ["## Rows", ""]
    for key, spec in ba.APPS.items():
        lines.append(f"- **{spec.label}** (`{key}`): {spec.about}")
    skipped = data.get("skipped", {})
    if skipped:
        lines += ["", "Skipped here:"]
        for key, why in skipped.items():
            lines.append(f"- {ba.APPS[key].label}: {why}")
    lines += [
        "",
        "The invalid POST's error `message` is each framework's own (stock Falcon echoes "
        "jsonschema's message); status, content type and the rest of the body are checked "
        "equal before timing, like every other scenario.",
        "",
        "## Versions",
        "",
        "| component | version |",
        "|---|---|",
    ]
    for name, ver in v.items():
        lines.append(f"| {name} | {ver} |")
    lines += [
        f"| machine | {m['machine']}, {m['os']} |",
        "",
    ]
    if data.get("profile_file"):
        name = data["profile_file"]
        lines += [f"Where clink's time goes, per scenario: [{name}]({name}).", ""]
    return "\n".join(lines)


SERVER_NAMES = {
    "gunicorn": "gunicorn sync", "gunicorn_gthread": "gunicorn gthread", "bjoern": "bjoern",
    "granian_wsgi": "granian WSGI", "uvicorn": "uvicorn", "granian_asgi": "granian ASGI",
}


def _matrix(server_results: Sequence[sv.ServerResult]) -> list[str]:
    """Every server, worker count and app: GET and POST req/s, keep-alive and close."""
    if not server_results:
        return []
    r0 = server_results[0]
    cells: dict[tuple[str, int, str], dict[tuple[str, str], float | None]] = {}
    labels: dict[tuple[str, int, str], tuple[str, str]] = {}
    for r in server_results:
        for a, x in r.apps.items():
            key = (r.kind.key, r.kind.workers, a)
            labels[key] = (SERVER_NAMES.get(r.kind.key, r.kind.key), ba.APPS[a].label)
            row = cells.setdefault(key, {})
            for s in sv.MATRIX_SCENARIOS:
                ok = not x.problems and not x.error
                row[(r.mode, s)] = x.rps(s) if ok else None
    cols = [(m, s) for m in (sv.KEEP_ALIVE, sv.CLOSE) for s in sv.MATRIX_SCENARIOS]
    lines = [
        "### Every server: req/s",
        "",
        f"`wrk -t1 -c{r0.connections} -d{r0.seconds}s`, {r0.rounds} round(s) per app, "
        "scenario and mode in rotating order; req/s of the best round (other load on the "
        "machine only ever lowers a run's rate). *close* sends `Connection: close`: a new "
        "connection per request; gunicorn's sync workers close every connection anyway. "
        "wrk runs on the same 2 cores as the server.",
        "",
        "| server | workers | app | " + " | ".join(
            f"{ba.SCENARIOS[s].label.split(' ')[0]} {m}" for m, s in cols
        ) + " |",
        "|---|---:|---|" + "---:|" * len(cols),
    ]
    for key, row in cells.items():
        server, app = labels[key]
        values = [row.get(c) for c in cols]
        lines.append(
            f"| {server} | {key[1]} | {app} | "
            + " | ".join(DASH if v is None else f"{v:,.0f}" for v in values) + " |"
        )
    problems = [
        (r, a, p) for r in server_results for a, x in r.apps.items()
        for p in ([x.error] if x.error else []) + x.problems
    ]
    if problems:
        lines += ["", "Problems seen:"]
        lines += [f"- {ba.APPS[a].label} on {r.kind.label} ({r.mode}): {p[:200]}"
                  for r, a, p in problems]
    lines.append("")
    return lines


def _soak_table(r: sv.ServerResult) -> list[str]:
    scen = [s for s in ba.SCENARIOS if any(s in x.runs for x in r.apps.values())]
    ref_key = "falcon" if r.kind.interface == "wsgi" else None
    lines = [
        f"### {r.kind.label}, keep-alive, with memory",
        "",
        "Memory: VmRSS of each worker after a warm-up and again after at least "
        f"{r.soak_target:,} more requests (or the soak time limit); VmHWM is the peak.",
        "",
        "| app | " + " | ".join(f"{ba.SCENARIOS[s].label} req/s" for s in scen)
        + (" | " + " | ".join(f"÷ Falcon {ba.SCENARIOS[s].label}" for s in scen)
           if ref_key else "")
        + " | peak RSS/worker | RSS growth | requests |",
        "|---|" + "---:|" * (len(scen) * (2 if ref_key else 1)) + "---:|---|---:|",
    ]
    ref = r.apps.get(ref_key) if ref_key else None
    for a, x in r.apps.items():
        if x.error or not x.runs:
            why = x.error or "; ".join(x.problems) or "not run"
            lines.append(f"| {ba.APPS[a].label} | not run: {why[:200]} |")
            continue
        rps = [x.rps(s) for s in scen]
        rel = []
        for s, val in zip(scen, rps, strict=True):
            ref_rps = ref.rps(s) if ref else None
            rel.append(_ratio(val / ref_rps) if val and ref_rps else DASH)
        peak = max(x.hwm_end.values()) / 1024 if x.hwm_end else None
        growth = x.growth_kb()
        if growth is None:
            grows = DASH
        else:
            grows = f"{growth:+d} KiB " + ("(stable)" if growth < 1024 else "**grows**")
        lines.append(
            f"| {ba.APPS[a].label} | "
            + " | ".join(DASH if val is None else f"{val:,.0f}" for val in rps)
            + (" | " + " | ".join(rel) if ref_key else "")
            + f" | {DASH if peak is None else f'{peak:.1f} MiB'} | {grows} | "
            f"{x.soak_requests:,} |"
        )
    lines.append("")
    return lines


# -- chart -------------------------------------------------------------------------
def chart(path: Path, inproc: InProcessResult | None,
          server_results: Sequence[sv.ServerResult]) -> bool:
    """Write the PNG; ``False`` when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    ka = keep_alive_result(server_results)
    ka_asgi = keep_alive_result(server_results, "asgi")
    others = [ka_asgi] if ka_asgi else []
    panels = (2 if inproc else 0) + (1 if ka else 0) + len(others)
    if panels == 0:
        return False
    cols = 2 if panels > 1 else 1
    rows = (panels + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(7.5 * cols, 5.2 * rows), squeeze=False)
    flat = list(axes.flat)
    for ax in flat[panels:]:
        ax.set_visible(False)
    ax_iter = iter(flat)
    colors = {
        "raw": "#9e9e9e", "falcon": "#e07b39", "falcon_fast": "#f2b880", "flask": "#6a8caf",
        "clink": "#2e8b57", "clink_log_cors": "#7fc8a0", "clink_auth": "#b5e2c8",
        "fastapi": "#8e44ad", "litestar": "#c39bd3", "blacksheep": "#34495e",
        "clink_asgi": "#1f5f3b",
    }
    if inproc:
        ax = next(ax_iter)
        scen = inproc.scenarios
        apps = inproc.apps
        width = 0.8 / len(apps)
        for i, a in enumerate(apps):
            vals = [inproc.median(a, s) or 0 for s in scen]
            xs = [j + (i - (len(apps) - 1) / 2) * width for j in range(len(scen))]
            ax.bar(xs, vals, width, label=ba.APPS[a].label, color=colors.get(a))
        ax.set_yscale("log")
        ax.set_xticks(range(len(scen)))
        # wrapped: eight scenario names side by side overlap on one line
        ax.set_xticklabels([textwrap.fill(ba.SCENARIOS[s].label, 12) for s in scen], fontsize=7)
        ax.set_ylabel("µs per request (log scale, lower is better)")
        ax.set_title("In-process, median net µs per request")
        ax.legend(fontsize=7)
        ax.grid(axis="y", alpha=0.3, which="both")

        ax = next(ax_iter)
        ratio_targets = [t for t in TARGETS
                         if t.kind in ("ratio", "ratio_best", "scenario_ratio")]
        measured = [evaluate(t, inproc, server_results)[0] for t in ratio_targets]
        vals = [v or 0.0 for v in measured]
        labels = [
            t.label.replace(" vs ", "\nvs ").replace("Falcon (clink's libs)", "Falcon+libs")
            .replace("the fastest ASGI peer", "fastest ASGI peer")
            .replace(" vs clink's valid POST", "\n÷ valid POST")
            for t in ratio_targets
        ]
        bar_colors = ["#2e8b57" if v <= t.limit else "#c0392b"
                      for v, t in zip(vals, ratio_targets, strict=True)]
        ax.barh(range(len(vals)), vals, color=bar_colors)
        for j, t in enumerate(ratio_targets):
            ax.plot([t.limit, t.limit], [j - 0.4, j + 0.4], color="black", lw=2)
            text = "not measured" if measured[j] is None else f"{vals[j]:.2f}"
            ax.text(max(vals[j], t.limit) * 1.05 + 0.01, j, f"{text} (≤ {t.limit:g})",
                    va="center", fontsize=7)
        ax.set_yticks(range(len(vals)))
        ax.set_yticklabels(labels, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(0, max([*vals, 1.0]) * 1.35)
        ax.set_xlabel("clink time ÷ reference time (black bar: target)")
        ax.set_title("Targets: clink ÷ Falcon / the fastest ASGI peer / its valid POST,"
                     " in-process", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    for result in ([ka] if ka else []) + others:
        ax = next(ax_iter)
        scen = [s for s in ba.SCENARIOS if any(s in x.runs for x in result.apps.values())]
        apps = [a for a, x in result.apps.items() if x.runs]
        width = 0.8 / max(1, len(apps))
        for i, a in enumerate(apps):
            vals = [result.apps[a].rps(s) or 0 for s in scen]
            xs = [j + (i - (len(apps) - 1) / 2) * width for j in range(len(scen))]
            ax.bar(xs, vals, width, label=ba.APPS[a].label, color=colors.get(a))
        ax.set_xticks(range(len(scen)))
        ax.set_xticklabels([ba.SCENARIOS[s].label for s in scen], fontsize=8)
        ax.set_ylabel("requests/s (higher is better)")
        ax.set_title(f"wrk on {result.kind.label}", fontsize=10)
        ax.legend(fontsize=7)
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
