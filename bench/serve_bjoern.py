"""Serve one bench app with bjoern (HTTP/1.1 keep-alive) on 127.0.0.1.

    python bench/serve_bjoern.py APP PORT [WORKERS]

bjoern is one process with one event loop. With WORKERS > 1 the app is built and
the socket bound once, then that many forked processes each run bjoern's loop on
it (pre-fork, as gunicorn does); the parent only waits for them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_apps
import bjoern


def main() -> None:
    key, port = sys.argv[1], int(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    app = bench_apps.build(key)
    print(f"bjoern serving {key} on 127.0.0.1:{port} with {workers} process(es)", flush=True)
    if workers == 1:
        bjoern.run(app, "127.0.0.1", port)
        return
    bjoern.listen(app, "127.0.0.1", port)
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            bjoern.run()
            os._exit(0)
        children.append(pid)
    for pid in children:  # the server is stopped by a signal to its process group
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
