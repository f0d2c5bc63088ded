"""Clink plugin: Prometheus metrics of every request, also summed over gunicorn workers.

    app = App(AppConf("book-api"), plugins=["metrics"])   # GET /metrics

Requests by method, route template and status class, their latency, requests
in flight and errors by exception class (``collector`` lists the names), at
a cost of well under 1.5 µs per request (see the README). Configured by
``MetricsConf``; ``clink_metrics.gunicorn`` holds the server hooks of
multiprocess mode.
"""

from . import plugin
from .conf import DEFAULT_BUCKETS, MetricsConf
from .error import MetricsError, MetricsSetupError
from .handler import HANDLERS, MetricsErrorHandler, MetricsInHandler, MetricsOutHandler
from .service import MetricsSv
from .stats import UNMATCHED, RequestStats

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_BUCKETS",
    "HANDLERS",
    "UNMATCHED",
    "MetricsConf",
    "MetricsError",
    "MetricsErrorHandler",
    "MetricsInHandler",
    "MetricsOutHandler",
    "MetricsSetupError",
    "MetricsSv",
    "RequestStats",
    "__version__",
    "plugin",
]
