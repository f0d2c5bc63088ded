"""Server-sent events from an async generator, for ``async def`` handlers over ASGI.

    @mapper.get("/ticks")
    async def ticks(self, req, res):
        send_async_events(res, self.feed())    # feed: an async generator of events

The items are those of ``res.send_events`` (``Event``, str, dicts/lists as JSON,
``None`` for a keep-alive comment), encoded the same way. When the client
leaves, the ASGI adapter cancels the stream and the generator is closed (its
``finally`` runs at the ``await`` it was waiting on). Over WSGI an async body
cannot be streamed: use ``res.send_events`` with a plain generator there.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from ..http.sse import MIME_EVENT_STREAM, encode_item, opening

__all__ = ["async_event_stream", "send_async_events"]


async def async_event_stream(
    events: AsyncIterable[Any], retry: int | None = None
) -> AsyncIterator[bytes]:
    """The bytes of a ``text/event-stream`` from the async iterable ``events``."""
    yield opening(retry)
    try:
        async for item in events:
            yield encode_item(item)
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()  # the client left: the source generator's cleanup runs now


def send_async_events(res: Any, events: AsyncIterable[Any], *, retry: int | None = None) -> None:
    """``res.send_events`` for an async iterable: the same headers, the body streamed
    by the ASGI app as the events come."""
    res.content_type = MIME_EVENT_STREAM
    res.header["Cache-Control"] = "no-cache"
    res.header["X-Accel-Buffering"] = "no"  # nginx: pass events on at once
    res.body = async_event_stream(events, retry)
