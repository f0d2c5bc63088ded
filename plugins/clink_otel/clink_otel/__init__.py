"""Clink plugin: OpenTelemetry traces of requests, MongoDB commands and outgoing mail.

One ``SERVER`` span per request (``handler``), continuing the caller's W3C
``traceparent``; ``CLIENT`` child spans of clink-mongo's commands (``mongo``) and
clink-smtp's sends (``smtp``) through those plugins' hooks. Configured by
``OtelConf``; without a recording tracer provider at load, the plugin adds
nothing (``tracing.tracer_for``).
"""

from . import plugin
from .conf import OtelConf
from .handler import (
    REQUEST_ID_ATTRIBUTE,
    OtelHandlerError,
    SpanEndHandler,
    SpanErrorHandler,
    SpanStartHandler,
)
from .tracing import SCOPE, tracer_for

__version__ = "0.1.0"

__all__ = [
    "REQUEST_ID_ATTRIBUTE",
    "SCOPE",
    "OtelConf",
    "OtelHandlerError",
    "SpanEndHandler",
    "SpanErrorHandler",
    "SpanStartHandler",
    "__version__",
    "plugin",
    "tracer_for",
]
