"""The ``clink.plugins`` entry point: server spans per request, and child spans of
MongoDB commands and outgoing mail through clink-mongo's and clink-smtp's hooks.

Nothing is added, and a request costs nothing, unless a tracer provider that
records is set when the app loads (``tracing.tracer_for``: the one check).
"""

from __future__ import annotations

from typing import Any

from clink_core import hookimpl

from .conf import OtelConf
from .handler import HANDLERS
from .tracing import tracer_for


@hookimpl
def clink_setup(app: Any) -> None:
    """Add ``OtelConf.from_env()`` unless the app has an ``OtelConf``; with a recording
    tracer provider, add the span handlers."""
    app.add_default_prim(OtelConf)
    # PERF: the one check. Without a provider no handler is added: no cost per request.
    if tracer_for(app.injector.ref(OtelConf)) is not None:
        app.add_handlers(HANDLERS)


def _tracer(app: Any) -> Any:
    return tracer_for(app.injector.ref(OtelConf))


@hookimpl(optionalhook=True)  # the plugin loads in apps without clink-mongo too
def clink_mongo_event_listeners(app: Any) -> list[Any] | None:
    """A ``CommandSpans`` listener for the app's ``MongoClient``, when tracing."""
    tracer = _tracer(app)
    if tracer is None:
        return None
    from .mongo import CommandSpans  # pymongo: imported only in apps that have it

    return [CommandSpans(tracer)]


@hookimpl(optionalhook=True)  # the plugin loads in apps without clink-smtp too
def clink_smtp_send_listeners(app: Any) -> list[Any] | None:
    """A span around each ``SmtpSv`` send, when tracing."""
    tracer = _tracer(app)
    if tracer is None:
        return None
    from .smtp import send_listener

    return [send_listener(tracer)]
