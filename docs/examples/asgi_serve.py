"""The command lines that serve ``asgi_app.py``, each started and checked on 127.0.0.1.

Run: python docs/examples/asgi_serve.py

    clink run --asgi asgi_app:app                            # uvicorn, one process
    uvicorn asgi_app:app.asgi --port 8000 --workers 2        # uvicorn itself
    granian --interface asgi asgi_app:app.asgi --port 8000   # granian (Rust HTTP server)

Each loads the app at the lifespan's startup and runs the plugins' teardown
(``clink_shutdown``) at its shutdown. A server that is not installed is skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def command(name: str, port: int) -> list[str] | None:
    """The command line of ``name``, or ``None`` when that server is not installed."""
    exe = str(BIN / name) if (BIN / name).exists() else shutil.which(name)
    if exe is None:
        return None
    return {
        "clink": [exe, "run", "--asgi", "--port", str(port), "asgi_app:app"],
        "uvicorn": [exe, "asgi_app:app.asgi", "--port", str(port), "--workers", "2",
                    "--log-level", "warning"],
        "granian": [exe, "--interface", "asgi", "asgi_app:app.asgi", "--port", str(port),
                    "--log-level", "warning"],
    }[name]


def check(port: int, proc: subprocess.Popen[bytes]) -> None:
    from websockets.sync.client import connect

    deadline = time.monotonic() + 15
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/shop/async", timeout=2) as r:
                assert b'"kind":"async"' in r.read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/shop/report", timeout=5) as r:
        assert r.read() == b"line 0\nline 1\nline 2\n"
    with connect(f"ws://127.0.0.1:{port}/shop/chat/lobby", open_timeout=5) as ws:
        ws.send("hi")
        assert ws.recv(timeout=5) == "lobby: hi"


def main() -> None:
    env = {**os.environ, "PYTHONPATH": str(HERE)}
    started: list[tuple[str, int, subprocess.Popen[bytes]]] = []
    for name in ("clink", "uvicorn", "granian"):  # all at once: their start-ups overlap
        port = free_port()
        argv = command(name, port)
        if argv is None:
            print(f"{name}: not installed, skipped")
            continue
        started.append((name, port, subprocess.Popen(
            argv, cwd=HERE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
    try:
        for name, port, proc in started:
            check(port, proc)
            print(f"{name}: ok")
    finally:
        for _, _, proc in started:
            proc.terminate()  # SIGTERM: the lifespan's shutdown runs
        for _, _, proc in started:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    main()
