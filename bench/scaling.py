"""Cost as the work grows (issue 13 §6): routes, plugins, body sizes, memory, import time.

Each row is clink's in-process time per request (``inprocess.batch``, net of the
harness, median over rounds) while one thing grows:

- routes: 10, 1,000 and 10,000 static routes (``GET /r/<i>``) or templated ones
  (``GET /t<i>/{id:int}``), the last one requested: a static lookup is one dict
  probe and a template one trie walk, so neither should grow;
- plugins: 0, 1, 5 and 10 plugins, each with a do-nothing handler on levels 1, 3
  and 5: the pipeline's cost per hooked handler, which should grow linearly;
- bodies: a POST of a JSON list of strings of 1 KB, 100 KB and 1 MB against a
  schema: parsing and validation, which should grow with the bytes;
- memory: the process's VmRSS after 10,000 requests and after 100,000 (GET and
  POST alternating), which should stay within 5 %;
- import time: ``import clink_core`` against ``import falcon`` in a fresh
  interpreter (best of several), with the modules that cost most under
  ``-X importtime``.

    python bench/scaling.py [--quick]
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_apps as ba
import inprocess

ROUTE_COUNTS = (10, 1000, 10000)
PLUGIN_COUNTS = (0, 1, 5, 10)
BODY_SIZES = (1_000, 100_000, 1_000_000)
BLOB_SCHEMA = {
    "type": "object",
    "required": ["items"],
    "properties": {"items": {"type": "array", "items": {"type": "string", "maxLength": 200}}},
}


# -- the apps -------------------------------------------------------------------------
def _app(controllers: Sequence[type], plugins: Sequence[Any] = ()) -> Any:
    from clink_core import App, AppConf

    app = App(AppConf("bench-scaling", max_body=2_000_000), plugins=list(plugins),
              entrypoints=False)
    for ctl in controllers:
        app.add_ctl(ctl)
    app.load()
    return app


def routes_app(count: int, templated: bool) -> tuple[Any, str]:
    """An app with ``count`` routes on one controller; the path of the last one."""
    from clink_core import Controller, mapper, stamp

    def handler(self: Any, req: Any, res: Any) -> None:
        res.body = ba.BOOK

    methods: dict[str, Any] = {}
    for i in range(count):
        path = f"/t{i}/{{id:int}}" if templated else f"/r/{i}"
        methods[f"m{i}"] = mapper.get(path)(_copy(handler, f"m{i}"))
    ctl = stamp()(mapper.path("/")(type("ScaleCtl", (Controller,), methods)))
    last = f"/t{count - 1}/7" if templated else f"/r/{count - 1}"
    return _app([ctl]), last


def _copy(func: Callable[..., Any], name: str) -> Callable[..., Any]:
    def method(self: Any, req: Any, res: Any) -> None:
        return func(self, req, res)

    method.__name__ = method.__qualname__ = name
    return method


def _plugin(n: int) -> Any:
    """A plugin adding a do-nothing handler on levels 1, 3 and 5."""
    from clink_core import hookimpl
    from clink_core.plugin import ILv1Handler, ILv3Handler, ILv5Handler

    def handle(self: Any, req: Any, res: Any) -> None:
        pass

    handlers = [
        type(f"Noop{level}Handler{n}", (base,), {"handle": handle, "__module__": __name__})
        for level, base in ((1, ILv1Handler), (3, ILv3Handler), (5, ILv5Handler))
    ]

    class NoopPlugin:
        @hookimpl
        def clink_setup(self, app: Any) -> None:
            app.add_handlers(handlers)

    return NoopPlugin()


def book_ctl() -> type:
    from clink_core import Controller, mapper, stamp

    @stamp()
    @mapper.path("/book")
    class BookCtl(Controller):
        @mapper.get("/item")
        def get_item(self, req: Any, res: Any) -> None:
            res.body = ba.BOOK

        @mapper.post("/blob")
        @mapper.body(BLOB_SCHEMA)
        def post_blob(self, req: Any, res: Any) -> None:
            res.body = {"count": len(req.body["items"])}
            res.status = 201

        @mapper.post("/item")
        @mapper.body(ba.BOOK_SCHEMA)
        def post_item(self, req: Any, res: Any) -> None:
            res.body = ba.created(req.body)
            res.status = 201

    return BookCtl


def blob(size: int) -> bytes:
    """A JSON ``{"items": [...]}`` of about ``size`` bytes (strings of 100 characters)."""
    count = max(1, size // 103)
    return json.dumps({"items": ["x" * 100] * count}).encode()


# -- timing ---------------------------------------------------------------------------
def _time(app: Any, env: dict[str, Any], body: bytes, rounds: int, batch_ms: float) -> float:
    """Median over rounds of net µs per request."""
    answer = ba.call(app, env, body)
    if answer.status >= 400:
        raise RuntimeError(f"the scaling app answered {answer.status}: {answer.body[:200]!r}")
    gc.collect()
    gc.freeze()  # as in inprocess.run: start-up objects (10,000 routes) are not rescanned
    try:
        return _rounds(app, env, body, rounds, batch_ms)
    finally:
        gc.unfreeze()


def _rounds(app: Any, env: dict[str, Any], body: bytes, rounds: int, batch_ms: float) -> float:
    null_env = dict(env)
    n = inprocess.calibrate(app, env, body, batch_ms)
    n_null = inprocess.calibrate(ba.null_app, null_env, body, batch_ms)
    net = []
    for _ in range(rounds):
        null = inprocess.batch(ba.null_app, null_env, body, n_null)
        net.append((inprocess.batch(app, env, body, n) - null) / 1000)
    return statistics.median(net)


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def memory(app: Any) -> dict[str, Any]:
    """VmRSS after 10,000 and after 100,000 requests (GET and POST alternating)."""
    get = ba.scenario_environ(ba.SCENARIOS["get"])
    post_s = ba.SCENARIOS["post"]
    post = ba.scenario_environ(post_s)
    readings = {}
    done = 0
    for mark in (10_000, 100_000):
        half = (mark - done) // 2
        inprocess.batch(app, get, b"", half)
        inprocess.batch(app, post, post_s.body, half)
        done = mark
        gc.collect()
        readings[mark] = rss_kb()
    growth = (readings[100_000] - readings[10_000]) / readings[10_000]
    return {"rss_10k_kb": readings[10_000], "rss_100k_kb": readings[100_000],
            "growth": growth, "ok": growth <= 0.05}


_IMPORT_LINE = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


def import_time(module: str, repeat: int) -> dict[str, Any]:
    """Best wall time of ``import module`` in a fresh interpreter, less an empty one, and
    the modules with the largest cumulative time under ``-X importtime``."""
    def best(code: str) -> float:
        times = []
        for _ in range(repeat):
            out = subprocess.run(
                [sys.executable, "-c",
                 f"import time; t = time.perf_counter(); {code}; "
                 "print(time.perf_counter() - t)"],
                capture_output=True, text=True, check=True, timeout=60,
            )
            times.append(float(out.stdout.strip()))
        return min(times)

    seconds = best(f"import {module}")
    trace = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stderr
    # Each module appears once, where it was first imported; its cumulative time
    # includes everything it imported in turn. Listed: the other packages pulled in.
    top: list[tuple[str, float]] = []
    for line in trace.splitlines():
        m = _IMPORT_LINE.match(line)
        name = m.group(4) if m else ""
        if m and "." not in name and name != module and not name.startswith("_"):
            top.append((name, int(m.group(2)) / 1000))
    top.sort(key=lambda x: x[1], reverse=True)
    return {"ms": seconds * 1000, "top_ms": top[:8]}


def run(rounds: int = 15, batch_ms: float = 10.0, import_repeat: int = 7,
        progress: Callable[[str], None] = print) -> dict[str, Any]:
    """Every row; a dict for ``latest.json`` and ``markdown``."""
    out: dict[str, Any] = {"rounds": rounds, "batch_ms": batch_ms, "routes": {}, "plugins": {},
                           "bodies": {}}
    get = ba.SCENARIOS["get"]
    for templated in (False, True):
        kind = "templated" if templated else "static"
        for count in ROUTE_COUNTS:
            progress(f"scaling: {count} {kind} routes ...")
            app, path = routes_app(count, templated)
            env = ba.make_environ("GET", path)
            out["routes"][f"{kind}/{count}"] = _time(app, env, b"", rounds, batch_ms)
            del app
    for count in PLUGIN_COUNTS:
        progress(f"scaling: {count} plugins ...")
        app = _app([book_ctl()], [_plugin(i) for i in range(count)])
        out["plugins"][str(count)] = _time(app, ba.scenario_environ(get), b"", rounds, batch_ms)
    app = _app([book_ctl()])
    for size in BODY_SIZES:
        progress(f"scaling: a {size:,}-byte body ...")
        body = blob(size)
        env = ba.make_environ("POST", "/book/blob", body, ba.MIME_JSON)
        out["bodies"][str(size)] = {
            "bytes": len(body),
            "us": _time(app, env, body, max(5, rounds // 2) if size > 100_000 else rounds,
                        batch_ms),
        }
    progress("scaling: memory over 100,000 requests ...")
    out["memory"] = memory(app)
    progress("scaling: import times ...")
    out["imports"] = {m: import_time(m, import_repeat) for m in ("clink_core", "falcon")}
    return out


def markdown(data: dict[str, Any]) -> list[str]:
    routes, plugins, bodies = data["routes"], data["plugins"], data["bodies"]
    lines = [
        "## Cost as the work grows (clink, in-process)",
        "",
        f"Median net µs per request over {data['rounds']} rounds (`bench/scaling.py`). "
        "Routes: the last of N routes requested. Plugins: each adds a do-nothing handler "
        "on levels 1, 3 and 5 (a GET). Bodies: a POST of a JSON list of strings checked "
        "against a schema.",
        "",
        "| routes | " + " | ".join(f"{n:,}" for n in ROUTE_COUNTS) + " |",
        "|---|" + "---:|" * len(ROUTE_COUNTS),
    ]
    for kind in ("static", "templated"):
        lines.append(f"| {kind} GET | "
                     + " | ".join(f"{routes[f'{kind}/{n}']:.2f}" for n in ROUTE_COUNTS) + " |")
    lines += [
        "",
        "| plugins (3 handlers each) | " + " | ".join(str(n) for n in PLUGIN_COUNTS) + " |",
        "|---|" + "---:|" * len(PLUGIN_COUNTS),
        "| GET | " + " | ".join(f"{plugins[str(n)]:.2f}" for n in PLUGIN_COUNTS) + " |",
        "",
        "| POST body | " + " | ".join(f"{bodies[str(n)]['bytes']:,} B" for n in BODY_SIZES)
        + " |",
        "|---|" + "---:|" * len(BODY_SIZES),
        "| µs | " + " | ".join(f"{bodies[str(n)]['us']:.1f}" for n in BODY_SIZES) + " |",
        "| ns per byte | "
        + " | ".join(f"{bodies[str(n)]['us'] * 1000 / bodies[str(n)]['bytes']:.2f}"
                     for n in BODY_SIZES) + " |",
        "",
    ]
    mem = data["memory"]
    lines += [
        f"Memory: VmRSS {mem['rss_10k_kb'] / 1024:.1f} MiB after 10,000 requests, "
        f"{mem['rss_100k_kb'] / 1024:.1f} MiB after 100,000: {mem['growth']:+.1%} "
        f"({'within' if mem['ok'] else '**over**'} the 5 % bound).",
        "",
    ]
    imports = data["imports"]
    clink, falcon = imports["clink_core"], imports["falcon"]
    verdict = "no more than" if clink["ms"] <= falcon["ms"] else "**more** than"
    lines += [
        f"Import time (fresh interpreter, best of several): `import clink_core` "
        f"{clink['ms']:.0f} ms, `import falcon` {falcon['ms']:.0f} ms: clink's is {verdict} "
        "Falcon's. The largest packages `import clink_core` pulls in (cumulative ms, one "
        "run of `-X importtime`, where each is first imported): "
        + ", ".join(f"`{name}` {ms:.0f} ms" for name, ms in clink["top_ms"]) + ".",
        "",
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args(argv)
    data = run(rounds=5 if args.quick else 15, batch_ms=5 if args.quick else 10,
               import_repeat=3 if args.quick else 7)
    print("\n".join(markdown(data)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
