"""WSGI entry for servers: ``application`` is the bench app named by ``BENCH_APP``.

    BENCH_APP=clink gunicorn --chdir bench wsgi_entry:application
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_apps

application = bench_apps.build(os.environ.get("BENCH_APP", "clink"))
