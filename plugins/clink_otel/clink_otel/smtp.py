"""Child spans of outgoing mail, through clink-smtp's ``clink_smtp_send_listeners``.

``send_listener(tracer)`` is a send listener: for each ``SmtpSv`` send it opens
a ``CLIENT`` span named ``SMTP send``, current while the send runs, a child of
the request's span (a queued mail runs in a copy of its request's context, so
its span joins that trace even after the response). Attributes:
``server.address``, ``server.port``, ``network.protocol.name`` (``smtp``) and,
as there is no OpenTelemetry convention for mail, ``clink.smtp.security``,
``clink.smtp.recipients`` (a count: addresses are personal data) and
``clink.smtp.message_id``. A failed send records the ``SmtpError`` on the span,
sets ``error.type`` to its class and the status to error; the error goes on to
the caller unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from opentelemetry.trace import SpanKind

SPAN_NAME = "SMTP send"


def send_listener(tracer: Any) -> Callable[[Any], AbstractContextManager[Any]]:
    """A clink-smtp send listener making ``tracer``'s spans (``event``: ``SmtpSendEvent``)."""

    @contextmanager
    def around_send(event: Any) -> Iterator[Any]:
        attributes = {
            "server.address": event.host,
            "server.port": event.port,
            "network.protocol.name": "smtp",
            "clink.smtp.security": event.security,
            "clink.smtp.recipients": event.recipients,
            "clink.smtp.message_id": event.message_id,
        }
        with tracer.start_as_current_span(
            SPAN_NAME, kind=SpanKind.CLIENT, attributes=attributes,
            record_exception=True, set_status_on_exception=True,
        ) as span:
            try:
                yield span
            except Exception as e:
                span.set_attribute("error.type", type(e).__qualname__)
                raise

    return around_send
