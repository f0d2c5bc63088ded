"""gunicorn server hooks for multiprocess mode; use them in ``gunicorn.conf.py``:

    from clink_metrics.gunicorn import child_exit, on_starting, when_ready  # noqa: F401

- ``on_starting``: empties ``PROMETHEUS_MULTIPROC_DIR`` (creating it if needed)
  before any worker starts, so counts of an earlier run are not added to this one;
- ``child_exit``: a worker that ended leaves the in-flight gauge (its counters
  and histograms stay: they are totals);
- ``when_ready``: with ``CLINK_METRICS_PORT`` set, the master serves the merged
  metrics of every worker on that port (``CLINK_METRICS_ADDR``, default
  ``127.0.0.1``), so a scrape does not depend on one worker being free.

``PROMETHEUS_MULTIPROC_DIR`` itself must be in gunicorn's environment before it
starts (prometheus-client reads it once, at import).
"""

from __future__ import annotations

import glob
import logging
import os
from typing import Any

from .shared import ENV

logger = logging.getLogger("clink.metrics")


def _dir() -> str:
    path = os.environ.get(ENV)
    if not path:
        raise RuntimeError(
            f"clink_metrics.gunicorn hooks are for multiprocess mode: set {ENV} to a directory "
            "in gunicorn's environment (or remove the hooks from gunicorn.conf.py)"
        )
    return path


def on_starting(server: Any) -> None:
    """Empty (or create) the multiprocess directory before the workers start."""
    path = _dir()
    os.makedirs(path, exist_ok=True)
    for name in glob.glob(os.path.join(path, "*.db")):
        os.remove(name)


def child_exit(server: Any, worker: Any) -> None:
    """Drop the live gauges of a worker that ended."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, _dir())  # type: ignore[no-untyped-call]


def when_ready(server: Any) -> None:
    """Serve every worker's metrics from the master on ``CLINK_METRICS_PORT``, if set."""
    raw = os.environ.get("CLINK_METRICS_PORT")
    if not raw:
        return
    from prometheus_client import start_http_server

    from .service import multiprocess_registry

    path = _dir()

    class _Merged:
        """A registry read anew at each scrape (the files change)."""

        def collect(self) -> Any:
            return multiprocess_registry(path).collect()

    addr = os.environ.get("CLINK_METRICS_ADDR") or "127.0.0.1"
    start_http_server(int(raw), addr, registry=_Merged())
    logger.info("clink-metrics: every worker's metrics on http://%s:%s/", addr, raw)
