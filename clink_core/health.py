"""Health endpoints: liveness (``/healthz``) and readiness (``/readyz``) with plugin checks.

Liveness answers while the process can serve at all. Readiness runs every
check the plugins registered through the ``clink_health_checks`` hook (clink-mongo
pings its server with a short timeout, clink-smtp reports its last failure) and
answers 503 naming each failing one, so a load balancer stops sending requests
to an instance whose dependencies are down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .routing.route import Route

logger = logging.getLogger("clink.health")


@dataclass(frozen=True)
class HealthCheck:
    """A readiness check: ``check()`` returns (ready) or raises (not ready: the message says why).

    A check must be quick and bound its own waiting (a short timeout).
    """

    name: str
    check: Callable[[], Any]


def _checks(found: Iterable[Any]) -> tuple[HealthCheck, ...]:
    checks: list[HealthCheck] = []
    for group in found:
        for item in group or ():
            if not isinstance(item, HealthCheck):
                raise TypeError(
                    f"clink_health_checks must return HealthCheck objects, got {item!r}"
                )
            checks.append(item)
    names = [c.name for c in checks]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"two health checks share the names {duplicates}")
    return tuple(checks)


def health_routes(
    checks: Iterable[Any], liveness: str | None, readiness: str | None
) -> list[Route]:
    """The routes: ``GET liveness`` and ``GET readiness`` (either ``None``: not served)."""
    checks = _checks(checks)
    routes = []

    def live(req: Any, res: Any) -> None:
        res.header["Cache-Control"] = "no-store"
        res.body = {"status": "ok"}

    def ready(req: Any, res: Any) -> None:
        results: dict[str, Any] = {}
        failing = []
        for health in checks:
            started = time.perf_counter()
            try:
                health.check()
            except Exception as e:  # a check that fails, whatever it raises, is "not ready"
                failing.append(health.name)
                logger.warning("readiness check %s failed: %s: %s", health.name,
                               type(e).__name__, e)
                results[health.name] = {"ok": False, "error": type(e).__name__}
            else:
                results[health.name] = {"ok": True}
            results[health.name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
        res.header["Cache-Control"] = "no-store"
        if failing:
            res.status = 503
            res.header["Retry-After"] = "5"
            res.body = {"status": "unavailable", "failing": failing, "checks": results}
        else:
            res.body = {"status": "ok", "checks": results}

    if liveness is not None:
        routes.append(Route(liveness, "GET", None, live))
    if readiness is not None:
        routes.append(Route(readiness, "GET", None, ready))
    return routes
