"""Serve one bench app with bjoern (one process, HTTP/1.1 keep-alive) on 127.0.0.1.

    python bench/serve_bjoern.py APP PORT
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_apps
import bjoern


def main() -> None:
    key, port = sys.argv[1], int(sys.argv[2])
    app = bench_apps.build(key)
    print(f"bjoern serving {key} on 127.0.0.1:{port}", flush=True)
    bjoern.run(app, "127.0.0.1", port)


if __name__ == "__main__":
    main()
