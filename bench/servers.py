"""Over a real server: the bench apps under WSGI and ASGI servers, loaded by wrk.

Everything listens on and is loaded at 127.0.0.1 only; every wrk run lasts a fixed
number of seconds. For one server kind (a server and a worker count), one server per
app is started at once (on its own port), so the wrk runs can rotate over the apps
round after round like the in-process harness does; each kind is loaded with
keep-alive connections and, where the server keeps connections open at all, with a
new connection per request (``Connection: close``). Memory: VmRSS of every worker
process is read from ``/proc/<pid>/status`` after a warm-up, and again (with VmHWM,
the peak) once the app has served at least ``soak_requests`` more requests, on the
kinds marked ``soak``.

The kinds: WSGI apps (clink, raw WSGI, Falcon, ...) under gunicorn (sync workers:
a connection per request), bjoern and granian's WSGI mode; ASGI peers (FastAPI,
Litestar, BlackSheep) under uvicorn (uvloop + httptools) and granian's ASGI mode;
each with 1 and 2 worker processes on this 2-core machine.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bench_apps as ba

BENCH_DIR = Path(__file__).resolve().parent
HOST = "127.0.0.1"
KEEP_ALIVE = "keep-alive"
CLOSE = "close"


# -- servers -----------------------------------------------------------------------
@dataclass(frozen=True)
class ServerKind:
    key: str
    label: str
    #: "wsgi" or "asgi": which apps it serves
    interface: str
    workers: int
    #: whether the server keeps a connection open between requests at all
    keep_alive: bool
    #: its workers are child processes of the started one
    forks_workers: bool
    argv: Callable[[str, int, int], list[str]]
    #: the module it needs
    needs: str = ""
    #: whether the memory soak runs on it
    soak: bool = False

    @property
    def id(self) -> str:
        return f"{self.key}-w{self.workers}"

    @property
    def modes(self) -> tuple[str, ...]:
        return (KEEP_ALIVE, CLOSE) if self.keep_alive else (CLOSE,)


def _gunicorn_sync(app: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "sync",
        "--bind", f"{HOST}:{port}", "--chdir", str(BENCH_DIR), "--log-level", "warning",
        "wsgi_entry:application",
    ]


def _gunicorn_gthread(app: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "gthread",
        "--threads", "4", "--keep-alive", "5", "--bind", f"{HOST}:{port}",
        "--chdir", str(BENCH_DIR), "--log-level", "warning", "wsgi_entry:application",
    ]


def _bjoern(app: str, port: int, workers: int) -> list[str]:
    return [sys.executable, str(BENCH_DIR / "serve_bjoern.py"), app, str(port), str(workers)]


def _granian(interface: str, target: str) -> Callable[[str, int, int], list[str]]:
    def argv(app: str, port: int, workers: int) -> list[str]:
        return [
            sys.executable, "-m", "granian", "--interface", interface, "--host", HOST,
            "--port", str(port), "--workers", str(workers), "--working-dir", str(BENCH_DIR),
            "--log-level", "warning", "--no-access-log", target,
        ]

    return argv


def _uvicorn(app: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "--host", HOST, "--port", str(port),
        "--workers", str(workers), "--app-dir", str(BENCH_DIR), "--log-level", "warning",
        "--no-access-log", "asgi_entry:app",
    ]


def _kinds() -> list[ServerKind]:
    kinds = []
    for w in (1, 2):
        kinds.append(ServerKind(
            "gunicorn", f"gunicorn, {w} sync worker(s): a connection per request", "wsgi", w,
            False, True, _gunicorn_sync, "gunicorn",
        ))
    for w in (1, 2):
        kinds.append(ServerKind(
            "bjoern", f"bjoern, {w} process(es)", "wsgi", w, True, w > 1, _bjoern, "bjoern",
            soak=w == 1,
        ))
    for w in (1, 2):
        kinds.append(ServerKind(
            "granian_wsgi", f"granian WSGI, {w} worker(s)", "wsgi", w, True, True,
            _granian("wsgi", "wsgi_entry:application"), "granian",
        ))
    for w in (1, 2):
        kinds.append(ServerKind(
            "uvicorn", f"uvicorn (uvloop, httptools), {w} worker(s)", "asgi", w, True, w > 1,
            _uvicorn, "uvicorn", soak=w == 1,
        ))
    for w in (1, 2):
        kinds.append(ServerKind(
            "granian_asgi", f"granian ASGI, {w} worker(s)", "asgi", w, True, True,
            _granian("asgi", "asgi_entry:app"), "granian",
        ))
    return kinds


#: when bjoern is missing, the keep-alive WSGI server with memory readings
GUNICORN_GTHREAD = ServerKind(
    "gunicorn_gthread", "gunicorn, 2 gthread workers x 4 threads", "wsgi", 2, True, True,
    _gunicorn_gthread, "gunicorn", soak=True,
)


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def available_servers() -> tuple[list[ServerKind], list[str]]:
    """The server kinds that can run here, and notes about the missing ones."""
    kinds: list[ServerKind] = []
    notes: list[str] = []
    missing: set[str] = set()
    for kind in _kinds():
        if _has(kind.needs):
            kinds.append(kind)
        elif kind.needs not in missing:
            missing.add(kind.needs)
            notes.append(f"{kind.needs} is not installed: its rows are skipped")
    if "bjoern" in missing and _has("gunicorn"):
        notes.append(
            "bjoern needs libev to build (`apt-get install -y libev-dev`): the memory "
            "readings use gunicorn with gthread workers instead"
        )
        kinds.append(GUNICORN_GTHREAD)
    return kinds, notes


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class RunningServer:
    app: str
    kind: ServerKind
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def worker_pids(self) -> list[int]:
        if not self.kind.forks_workers:
            return [self.proc.pid]
        return children(self.proc.pid)

    def stop(self) -> None:
        """End the server and its workers: they run in their own process group."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # workers that outlived their parent

    def log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-800:]
        except OSError:
            return ""


def children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name may hold spaces: the fields after the last ')' are fixed
        fields = stat.rpartition(")")[2].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in KiB."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
    except OSError:
        pass
    return values


def start(kind: ServerKind, app: str, workdir: Path) -> RunningServer:
    port = free_port()
    log = workdir / f"{kind.id}-{app}.log"
    env = dict(os.environ, BENCH_APP=app, PYTHONPATH=str(BENCH_DIR))
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            kind.argv(app, port, kind.workers), env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, cwd=str(BENCH_DIR), start_new_session=True,
        )
    return RunningServer(app, kind, port, proc, log)


def wait_ready(server: RunningServer, timeout: float = 30.0) -> None:
    """Until the server answers a GET (and, for gunicorn, every worker is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited with {server.proc.returncode}: {server.log_tail()}")
        try:
            conn = http.client.HTTPConnection(HOST, server.port, timeout=2)
            conn.request("GET", "/book/item")
            conn.getresponse().read()
            conn.close()
            if (
                not server.kind.forks_workers
                or len(server.worker_pids()) >= server.kind.workers
            ):
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not answer within {timeout:.0f}s: {server.log_tail()}")


def _headers(scenario: ba.Scenario, spec: ba.AppSpec) -> dict[str, str]:
    headers = {}
    if scenario.content_type:
        headers["Content-Type"] = scenario.content_type
    for key, value in spec.environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").title()] = value
    return headers


def fetch(server: RunningServer, scenario: ba.Scenario) -> ba.Answer:
    conn = http.client.HTTPConnection(HOST, server.port, timeout=5)
    try:
        conn.request(
            scenario.method, scenario.target, body=scenario.body or None,
            headers=_headers(scenario, ba.APPS[server.app]),
        )
        res = conn.getresponse()
        return ba.Answer(res.status, res.getheaders(), res.read())
    finally:
        conn.close()


# -- wrk ---------------------------------------------------------------------------
@dataclass
class WrkResult:
    requests: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    non_2xx: int = 0
    socket_errors: int = 0
    latency_ms: dict[str, float] = field(default_factory=dict)
    raw: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests, "seconds": self.seconds, "rps": self.rps,
            "non_2xx": self.non_2xx, "socket_errors": self.socket_errors,
            "latency_ms": self.latency_ms,
        }


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


def parse_wrk(text: str) -> WrkResult:
    r = WrkResult(raw=text)
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b", text)
    if m:
        r.requests = int(m.group(1))
        r.seconds = float(m.group(2)) * _UNITS[m.group(3)] / 1e3
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        r.rps = float(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        r.non_2xx = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        r.socket_errors = sum(int(g) for g in m.groups())
    for pct, value, unit in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M):
        r.latency_ms[f"p{pct}"] = float(value) * _UNITS[unit]
    return r


def lua_script(scenario: ba.Scenario, spec: ba.AppSpec, folder: Path, mode: str) -> Path:
    lines = [f'wrk.method = "{scenario.method}"']
    if scenario.body:
        lines.append(f"wrk.body = [==[{scenario.body.decode()}]==]")
    headers = _headers(scenario, spec)
    if mode == CLOSE:
        headers["Connection"] = "close"
    for name, value in headers.items():
        lines.append(f'wrk.headers["{name}"] = [==[{value}]==]')
    path = folder / f"{spec.key}-{scenario.key}-{mode}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def wrk(
    server: RunningServer, scenario: ba.Scenario, seconds: int, connections: int, folder: Path,
    mode: str = KEEP_ALIVE,
) -> WrkResult:
    script = lua_script(scenario, ba.APPS[server.app], folder, mode)
    url = f"http://{HOST}:{server.port}{scenario.target}"
    argv = [
        "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "--latency",
        "-s", str(script), url,
    ]
    out = subprocess.run(
        argv, capture_output=True, text=True, timeout=seconds + 30, check=False,
        stdin=subprocess.DEVNULL,
    )
    result = parse_wrk(out.stdout + out.stderr)
    if out.returncode != 0 and not result.requests:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr.strip()[:300]}")
    return result


# -- one server kind ---------------------------------------------------------------
@dataclass
class AppOnServer:
    runs: dict[str, list[WrkResult]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    rss_base: dict[int, int] = field(default_factory=dict)
    rss_end: dict[int, int] = field(default_factory=dict)
    hwm_end: dict[int, int] = field(default_factory=dict)
    soak_requests: int = 0
    error: str | None = None

    def rps(self, scenario: str) -> float | None:
        """The best run: other load on the machine only ever lowers a run's rate."""
        runs = self.runs.get(scenario)
        return max(r.rps for r in runs) if runs else None

    def growth_kb(self) -> int | None:
        common = set(self.rss_base) & set(self.rss_end)
        if not common:
            return None
        return max(self.rss_end[p] - self.rss_base[p] for p in common)

    def to_json(self) -> dict[str, Any]:
        return {
            "runs": {s: [r.to_json() for r in rs] for s, rs in self.runs.items()},
            "problems": self.problems,
            "rss_base_kb": self.rss_base,
            "rss_end_kb": self.rss_end,
            "hwm_end_kb": self.hwm_end,
            "requests_after_base": self.soak_requests,
            "error": self.error,
        }


@dataclass
class ServerResult:
    kind: ServerKind
    mode: str
    connections: int
    seconds: int
    rounds: int
    soak_target: int
    apps: dict[str, AppOnServer]

    def to_json(self) -> dict[str, Any]:
        return {
            "server": self.kind.key,
            "workers": self.kind.workers,
            "label": self.kind.label,
            "mode": self.mode,
            "keep_alive": self.mode == KEEP_ALIVE,
            "connections": self.connections,
            "seconds": self.seconds,
            "rounds": self.rounds,
            "soak_target": self.soak_target,
            "apps": {k: v.to_json() for k, v in self.apps.items()},
        }


def _expect_non_2xx(scenario: ba.Scenario) -> bool:
    return scenario.status >= 300


def run_kind(
    kind: ServerKind,
    apps: Sequence[str],
    scenarios: Sequence[str],
    seconds: int,
    rounds: int,
    connections: int,
    soak_target: int,
    soak_cap_s: float,
    progress: Callable[[str], None] = print,
) -> list[ServerResult]:
    """One server per app of ``kind``, loaded in each of the kind's modes; one result per mode."""
    results = {m: {a: AppOnServer() for a in apps} for m in kind.modes}
    first = results[kind.modes[0]]
    with tempfile.TemporaryDirectory(prefix="clink-bench-") as tmp:
        folder = Path(tmp)
        servers: dict[str, RunningServer] = {}
        try:
            for a in apps:
                servers[a] = start(kind, a, folder)
            for a, server in servers.items():
                try:
                    wait_ready(server)
                except RuntimeError as e:
                    for m in kind.modes:
                        results[m][a].error = str(e)
                    continue
                problems = []
                for s in scenarios:
                    if not _runs(a, s):
                        continue
                    try:
                        found = ba.check_answer(ba.SCENARIOS[s], fetch(server, ba.SCENARIOS[s]))
                    except OSError as e:
                        found = [f"request failed: {e}"]
                    problems += [f"{s}: {p}" for p in found]
                for m in kind.modes:
                    results[m][a].problems += problems
            live = [a for a in apps if first[a].error is None and not first[a].problems]
            for a in apps:
                if first[a].problems:
                    progress(f"  {a}: wrong answers over {kind.id}: {first[a].problems}")
                elif first[a].error:
                    progress(f"  {a}: {first[a].error}")
            # warm-up, then the memory baseline
            for a in live:
                for s in ("get", "post"):
                    if _runs(a, s) and s in scenarios:
                        wrk(servers[a], ba.SCENARIOS[s], 1, connections, folder)
                first[a].rss_base = {
                    p: memory_kb(p).get("VmRSS", 0) for p in servers[a].worker_pids()
                }
            for r in range(rounds):
                for mode in kind.modes:
                    for s in scenarios:
                        order = [a for a in live if _runs(a, s) and _in_matrix(kind, mode, a, s)]
                        if not order:
                            continue
                        order = order[r % len(order):] + order[: r % len(order)]
                        for a in order:
                            res = wrk(servers[a], ba.SCENARIOS[s], seconds, connections, folder,
                                      mode)
                            results[mode][a].runs.setdefault(s, []).append(res)
                            first[a].soak_requests += res.requests
                            _check_run(a, ba.SCENARIOS[s], res, results[mode][a].problems)
                progress(f"  {kind.id}: round {r + 1}/{rounds} done")
            for a in live if kind.soak else []:
                started = time.monotonic()
                i = 0
                while (
                    first[a].soak_requests < soak_target
                    and time.monotonic() - started < soak_cap_s
                ):
                    s = ("get", "post")[i % 2] if _runs(a, "post") else "get"
                    res = wrk(servers[a], ba.SCENARIOS[s], seconds, connections, folder)
                    first[a].soak_requests += res.requests
                    i += 1
                for p in servers[a].worker_pids():
                    mem = memory_kb(p)
                    first[a].rss_end[p] = mem.get("VmRSS", 0)
                    first[a].hwm_end[p] = mem.get("VmHWM", 0)
        finally:
            for server in servers.values():
                server.stop()
    return [
        ServerResult(kind, m, connections, seconds, rounds, soak_target if kind.soak else 0,
                     results[m])
        for m in kind.modes
    ]


def _in_matrix(kind: ServerKind, mode: str, app: str, scenario: str) -> bool:
    """The soak kind runs every app and scenario with keep-alive, the matrix's alone with
    a connection per request too."""
    if mode == KEEP_ALIVE or not kind.soak:
        return True
    return scenario in MATRIX_SCENARIOS and (kind.interface == "asgi" or app in MATRIX_WSGI)


def _runs(app: str, scenario: str) -> bool:
    return ba.runs(app, scenario) and ba.SCENARIOS[scenario].over_sockets


def _check_run(app: str, scenario: ba.Scenario, res: WrkResult, problems: list[str]) -> None:
    if res.socket_errors:
        problems.append(f"{scenario.key}: {res.socket_errors} socket errors in a wrk run")
    expected = res.requests if _expect_non_2xx(scenario) else 0
    if res.requests and res.non_2xx != expected:
        problems.append(
            f"{scenario.key}: {res.non_2xx} non-2xx answers of {res.requests}, "
            f"expected {expected}"
        )


#: the WSGI apps every WSGI kind serves; the kinds with a memory soak serve every one
MATRIX_WSGI = ("raw", "falcon", "clink")
#: the scenarios of the server matrix; the soak kinds run every scenario given
MATRIX_SCENARIOS = ("get", "post")
#: the scenarios of the kinds with the memory soak
SOAK_SCENARIOS = ("get", "post", "post_invalid", "not_found")


def run(
    apps: Sequence[str],
    scenarios: Sequence[str],
    seconds: int,
    rounds: int,
    connections: int,
    soak_target: int,
    soak_cap_s: float,
    progress: Callable[[str], None] = print,
) -> tuple[list[ServerResult], list[str]]:
    """Every available server kind; notes say what was skipped and why.

    WSGI kinds serve ``MATRIX_WSGI`` on ``MATRIX_SCENARIOS`` (the kind with the
    memory soak: every WSGI app on every scenario); ASGI kinds serve the ASGI peers.
    """
    notes: list[str] = []
    if shutil.which("wrk") is None:
        return [], [
            "wrk is not installed (Debian: `apt-get install -y wrk`): the server part is skipped"
        ]
    kinds, kind_notes = available_servers()
    notes += kind_notes
    results = []
    for kind in kinds:
        mine = [a for a in apps if ba.APPS[a].interface == kind.interface]
        scen = [s for s in scenarios if s in SOAK_SCENARIOS]
        if not kind.soak:
            scen = [s for s in scenarios if s in MATRIX_SCENARIOS]
            if kind.interface == "wsgi":
                mine = [a for a in mine if a in MATRIX_WSGI]
        if not mine or not scen:
            continue
        progress(f"server part: {kind.label} ({', '.join(kind.modes)})")
        results += run_kind(
            kind, mine, scen, seconds, rounds, connections, soak_target, soak_cap_s, progress
        )
    return results, notes


def wrk_version() -> str | None:
    if shutil.which("wrk") is None:
        return None
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    first = (out.stdout + out.stderr).strip().splitlines()
    return first[0].split(" Copyright")[0] if first else "?"
