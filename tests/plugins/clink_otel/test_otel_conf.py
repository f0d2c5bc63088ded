"""OtelConf and OtelConf.from_env."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider

from clink_core.plugin import ConfError
from clink_otel import OtelConf, tracer_for


def test_defaults():
    conf = OtelConf()
    assert (conf.tracer_provider, conf.enabled, conf.propagate) == (None, True, True)


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"tracer_provider": "jaeger"}, "TracerProvider"),
    ({"enabled": "yes"}, "enabled"),
    ({"propagate": 1}, "propagate"),
])
def test_bad_values(kwargs, words):
    with pytest.raises(ConfError, match=words):
        OtelConf(**kwargs)


def test_from_env():
    assert OtelConf.from_env({}).enabled is True
    conf = OtelConf.from_env({"CLINK_OTEL_ENABLED": "OFF", "CLINK_OTEL_PROPAGATE": "0"})
    assert (conf.enabled, conf.propagate) == (False, False)
    with pytest.raises(ConfError, match="CLINK_OTEL_PROPAGATE"):
        OtelConf.from_env({"CLINK_OTEL_PROPAGATE": "maybe"})


def test_tracer_for():
    provider = TracerProvider()
    assert tracer_for(OtelConf(provider)) is not None
    assert tracer_for(OtelConf(provider, enabled=False)) is None
    provider.shutdown()


def test_handlers_added_by_hand_without_a_provider_say_what_to_do(make_app):
    from clink_otel import OtelHandlerError, SpanStartHandler

    app = make_app()
    app.add_prim(OtelConf(enabled=False))
    app.add_handler(SpanStartHandler)
    with pytest.raises(OtelHandlerError, match="before load"):
        app.load()
