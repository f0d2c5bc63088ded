"""ASGI entry for servers: ``app`` is the ASGI peer named by ``BENCH_APP``.

    BENCH_APP=fastapi uvicorn --app-dir bench asgi_entry:app
    BENCH_APP=litestar granian --interface asgi --working-dir bench asgi_entry:app

The bare framework app (the server runs its lifespan), not the in-process wrapper.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peer_apps

app = peer_apps.build_bare(os.environ.get("BENCH_APP", "fastapi"))
