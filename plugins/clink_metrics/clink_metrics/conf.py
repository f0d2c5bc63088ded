"""Configuration of clink-metrics: ``MetricsConf``."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from clink_core import Primitive
from clink_core.plugin import ConfError

#: latency bucket bounds in seconds: clink answers in microseconds, so finer than
#: prometheus-client's default (5 ms to 10 s) at the low end.
DEFAULT_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)
_NAMESPACE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*").fullmatch
_OFF = ("", "off", "none", "false", "0")


def _check_path(path: Any) -> str | None:
    if path is None:
        return None
    if not isinstance(path, str) or not path.startswith("/") or "{" in path:
        raise ConfError(
            f"MetricsConf path must be a static path such as '/metrics' (or None: not "
            f"served by the app), got {path!r}"
        )
    return path


def _check_buckets(buckets: Iterable[float]) -> tuple[float, ...]:
    try:
        bounds = tuple(float(b) for b in buckets)
    except (TypeError, ValueError):
        raise ConfError(
            f"MetricsConf buckets must be numbers of seconds, got {buckets!r}"
        ) from None
    if bounds and bounds[-1] == math.inf:
        bounds = bounds[:-1]  # +Inf is always there
    if not bounds or any(not math.isfinite(b) or b <= 0 for b in bounds) or list(
        bounds
    ) != sorted(set(bounds)):
        raise ConfError(
            f"MetricsConf buckets must be increasing positive numbers of seconds, got {buckets!r}"
        )
    return bounds


class MetricsConf(Primitive):
    """What clink-metrics measures and where it serves the metrics.

    ``path``: where the app serves ``GET`` metrics in the Prometheus text format
    (``None``: not served by the app; serve them from a controller of your own
    with ``MetricsSv.render``, or on ``port``). ``token``: when set, the app's
    metrics route answers only requests with ``Authorization: Bearer <token>``
    (what Prometheus sends with ``authorization: {credentials: ...}``).
    ``guard``: a decorator for the metrics route's controller method, such as
    clink-auth's ``require_group("ops")``. ``port``/``addr``: also serve the
    metrics on their own port (prometheus-client's server, no authentication:
    keep ``addr`` private; under gunicorn the master serves it, see the README).
    ``namespace``: the metric names' prefix (``clink_http_requests_total``).
    ``buckets``: the latency histogram's upper bounds in seconds (``+Inf`` is
    added). ``flush_interval``: seconds between two writes of a worker's counts
    to the shared files in multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``).
    """

    def __init__(
        self,
        path: str | None = "/metrics",
        *,
        token: str | None = None,
        guard: Callable[[Any], Any] | None = None,
        port: int | None = None,
        addr: str = "127.0.0.1",
        namespace: str = "clink",
        buckets: Iterable[float] = DEFAULT_BUCKETS,
        flush_interval: float = 1.0,
    ) -> None:
        self.path = _check_path(path)
        if token is not None and (
            not isinstance(token, str) or len(token) < 16 or not token.isascii()
            or not token.isprintable() or " " in token
        ):
            raise ConfError(
                "MetricsConf token must be at least 16 printable ASCII characters without "
                "spaces (e.g. python -c 'import secrets; print(secrets.token_urlsafe())')"
            )
        if guard is not None and not callable(guard):
            raise ConfError(f"MetricsConf guard must be a method decorator, got {guard!r}")
        if port is not None and (
            not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535
        ):
            raise ConfError(f"MetricsConf port must be a TCP port from 1 to 65535, got {port!r}")
        if not isinstance(addr, str) or not addr:
            raise ConfError(f"MetricsConf addr must be an address to bind, got {addr!r}")
        if not isinstance(namespace, str) or not _NAMESPACE(namespace):
            raise ConfError(
                f"MetricsConf namespace must be a Prometheus name ([a-zA-Z_][a-zA-Z0-9_]*), "
                f"got {namespace!r}"
            )
        if (
            not isinstance(flush_interval, (int, float)) or isinstance(flush_interval, bool)
            or not 0.01 <= flush_interval <= 60
        ):
            raise ConfError(
                f"MetricsConf flush_interval must be a number of seconds from 0.01 to 60, "
                f"got {flush_interval!r}"
            )
        self.token = token
        self.guard = guard
        self.port = port
        self.addr = addr
        self.namespace = namespace
        self.buckets = _check_buckets(buckets)
        self.flush_interval = float(flush_interval)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MetricsConf:
        """Read ``CLINK_METRICS_PATH`` (``off``: not served by the app),
        ``CLINK_METRICS_TOKEN``, ``CLINK_METRICS_PORT``, ``CLINK_METRICS_ADDR``,
        ``CLINK_METRICS_NAMESPACE``, ``CLINK_METRICS_BUCKETS`` (comma list of
        seconds) and ``CLINK_METRICS_FLUSH`` (seconds).

        Unset variables keep the defaults; a malformed one raises ``ConfError``
        naming it.
        """
        env = os.environ if env is None else env
        kwargs: dict[str, Any] = {}
        raw = env.get("CLINK_METRICS_PATH")
        if raw is not None:
            kwargs["path"] = None if raw.strip().lower() in _OFF else raw.strip()
        raw = env.get("CLINK_METRICS_TOKEN")
        if raw:
            kwargs["token"] = raw
        raw = env.get("CLINK_METRICS_PORT")
        if raw:
            if not raw.strip().isdigit():
                raise ConfError(f"CLINK_METRICS_PORT must be a TCP port number, got {raw!r}")
            kwargs["port"] = int(raw)
        for key, name in (("ADDR", "addr"), ("NAMESPACE", "namespace")):
            raw = env.get(f"CLINK_METRICS_{key}")
            if raw:
                kwargs[name] = raw.strip()
        raw = env.get("CLINK_METRICS_BUCKETS")
        if raw:
            kwargs["buckets"] = [part.strip() for part in raw.split(",") if part.strip()]
        raw = env.get("CLINK_METRICS_FLUSH")
        if raw:
            try:
                kwargs["flush_interval"] = float(raw)
            except ValueError:
                raise ConfError(
                    f"CLINK_METRICS_FLUSH must be a number of seconds, got {raw!r}"
                ) from None
        try:
            return cls(**kwargs)
        except ConfError as e:
            raise ConfError(f"from the CLINK_METRICS_* environment: {e}") from None

    def __repr__(self) -> str:
        token = "set" if self.token else None
        return (
            f"MetricsConf(path={self.path!r}, token={token}, port={self.port!r}, "
            f"namespace={self.namespace!r}, flush_interval={self.flush_interval!r})"
        )
