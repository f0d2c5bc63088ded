"""The one check at load: is there a tracer provider that records spans?"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace

from .conf import OtelConf

#: this plugin's instrumentation scope.
SCOPE = "clink_otel"
VERSION = "0.1.0"


def tracer_for(conf: OtelConf) -> Any:
    """The tracer of ``conf``'s provider (or the global one), ``None`` when nothing
    would record: tracing disabled, or only the API's no-op default is there."""
    if not conf.enabled:
        return None
    provider = conf.tracer_provider or trace.get_tracer_provider()
    if isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider)):
        return None
    return provider.get_tracer(SCOPE, VERSION)
