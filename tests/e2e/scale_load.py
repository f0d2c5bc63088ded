"""A bounded load on 127.0.0.1 for test_scale.py, spread over both instances, from a real
client: wrk (one process per instance, at once) or, without wrk, Python threads each
holding a kept-alive ``http.client`` connection.

Both send the same mix of GETs, a read from MongoDB, a book by id, an authenticated
``/acc/me`` and the liveness check, for ``seconds`` seconds, and stop by themselves.
"""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
#: what ``CLINK_SCALE_CLIENT`` may name; ``auto``: wrk when it is on PATH, else python.
CLIENTS = ("auto", "wrk", "python")


@dataclass
class LoadResult:
    """What the client counted: answers by instance port, the non-2xx among them, and
    socket errors (connect, read, write, timeout)."""

    client: str
    seconds: float
    connections: int
    answers: dict[int, int] = field(default_factory=dict)
    non_2xx: int = 0
    socket_errors: int = 0
    #: X-Request-Id of every answer (python client only: wrk does not report headers).
    request_ids: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.answers.values())


def mix(book_id: str, token: str) -> list[tuple[str, dict[str, str]]]:
    """The requests of the load, cycled: (path, headers)."""
    return [
        ("/book/list?size=5", {}),
        (f"/book/item?id={book_id}", {}),
        ("/acc/me", {"Authorization": f"Bearer {token}"}),
        ("/healthz", {}),
    ]


# -- wrk ----------------------------------------------------------------------------------
_REQUESTS = re.compile(r"(\d+) requests in ([\d.]+)(m?s)")
_NON2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def wrk_script(requests: list[tuple[str, dict[str, str]]], path: Path) -> Path:
    """A wrk Lua script sending ``requests`` in turn on every connection."""
    rows = []
    for target, headers in requests:
        head = ", ".join(f'["{k}"] = [==[{v}]==]' for k, v in headers.items())
        rows.append(f'  wrk.format("GET", [==[{target}]==], {{{head}}}),')
    path.write_text(
        "local reqs = {\n" + "\n".join(rows) + "\n}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        "  return reqs[(i % #reqs) + 1]\n"
        "end\n"
    )
    return path


def parse_wrk(text: str) -> tuple[int, int, int]:
    """(requests answered, non-2xx answers, socket errors) from wrk's report."""
    found = _REQUESTS.search(text)
    if found is None:
        raise AssertionError(f"wrk printed no request count:\n{text}")
    non2xx = _NON2XX.search(text)
    errors = _SOCKET.search(text)
    return (int(found.group(1)), int(non2xx.group(1)) if non2xx else 0,
            sum(int(n) for n in errors.groups()) if errors else 0)


def run_wrk(ports: list[int], seconds: int, connections: int,
            requests: list[tuple[str, dict[str, str]]], tmp: Path) -> LoadResult:
    """One ``wrk -t1`` per port, all at once, ``connections`` connections each."""
    script = wrk_script(requests, tmp / "scale.lua")
    procs = {
        port: subprocess.Popen(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
             "-s", str(script), f"http://{HOST}:{port}"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for port in ports
    }
    result = LoadResult("wrk", seconds, connections * len(ports))
    for port, proc in procs.items():
        out, _ = proc.communicate(timeout=seconds + 60)
        assert proc.returncode == 0, f"wrk exited with {proc.returncode}:\n{out}"
        answered, non2xx, errors = parse_wrk(out)
        result.answers[port] = answered
        result.non_2xx += non2xx
        result.socket_errors += errors
    return result


def wrk_path() -> str | None:
    return shutil.which("wrk")


# -- python -------------------------------------------------------------------------------
def run_python(ports: list[int], seconds: int, connections: int,
               requests: list[tuple[str, dict[str, str]]]) -> LoadResult:
    """``connections`` threads per port, each on one kept-alive connection, for
    ``seconds``; every answer's status and request id counted."""
    result = LoadResult("python", seconds, connections * len(ports))
    counts: Counter[int] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(port: int, start: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        answered = non2xx = errors = 0
        ids: list[str] = []
        i = start
        while time.monotonic() < deadline:
            target, headers = requests[i % len(requests)]
            i += 1
            try:
                conn.request("GET", target, headers=headers)
                res = conn.getresponse()
                res.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
                continue
            answered += 1
            non2xx += not 200 <= res.status < 300
            ids.append(res.getheader("X-Request-Id") or "")
        conn.close()
        with lock:
            counts[port] += answered
            result.non_2xx += non2xx
            result.socket_errors += errors
            result.request_ids += ids

    threads = [threading.Thread(target=worker, args=(port, n))
               for port in ports for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    result.answers = dict(counts)
    return result
