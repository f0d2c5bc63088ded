"""Multiprocess mode: each worker writes its counts to prometheus-client's shared files.

With ``PROMETHEUS_MULTIPROC_DIR`` set (before prometheus-client is imported,
so in the environment of the server), prometheus-client keeps every value of a
process in an mmap'd file ``<type>_<pid>.db`` in that directory, and a scrape
merges the files of all processes (``MultiProcessCollector``): counters and
histograms are summed over every worker that ever ran, the in-flight gauge
over the live ones (mode ``livesum``: ``mark_process_dead`` removes a dead
worker's, see ``clink_metrics.gunicorn``).

``SharedWriter`` moves a worker's counts (``RequestStats``) into those files:
a ``clink-metrics-flush`` thread does it every ``flush_interval``, the worker
that answers a scrape does it first for itself, and the process does it at
exit. So a scrape shows the other workers' counts as they were at most
``flush_interval`` ago. It writes the increase since the last flush into the
children of ordinary prometheus-client metrics: ``Counter.inc``,
``Gauge.inc`` and, for the histogram, which has no public way to add *n*
observations to one bucket, its per-bucket values (``_buckets[i]``, ``_sum``);
``check_layout`` refuses a prometheus-client whose histogram is built
differently (the dependency is pinned below 1.0 for that reason).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client import values as _values

from .collector import DURATION_DOC, ERRORS_DOC, IN_FLIGHT_DOC, LABELS, REQUESTS_DOC, names
from .error import MetricsSetupError
from .stats import RequestStats

logger = logging.getLogger("clink.metrics")

ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> str | None:
    """The directory of multiprocess mode, ``None`` when it is off; refuses a bad set-up."""
    path = os.environ.get(ENV) or os.environ.get(ENV.lower())
    if not path:
        return None
    if not os.path.isdir(path):
        raise MetricsSetupError(
            f"{ENV}={path!r} is not a directory: create it (empty) before starting the "
            "server, or unset it for a single process"
        )
    if not getattr(_values.ValueClass, "_multiprocess", False):
        raise MetricsSetupError(
            f"{ENV} was set after prometheus_client was imported, so this process keeps "
            "its metrics in memory: set it in the environment of the server process "
            "(gunicorn's, before it starts), not in the application's code"
        )
    return path


class _Families:
    """The process's metric objects of one namespace (one set per process: two
    objects for the same values would overwrite each other's file entries)."""

    def __init__(self, namespace: str, bounds: tuple[float, ...]) -> None:
        n = names(namespace)
        self.bounds = bounds
        self.requests = Counter(n.requests, REQUESTS_DOC, LABELS, registry=None)
        self.duration = Histogram(n.duration, DURATION_DOC, LABELS, buckets=bounds, registry=None)
        self.in_flight = Gauge(
            n.in_flight, IN_FLIGHT_DOC, registry=None, multiprocess_mode="livesum"
        )
        self.errors = Counter(n.errors, ERRORS_DOC, ("exception",), registry=None)


_families: dict[str, _Families] = {}
_families_lock = threading.Lock()


def families(namespace: str, bounds: tuple[float, ...]) -> _Families:
    """The process's metric objects of ``namespace``, made on first use."""
    with _families_lock:
        found = _families.get(namespace)
        if found is None:
            found = _families[namespace] = _Families(namespace, bounds)
        elif found.bounds != bounds:
            raise MetricsSetupError(
                f"two apps of this process use metric namespace {namespace!r} with different "
                f"buckets ({found.bounds} and {bounds}): give one another MetricsConf namespace"
            )
    return found


def check_layout(child: Any, bounds: tuple[float, ...]) -> None:
    """Refuse a prometheus-client whose histogram children lack the values we write."""
    buckets = getattr(child, "_buckets", None)
    if (
        not isinstance(buckets, list) or len(buckets) != len(bounds) + 1
        or not all(hasattr(b, "inc") for b in buckets) or not hasattr(child, "_sum")
    ):
        raise MetricsSetupError(
            "this prometheus-client's Histogram has no per-bucket values (_buckets, _sum); "
            "clink-metrics needs prometheus-client>=0.20,<1 in multiprocess mode"
        )


class SharedWriter:
    """Writes the increase of ``stats`` since the last flush to the shared files."""

    def __init__(self, stats: RequestStats, namespace: str, flush_interval: float) -> None:
        self._stats = stats
        self._fam = families(namespace, stats.bounds)
        self._interval = flush_interval
        self._lock = threading.Lock()
        self._reset()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.start()
        ref = weakref.ref(self)
        atexit.register(_flush_ref, ref)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=lambda: _after_fork_ref(ref))

    def _reset(self) -> None:
        #: labels -> the cell as last written (bucket counts and seconds).
        self._written: dict[tuple[str, str, str], list[float]] = {}
        self._errors_written: dict[str, int] = {}
        self._in_flight_written = 0

    def _after_fork(self) -> None:
        # The child's values start at zero in its own files; its flush thread is new.
        self._lock = threading.Lock()
        self._reset()
        self._thread = None
        self._stop = threading.Event()
        self.start()

    def start(self) -> None:
        """Start the flush thread (again after a fork)."""
        if self._thread is not None and self._thread.is_alive():
            return
        ref = weakref.ref(self)
        stop = self._stop
        interval = self._interval

        def loop() -> None:
            while not stop.wait(interval):
                writer = ref()
                if writer is None:
                    return
                try:
                    writer.flush()
                except Exception:  # a full disk must not end the thread
                    logger.exception("clink-metrics: writing the counts to %s failed",
                                     os.environ.get(ENV))
                del writer

        self._thread = threading.Thread(target=loop, name="clink-metrics-flush", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the thread and write what is left."""
        self._stop.set()
        self.flush()

    def flush(self) -> None:
        """Write the increase since the last flush (a count never goes down: a request
        moved to another status after it was written keeps its first place)."""
        snap = self._stats.snapshot()
        fam = self._fam
        with self._lock:
            written = self._written
            for labels, cell in snap.requests.items():
                old = written.get(labels)
                if old == cell:
                    continue
                child = fam.duration.labels(*labels)
                if old is None:
                    check_layout(child, fam.bounds)
                    old = written[labels] = [0.0] * len(cell)
                added = 0.0
                for i in range(len(cell) - 1):
                    delta = cell[i] - old[i]
                    if delta > 0:
                        child._buckets[i].inc(delta)
                        old[i] = cell[i]
                        added += delta
                seconds = cell[-1] - old[-1]
                if seconds > 0:
                    child._sum.inc(seconds)
                    old[-1] = cell[-1]
                if added:
                    fam.requests.labels(*labels).inc(added)
            for name, count in snap.errors.items():
                delta = count - self._errors_written.get(name, 0)
                if delta > 0:
                    fam.errors.labels(name).inc(delta)
                    self._errors_written[name] = count
            delta_flight = snap.in_flight - self._in_flight_written
            if delta_flight:
                fam.in_flight.inc(delta_flight)
                self._in_flight_written = snap.in_flight


def _flush_ref(ref: Any) -> None:
    writer = ref()
    if writer is not None:
        try:
            writer.close()
        except Exception:  # at exit: say it, never hang or raise
            logger.exception("clink-metrics: the last write of the counts failed")


def _after_fork_ref(ref: Any) -> None:
    writer = ref()
    if writer is not None:
        writer._after_fork()
