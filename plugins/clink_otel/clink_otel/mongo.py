"""Child spans of pymongo commands, through clink-mongo's ``clink_mongo_event_listeners``.

``CommandSpans`` is a ``pymongo.monitoring.CommandListener``: each command the
app's ``MongoClient`` sends gets a ``CLIENT`` span, a child of the current span
(the request's server span, in a request; a root span at load time or in a
background job without one). Attributes follow OpenTelemetry's database
conventions: ``db.system.name`` (and the older ``db.system``) ``mongodb``,
``db.namespace`` (the database), ``db.collection.name``, ``db.operation.name``
(the command), ``server.address``/``server.port``; a failed command sets the
status to error with ``error.type`` (the server's ``codeName``, or the kind of
failure) and ``db.response.status_code``. The command document is not recorded:
it holds the application's data (passwords' hashes, tokens).

pymongo calls ``started`` and then ``succeeded`` or ``failed`` on the thread
that runs the command, so the span is made current by nothing and costs no
context switch; spans in flight are kept by ``(connection, request id)``.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.trace import SpanKind, Status, StatusCode
from pymongo import monitoring


def _collection(event: monitoring.CommandStartedEvent) -> str | None:
    """The collection a command is about: ``{"find": "books"}``; ``getMore`` names it
    in ``collection``. Admin commands (``ping``) have none."""
    command = event.command
    value = command.get(event.command_name)
    if isinstance(value, str):
        return value
    value = command.get("collection")
    return value if isinstance(value, str) else None


class CommandSpans(monitoring.CommandListener):
    """A ``CLIENT`` span per MongoDB command, made with ``tracer``."""

    def __init__(self, tracer: Any) -> None:
        self.tracer = tracer
        #: spans started and not yet ended, by (connection id, request id).
        self._spans: dict[tuple[Any, int], Any] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        collection = _collection(event)
        attributes: dict[str, Any] = {
            "db.system.name": "mongodb",
            "db.system": "mongodb",
            "db.namespace": event.database_name,
            "db.operation.name": name,
        }
        if collection is not None:
            attributes["db.collection.name"] = collection
        host, port = event.connection_id
        attributes["server.address"] = str(host)
        if port is not None:  # None: a Unix socket
            attributes["server.port"] = port
        span = self.tracer.start_span(
            f"{name} {collection}" if collection else name,
            kind=SpanKind.CLIENT, attributes=attributes,
        )
        self._spans[(event.connection_id, event.request_id)] = span

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        span = self._spans.pop((event.connection_id, event.request_id), None)
        if span is not None:
            span.end()

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        span = self._spans.pop((event.connection_id, event.request_id), None)
        if span is None:
            return
        failure = event.failure or {}
        code = failure.get("code")
        kind = failure.get("codeName") or failure.get("errtype") or "_OTHER"
        span.set_attribute("error.type", str(kind))
        if code is not None:
            span.set_attribute("db.response.status_code", str(code))
        span.set_status(Status(StatusCode.ERROR, str(failure.get("errmsg") or kind)[:200]))
        span.end()
