"""``MetricsSv``: the app's request metrics and their Prometheus exposition."""

from __future__ import annotations

import logging
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from clink_core import Service, stamp

from .collector import DefaultRegistry, StatsCollector
from .conf import MetricsConf
from .error import MetricsSetupError
from .shared import SharedWriter, multiprocess_dir
from .stats import RequestStats

logger = logging.getLogger("clink.metrics")


def multiprocess_registry(path: str) -> CollectorRegistry:
    """A registry that merges the files of every process in ``path`` (made per scrape,
    as prometheus-client recommends)."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path)  # type: ignore[no-untyped-call]
    return registry


@stamp(MetricsConf)
class MetricsSv(Service):
    """The request counts of this process (``stats``) and the page Prometheus scrapes.

    One process: the page is read from ``stats`` at scrape time, together with
    prometheus-client's global registry (process metrics, the application's own
    ``Counter``s). Multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``): the counts
    are written to the shared files (``shared.SharedWriter``) and the page merges
    every worker's files, the application's own metrics included.
    """

    def __init__(self, conf: MetricsConf) -> None:
        self.conf = conf
        self.stats = RequestStats(conf.buckets)
        self.multiprocess_dir = multiprocess_dir()
        self._writer: SharedWriter | None = None
        self._registry: CollectorRegistry | None = None
        self._server: Any = None
        if self.multiprocess_dir is not None:
            self._writer = SharedWriter(self.stats, conf.namespace, conf.flush_interval)
        else:
            self._registry = CollectorRegistry()
            self._registry.register(StatsCollector(self.stats, conf.namespace))
            self._registry.register(DefaultRegistry())
        if conf.port is not None:
            self._serve_port(conf.port, conf.addr)

    def _serve_port(self, port: int, addr: str) -> None:
        if self.multiprocess_dir is not None:
            logger.info(
                "clink-metrics: port %d is not bound by this worker in multiprocess mode; the "
                "gunicorn master serves it (clink_metrics.gunicorn.when_ready)", port,
            )
            return
        try:
            self._server = start_http_server(port, addr, registry=self.registry())
        except OSError as e:
            raise MetricsSetupError(
                f"cannot serve the metrics on {addr}:{port}: {e.strerror or e}; choose another "
                "MetricsConf port (CLINK_METRICS_PORT) or leave it unset"
            ) from None

    def registry(self) -> CollectorRegistry:
        """The registry a scrape reads (in multiprocess mode a new one each time, after
        this worker wrote its own counts)."""
        if self._writer is not None:
            self._writer.flush()
            assert self.multiprocess_dir is not None
            return multiprocess_registry(self.multiprocess_dir)
        assert self._registry is not None
        return self._registry

    def render(self, accept: str | None = None) -> tuple[bytes, str]:
        """The metrics page and its content type, in the format ``accept`` asks for
        (the Prometheus text format, or OpenMetrics)."""
        encode, content_type = choose_encoder(accept or "")
        return encode(self.registry()), content_type

    def answer(self, req: Any, res: Any) -> None:
        """Answer ``req`` with the metrics page: for a controller method of your own
        (behind your guard) when ``MetricsConf(path=None)``."""
        env = getattr(req, "env", None) or {}
        res.body, res.content_type = self.render(env.get("HTTP_ACCEPT"))
        res.header["Cache-Control"] = "no-store"

    def flush(self) -> None:
        """Write this worker's counts to the shared files now (multiprocess mode)."""
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        """Stop the port's server and the flush thread (writing what is left)."""
        if self._server is not None:
            server = self._server[0] if isinstance(self._server, tuple) else self._server
            server.shutdown()
            server.server_close()
            self._server = None
        if self._writer is not None:
            self._writer.close()
