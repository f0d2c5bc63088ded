"""Server-sent events (``text/event-stream``, WHATWG HTML §9.2) from a generator.

    def ticks(self, req, res):
        res.send_events({"n": n} for n in count())   # dicts are sent as JSON

Items are ``Event``s, str (one ``data``), dicts/lists (JSON ``data``) or
``None`` (a comment, to keep an idle connection open). The stream opens with a
comment so the client has the headers at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from ..codec.json import dumps
from ..mime.type import MIME_EVENT_STREAM

__all__ = ["MIME_EVENT_STREAM", "Event", "EventError", "event_stream"]
_LINES = re.compile(r"\r\n|\r|\n")


class EventError(ValueError):
    """An event field that would break the stream (a line break in ``event`` or ``id``)."""


class Event:
    """One event: ``data`` (str, or anything JSON can hold), and optional ``event`` name,
    ``id`` (the client sends the last one back as ``Last-Event-ID``) and ``retry`` (ms)."""

    __slots__ = ("data", "event", "id", "retry")

    def __init__(
        self, data: Any = "", event: str | None = None, id: str | None = None,
        retry: int | None = None,
    ) -> None:
        for name, value in (("event", event), ("id", id)):
            if value is not None and (not isinstance(value, str) or _LINES.search(value)
                                      or "\0" in value):
                raise EventError(f"event {name} must be a str without line breaks, got {value!r}")
        if retry is not None and (not isinstance(retry, int) or isinstance(retry, bool)
                                  or retry < 0):
            raise EventError(f"event retry is milliseconds (an int >= 0), got {retry!r}")
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry

    def encode(self) -> bytes:
        """The event as the stream carries it, ending with a blank line."""
        lines = []
        if self.event is not None:
            lines.append(f"event: {self.event}")
        if self.id is not None:
            lines.append(f"id: {self.id}")
        if self.retry is not None:
            lines.append(f"retry: {self.retry}")
        data = self.data
        if not isinstance(data, str):
            data = (
                data.decode("utf-8") if isinstance(data, bytes) else dumps(data).decode("utf-8")
            )
        lines.extend(f"data: {line}" for line in _LINES.split(data))
        return ("\n".join(lines) + "\n\n").encode("utf-8")


def opening(retry: int | None) -> bytes:
    """The first bytes of a stream: a comment, or the client's reconnection delay (ms)."""
    return b": stream open\n\n" if retry is None else f"retry: {retry}\n\n".encode()


def encode_item(item: Any) -> bytes:
    """One item of a stream as bytes: ``None`` a keep-alive comment, an ``Event`` as
    given, anything else the data of an ``Event``."""
    if item is None:
        return b":\n\n"
    if isinstance(item, Event):
        return item.encode()
    return Event(item).encode()


def event_stream(events: Iterable[Any], retry: int | None = None) -> Iterator[bytes]:
    """The bytes of a ``text/event-stream`` from ``events``; ``retry`` (ms) tells the client
    how long to wait before reconnecting."""
    yield opening(retry)
    try:
        for item in events:
            yield encode_item(item)
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()  # the client left: the source generator's cleanup runs now
