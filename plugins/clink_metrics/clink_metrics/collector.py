"""The metric families, and the collector that exports a ``RequestStats`` at scrape time.

Names (``namespace`` ``clink`` by default):

- ``clink_http_requests_total{method, route, status}``: requests answered;
- ``clink_http_request_duration_seconds{method, route, status}``: histogram of the
  time from arrival (``req.start``) to the response being ready (level 5);
- ``clink_http_requests_in_flight``: requests being handled now;
- ``clink_http_request_errors_total{exception}``: exceptions that reached the error
  path, by class name (``Http404Error``, ``DatabaseDownError``...).

``route`` is the route template or ``(unmatched)``, ``status`` the class
(``2xx``, ``4xx``, ``5xx``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.registry import REGISTRY, Collector
from prometheus_client.utils import floatToGoString

from .stats import RequestStats

LABELS = ("method", "route", "status")
ERROR_LABELS = ("exception",)
REQUESTS_DOC = "HTTP requests answered, by method, route template and status class."
DURATION_DOC = "Time from a request's arrival to its response being ready, in seconds."
IN_FLIGHT_DOC = "HTTP requests being handled now."
ERRORS_DOC = "Exceptions that reached the error path, by exception class."


class Names(NamedTuple):
    """The metric names of one namespace (counters without their ``_total``)."""

    requests: str
    duration: str
    in_flight: str
    errors: str


def names(namespace: str) -> Names:
    """The metric names under ``namespace``."""
    return Names(
        f"{namespace}_http_requests",
        f"{namespace}_http_request_duration_seconds",
        f"{namespace}_http_requests_in_flight",
        f"{namespace}_http_request_errors",
    )


class StatsCollector(Collector):
    """Exports the counts of one process, read when Prometheus scrapes (exact, no delay)."""

    def __init__(self, stats: RequestStats, namespace: str) -> None:
        self._stats = stats
        self._names = names(namespace)
        self._bounds = [
            floatToGoString(b)  # type: ignore[no-untyped-call]
            for b in stats.bounds
        ] + ["+Inf"]

    def collect(self) -> Iterator[Any]:
        snap = self._stats.snapshot()
        n = self._names
        requests = CounterMetricFamily(n.requests, REQUESTS_DOC, labels=LABELS)
        duration = HistogramMetricFamily(n.duration, DURATION_DOC, labels=LABELS)
        for labels, cell in sorted(snap.requests.items()):
            count = 0.0
            buckets = []
            for bound, k in zip(self._bounds, cell[:-1], strict=True):
                count += k
                buckets.append((bound, count))
            requests.add_metric(list(labels), count)
            duration.add_metric(list(labels), buckets, cell[-1])
        yield requests
        yield duration
        yield GaugeMetricFamily(n.in_flight, IN_FLIGHT_DOC, value=snap.in_flight)
        errors = CounterMetricFamily(n.errors, ERRORS_DOC, labels=ERROR_LABELS)
        for name, count in sorted(snap.errors.items()):
            errors.add_metric([name], count)
        yield errors

    def describe(self) -> Iterator[Any]:
        # Names only, so a registry can refuse a duplicate without collecting.
        n = self._names
        yield CounterMetricFamily(n.requests, REQUESTS_DOC, labels=LABELS)
        yield HistogramMetricFamily(n.duration, DURATION_DOC, labels=LABELS)
        yield GaugeMetricFamily(n.in_flight, IN_FLIGHT_DOC)
        yield CounterMetricFamily(n.errors, ERRORS_DOC, labels=ERROR_LABELS)


class DefaultRegistry(Collector):
    """prometheus-client's global registry (process metrics, the application's own
    metrics), served on the same page as the request metrics."""

    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()
