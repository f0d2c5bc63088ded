"""The global tracer provider, in fresh processes (OpenTelemetry sets it once per process):
none set, the plugin adds nothing at all (no handler, no listener); one set before
``load()``, requests are traced with the plugin's defaults; ``CLINK_OTEL_ENABLED=false``
turns it off."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.timeout(60)

PRELUDE = textwrap.dedent('''
    from clink_core import App, AppConf, Controller, mapper, stamp
    from clink_core.testing import Client
    from clink_mongo import MongoConf, MongoSv
    from clink_smtp import SmtpConf, SmtpSv

    @stamp(MongoSv, SmtpSv)
    @mapper.path("/book")
    class BookCtl(Controller):
        def __init__(self, mongo_sv, smtp_sv):
            self.mongo_sv, self.smtp_sv = mongo_sv, smtp_sv

        @mapper.get("/{id:int}")
        def get_one(self, req, res):
            res.body = {"id": req.params["id"]}

    def make(*plugins):
        app = App(AppConf("global"), plugins=plugins, entrypoints=False)
        app.add_prim(MongoConf("mongodb://127.0.0.1:1/", "nowhere"),
                     SmtpConf("127.0.0.1", 2525, "app@example.com", security="none"))
        app.add_ctl(BookCtl)
        app.load()
        return app

    def sizes(app):
        return tuple(len(app.levels[n]) for n in (1, 3, 5, 7))

    def listeners(app):
        ctl = app.injector.ref(BookCtl)
        return ctl.mongo_sv.client.options.event_listeners, ctl.smtp_sv._listeners
''')


def run(*parts: str, **env: str) -> str:
    """Run the prelude, then ``parts`` (each dedented), in a fresh interpreter."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CLINK_", "OTEL_"))}
    proc = subprocess.run(
        [sys.executable, "-c", PRELUDE + "".join(textwrap.dedent(p) for p in parts)],
        env={**clean, **env}, capture_output=True, text=True, timeout=50,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_no_provider_no_handler_no_listener():
    out = run('''
        plain = make("mongo", "smtp")
        traced = make("otel", "mongo", "smtp")
        assert sizes(traced) == sizes(plain), (sizes(traced), sizes(plain))
        assert listeners(traced) == ([], ()), listeners(traced)
        assert Client(traced).get("/book/1").json == {"id": 1}
        print("ok")
    ''')
    assert out.strip() == "ok"


SET_PROVIDER = '''
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
'''


def test_a_global_provider_set_before_load_is_used():
    out = run(SET_PROVIDER, '''
        app = make("otel", "mongo", "smtp")
        assert Client(app).get("/book/2").status == 200
        mongo, smtp = listeners(app)
        assert len(mongo) == 1 and len(smtp) == 1
        print([s.name for s in exporter.get_finished_spans()])
    ''')
    assert out.strip() == "['GET /book/{id:int}']"


def test_clink_otel_enabled_false_turns_it_off():
    out = run(SET_PROVIDER, '''
        plain = make("mongo", "smtp")
        app = make("otel", "mongo", "smtp")
        assert sizes(app) == sizes(plain)
        assert listeners(app) == ([], ())
        Client(app).get("/book/2")
        print(len(exporter.get_finished_spans()))
    ''', CLINK_OTEL_ENABLED="false")
    assert out.strip() == "0"
