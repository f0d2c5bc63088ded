"""The metrics route: a controller made at ``clink_setup`` for the configured path."""

from __future__ import annotations

import hmac
from typing import Any

from clink_core import Controller, mapper, stamp
from clink_core.http import produces
from clink_core.plugin import Http401Error

from .conf import MetricsConf
from .service import MetricsSv

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="metrics"'}


def _token_check(token: str) -> Any:
    expected = token.encode()

    def check(req: Any) -> None:
        value = (req.env.get("HTTP_AUTHORIZATION") or "").strip()
        scheme, _, credentials = value.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            credentials.strip().encode("utf-8", "replace"), expected
        ):
            raise Http401Error("the metrics need the bearer token of MetricsConf", _CHALLENGE)

    return check


def metrics_ctl(conf: MetricsConf) -> type[Controller]:
    """A controller serving ``GET conf.path``: with ``conf.token`` only to that bearer
    token, and behind ``conf.guard`` (a decorator such as ``require_group("ops")``)."""
    assert conf.path is not None
    check = _token_check(conf.token) if conf.token is not None else None

    def __init__(self: Any, metrics: MetricsSv) -> None:
        self._metrics = metrics

    def metrics(self: Any, req: Any, res: Any) -> None:
        """The request metrics in the Prometheus text format (or OpenMetrics, as asked)."""
        if check is not None:
            check(req)
        self._metrics.answer(req, res)

    if conf.guard is not None:
        metrics = conf.guard(metrics)
    # The page's type is negotiated by prometheus-client (text or OpenMetrics).
    metrics = mapper.get(conf.path)(produces("*/*")(metrics))
    ctl = type("MetricsCtl", (Controller,), {
        "__init__": __init__, "metrics": metrics, "__module__": __name__,
        "__doc__": "Serves the metrics page.",
    })
    return stamp(MetricsSv)(mapper.path("/")(ctl))
