"""Configuration of clink-otel: ``OtelConf``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from clink_core import Primitive
from clink_core.plugin import ConfError

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class OtelConf(Primitive):
    """How clink-otel traces the app's requests.

    ``tracer_provider``: the OpenTelemetry ``TracerProvider`` to use; ``None``
    (the default) takes the global one (``opentelemetry.trace.set_tracer_provider``,
    or what ``opentelemetry-instrument`` set up). When that is the API's no-op
    default, nothing is traced and the plugin adds no handler at all.
    ``enabled``: ``False`` traces nothing even with a provider.
    ``propagate``: continue the trace of an incoming W3C ``traceparent`` (the
    global propagator: W3C trace context and baggage by default); ``False``
    starts a new trace for every request (at an edge that must not trust its
    clients' trace ids).
    """

    def __init__(
        self,
        tracer_provider: Any = None,
        *,
        enabled: bool = True,
        propagate: bool = True,
    ) -> None:
        get_tracer = getattr(tracer_provider, "get_tracer", None)
        if tracer_provider is not None and not callable(get_tracer):
            raise ConfError(
                f"OtelConf tracer_provider must be an OpenTelemetry TracerProvider, "
                f"got {tracer_provider!r}"
            )
        for name, value in (("enabled", enabled), ("propagate", propagate)):
            if not isinstance(value, bool):
                raise ConfError(f"OtelConf {name} must be True or False, got {value!r}")
        self.tracer_provider = tracer_provider
        self.enabled = enabled
        self.propagate = propagate

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> OtelConf:
        """Read ``CLINK_OTEL_ENABLED`` and ``CLINK_OTEL_PROPAGATE`` (true/false).

        The provider, exporter, service name and sampler come from the
        OpenTelemetry set-up itself (``OTEL_*`` variables with
        ``opentelemetry-instrument``, or the app's code): see the README.
        """
        env = os.environ if env is None else env
        kwargs: dict[str, bool] = {}
        for key, name in (("ENABLED", "enabled"), ("PROPAGATE", "propagate")):
            raw = env.get(f"CLINK_OTEL_{key}")
            if raw is None:
                continue
            if raw.strip().lower() not in _TRUE + _FALSE:
                raise ConfError(f"CLINK_OTEL_{key} must be true or false, got {raw!r}")
            kwargs[name] = raw.strip().lower() in _TRUE
        return cls(**kwargs)
