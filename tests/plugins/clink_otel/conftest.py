"""Fixtures of the clink_otel tests: an SDK tracer provider exporting to memory.

The provider is given to the app (``OtelConf(tracer_provider=...)``) rather than set
globally: OpenTelemetry lets a process set its global provider only once. The
global path is tested in a subprocess (test_otel_global.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

import clink_otel
from clink_core import App
from clink_otel import OtelConf


class Traces:
    """The spans a test's provider finished, with helpers to find them."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))

    @property
    def spans(self) -> tuple[ReadableSpan, ...]:
        return tuple(self.exporter.get_finished_spans())

    def servers(self) -> list[ReadableSpan]:
        return [s for s in self.spans if s.kind is SpanKind.SERVER]

    def server(self) -> ReadableSpan:
        (span,) = self.servers()
        return span

    def children(self, parent: ReadableSpan) -> list[ReadableSpan]:
        return [s for s in self.spans
                if s.parent is not None and s.parent.span_id == parent.context.span_id]

    def clear(self) -> None:
        self.exporter.clear()


@pytest.fixture
def traces() -> Iterator[Traces]:
    t = Traces()
    yield t
    t.provider.shutdown()


@pytest.fixture
def otel_app(make_app: Callable[..., App], traces: Traces) -> Callable[..., App]:
    """``otel_app(*ctls, plugins=(), conf=None, **app_conf)``: an app with clink_otel
    tracing into ``traces`` (not loaded)."""

    def make(*ctls: type, plugins: tuple[Any, ...] = (), conf: OtelConf | None = None,
             **app_conf: Any) -> App:
        app = make_app(*ctls, plugins=(clink_otel.plugin, *plugins), **app_conf)
        app.add_prim(conf or OtelConf(traces.provider))
        return app

    return make
