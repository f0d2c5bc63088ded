"""The pipeline handlers: level 1 counts a request in, level 5 records it, level 7 its error.

Each handler's ``handle`` is a closure of ``RequestStats.handlers()`` (made once,
at ``load()``): see ``stats`` for what a request costs and why.
"""

from __future__ import annotations

from clink_core import stamp
from clink_core.plugin import ILv1Handler, ILv5Handler, ILv7Handler

from .service import MetricsSv


@stamp(MetricsSv)
class MetricsInHandler(ILv1Handler):
    """Level 1, first: the request is in flight."""

    tryfirst = True

    def __init__(self, metrics: MetricsSv) -> None:
        self.handle = metrics.stats.handlers()[0]


@stamp(MetricsSv)
class MetricsOutHandler(ILv5Handler):
    """Level 5, last (the status is final): count, latency, out of flight."""

    trylast = True

    def __init__(self, metrics: MetricsSv) -> None:
        self.handle = metrics.stats.handlers()[1]


@stamp(MetricsSv)
class MetricsErrorHandler(ILv7Handler):
    """Level 7: the exception's class is counted."""

    def __init__(self, metrics: MetricsSv) -> None:
        self.handle = metrics.stats.handlers()[2]


#: every handler of the plugin, for ``app.add_handlers`` without the plugin module.
HANDLERS = (MetricsInHandler, MetricsOutHandler, MetricsErrorHandler)
