"""In-process timing: each app called directly, frameworks interleaved in rounds.

A WSGI call gets a fresh copy of a prebuilt environ and a fresh ``wsgi.input``
(``BytesIO``), as a server would give; the body iterable is consumed and closed.
An ASGI call (``asgi.AsgiApp``) gets a fresh copy of the prebuilt scope of the
same request, a ``receive`` handing over the body and a ``send`` that drops the
messages, all awaited inside one coroutine per batch. The same loop around a
do-nothing app of the same interface (``null_app``, ``asgi.null_asgi``) measures
that harness cost, which is subtracted from every row of the same round and
scenario ("net" times), so WSGI and ASGI rows compare the apps, not the harnesses.

Within a round, every scenario runs every app once (one batch of calls timed as a
whole), in an order that rotates by one app per round, so slow drifts of the
machine (frequency, other load) hit every framework alike. Results are medians
over rounds; ratios are the median of the per-round ratios.
"""

from __future__ import annotations

import gc
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from time import perf_counter_ns
from typing import Any

import bench_apps as ba


def _write(data: bytes) -> None:
    pass


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return _write


def batch(app: Any, base: dict[str, Any], body: bytes, n: int) -> float:
    """Nanoseconds per call of ``app`` over ``n`` calls (harness cost included)."""
    if hasattr(app, "batch"):  # an asgi.AsgiApp: ``base`` is its scope
        return float(app.batch(base, body, n))
    copy = base.copy
    new_input = BytesIO
    sr = _start_response
    t0 = perf_counter_ns()
    for _ in range(n):
        env = copy()
        env["wsgi.input"] = new_input(body)
        result = app(env, sr)
        for _chunk in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return (perf_counter_ns() - t0) / n


def calibrate(app: Any, base: dict[str, Any], body: bytes, batch_ms: float) -> int:
    """How many calls make a batch of about ``batch_ms`` (and warm the app up)."""
    n = 8
    while True:
        per_call = batch(app, base, body, n)
        if per_call * n >= batch_ms * 1e6 / 4 or n >= 1 << 22:
            break
        n *= 2
    return max(16, int(batch_ms * 1e6 / max(per_call, 1.0)))


@dataclass
class Row:
    """One (app, scenario): gross and net µs per round."""

    gross: list[float] = field(default_factory=list)
    net: list[float] = field(default_factory=list)
    calls: int = 0


@dataclass
class InProcessResult:
    rounds: int
    batch_ms: float
    apps: list[str]
    scenarios: list[str]
    #: (app, scenario) -> Row
    rows: dict[tuple[str, str], Row]
    #: scenario -> harness µs per call, per round (the WSGI harness)
    overhead: dict[str, list[float]]
    #: the same for the ASGI harness, when an ASGI app ran
    overhead_asgi: dict[str, list[float]] = field(default_factory=dict)

    def median(self, app: str, scenario: str) -> float | None:
        row = self.rows.get((app, scenario))
        return statistics.median(row.net) if row and row.net else None

    def spread(self, app: str, scenario: str) -> tuple[float, float] | None:
        """The 25th and 75th percentiles of the net µs."""
        row = self.rows.get((app, scenario))
        if not row or len(row.net) < 4:
            return None
        q = statistics.quantiles(row.net, n=4)
        return q[0], q[2]

    def ratio(self, app: str, ref: str, scenario: str) -> float | None:
        """Median over rounds of net(app) / net(ref)."""
        a, r = self.rows.get((app, scenario)), self.rows.get((ref, scenario))
        if not a or not r or not a.net or not r.net:
            return None
        return statistics.median(x / y for x, y in zip(a.net, r.net, strict=True) if y > 0)

    def scenario_ratio(self, app: str, scenario: str, ref_scenario: str) -> float | None:
        """Median over rounds of net(app, scenario) / net(app, ref_scenario)."""
        a, r = self.rows.get((app, scenario)), self.rows.get((app, ref_scenario))
        if not a or not r or not a.net or not r.net:
            return None
        return statistics.median(x / y for x, y in zip(a.net, r.net, strict=True) if y > 0)

    def difference(self, app: str, ref: str, scenario: str) -> float | None:
        """Median over rounds of net(app) - net(ref), in µs."""
        a, r = self.rows.get((app, scenario)), self.rows.get((ref, scenario))
        if not a or not r or not a.net or not r.net:
            return None
        return statistics.median(x - y for x, y in zip(a.net, r.net, strict=True))

    def to_json(self) -> dict[str, Any]:
        return {
            "rounds": self.rounds,
            "batch_ms": self.batch_ms,
            "apps": self.apps,
            "scenarios": self.scenarios,
            "overhead_us": {k: v for k, v in self.overhead.items()},
            "overhead_asgi_us": {k: v for k, v in self.overhead_asgi.items()},
            "rows": {
                f"{a}/{s}": {"net_us": r.net, "gross_us": r.gross, "calls_per_batch": r.calls}
                for (a, s), r in self.rows.items()
            },
        }


def run(
    apps: dict[str, Any],
    scenarios: Sequence[str],
    rounds: int,
    batch_ms: float,
    progress: Callable[[str], None] = print,
) -> InProcessResult:
    """Time every app on every scenario it runs, ``rounds`` times, interleaved."""
    keys = list(apps)
    plan: dict[str, list[str]] = {}
    for s in scenarios:
        plan[s] = [k for k in keys if ba.runs(k, s)]
    envs = {
        (k, s): ba.request_for(apps[k], ba.scenario_environ(ba.SCENARIOS[s], ba.APPS[k]))
        for s in scenarios for k in plan[s]
    }
    null_envs = {s: ba.scenario_environ(ba.SCENARIOS[s]) for s in scenarios}
    null_asgi: Any = None
    if any(ba.APPS[k].is_asgi for k in keys):
        import asgi

        null_asgi = asgi.AsgiApp(asgi.null_asgi, "null")
        null_scopes = {s: asgi.scope_from_environ(null_envs[s]) for s in scenarios}
    rows: dict[tuple[str, str], Row] = {}
    calls: dict[tuple[str, str], int] = {}
    progress(f"calibrating {sum(len(v) for v in plan.values())} app/scenario pairs ...")
    for s in scenarios:
        body = ba.SCENARIOS[s].body
        calls[("null", s)] = calibrate(ba.null_app, null_envs[s], body, batch_ms)
        if null_asgi is not None:
            calls[("null_asgi", s)] = calibrate(null_asgi, null_scopes[s], body, batch_ms)
        for k in plan[s]:
            calls[(k, s)] = calibrate(apps[k], envs[(k, s)], body, batch_ms)
            rows[(k, s)] = Row(calls=calls[(k, s)])
    overhead: dict[str, list[float]] = {s: [] for s in scenarios}
    overhead_asgi: dict[str, list[float]] = {s: [] for s in scenarios} if null_asgi else {}
    gc.collect()
    gc.freeze()  # what the apps built at start-up is not scanned again by every collection
    for r in range(rounds):
        gc.collect()
        for s in scenarios:
            body = ba.SCENARIOS[s].body
            order = plan[s][r % len(plan[s]):] + plan[s][: r % len(plan[s])]
            null_us = batch(ba.null_app, null_envs[s], body, calls[("null", s)]) / 1000
            overhead[s].append(null_us)
            null_asgi_us = 0.0
            if null_asgi is not None:
                null_asgi_us = batch(
                    null_asgi, null_scopes[s], body, calls[("null_asgi", s)]
                ) / 1000
                overhead_asgi[s].append(null_asgi_us)
            for k in order:
                gross = batch(apps[k], envs[(k, s)], body, calls[(k, s)]) / 1000
                rows[(k, s)].gross.append(gross)
                rows[(k, s)].net.append(gross - (null_asgi_us if ba.APPS[k].is_asgi else null_us))
        if rounds >= 5 and (r + 1) % max(1, rounds // 5) == 0:
            progress(f"  round {r + 1}/{rounds}")
    gc.unfreeze()
    return InProcessResult(
        rounds, batch_ms, keys, list(scenarios), rows, overhead, overhead_asgi
    )
