"""The response a pipeline builds."""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from ..http.header import check_header
from ..mime.type import MIME_EVENT_STREAM, MIME_JSON

# PERF: the helpers of cookies, redirects, validators, files and events are imported by
# the method that needs them (a dict look-up in sys.modules once imported), so that
# ``import clink_core`` loads none of them and a plain JSON answer never pays for them.


class Response:
    """Carries data of the response message from the application to the client.

    ``body`` may be a dict, list, str, number, bool or ``None`` (sent as JSON
    on a JSON response), bytes or str (sent as they are), an iterable of bytes
    (streamed, without Content-Length) or a file (``send_file``). ``header``
    holds one value per name; ``add_header`` and ``set_cookie`` add fields
    that repeat.
    """

    __slots__ = ("__dict__", "_extended", "body", "content_type", "fields", "header", "status")

    # PERF: what most responses never use lives in the instance dict, defaulting to
    # these class attributes; ``_extended`` (a slot: a class attribute read through
    # the instance costs ~300 instructions, a slot ~20) tells the sending level in
    # one read that a response has any of it (validators, a file, a stream).
    _etag: str | None = None
    _modified: int | None = None

    def __init__(self) -> None:
        self.status: int = 200
        self.content_type: str | None = MIME_JSON
        self.header: dict[str, str] = {}
        self.body: Any = None
        self._extended = False
        #: header fields sent after ``header``, ``(name, value)`` pairs in order (fields
        #: that repeat: ``Set-Cookie``, a second ``Link``); ``()`` until one is added.
        #: Sent as they are: ``add_header`` checks a field before adding it. A plugin
        #: whose field is safe by construction adds it unchecked, with
        #: ``res.fields = [*res.fields, (name, value)]`` (clink-log's ``X-Request-Id``:
        #: ~2k instructions less than a field of ``header``, which the sending level
        #: checks); never anything from a request or a user that way (a CR/LF would
        #: split the header block).
        self.fields: list[tuple[str, str]] | tuple[()] = ()

    # -- headers --------------------------------------------------------------
    def add_header(self, name: str, value: str) -> None:
        """Add a header field, after those of the same name (``header`` keeps one value
        per name; this one repeats). A bad name or value raises ``HeaderValueError``."""
        check_header(name, value)
        self.fields = [*self.fields, (name, value)]

    def header_items(self) -> list[tuple[str, str]]:
        """Every header field the response carries besides Content-Type and Content-Length."""
        return [*self.header.items(), *self.fields]

    # -- cookies --------------------------------------------------------------
    def set_cookie(
        self,
        name: str,
        value: str,
        *,
        max_age: int | timedelta | None = None,
        expires: datetime | float | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = True,
        httponly: bool = True,
        samesite: str | None = "Lax",
    ) -> None:
        """Add a ``Set-Cookie`` field; ``Secure``, ``HttpOnly`` and ``SameSite=Lax`` unless
        told otherwise. A value with characters a cookie cannot carry raises ``CookieError``."""
        from ..http.cookie import set_cookie_value

        self.add_header("Set-Cookie", set_cookie_value(
            name, value, max_age=max_age, expires=expires, path=path, domain=domain,
            secure=secure, httponly=httponly, samesite=samesite,
        ))

    def delete_cookie(
        self, name: str, *, path: str | None = "/", domain: str | None = None,
        secure: bool = True, httponly: bool = True, samesite: str | None = "Lax",
    ) -> None:
        """Tell the client to drop a cookie (same ``path`` and ``domain`` as when set)."""
        from ..http.cookie import EPOCH, set_cookie_value

        value = set_cookie_value(
            name, "", max_age=0, path=path, domain=domain, secure=secure, httponly=httponly,
            samesite=samesite,
        )
        self.add_header("Set-Cookie", value.replace("Max-Age=0", f"Max-Age=0; Expires={EPOCH}"))

    # -- redirects ------------------------------------------------------------
    def redirect(
        self, location: str, status: int = 303, *, allow_scheme_relative: bool = False
    ) -> None:
        """Answer ``status`` (301, 302, 303, 307, 308) with ``Location``, and no body.

        ``location`` is a root-relative path or an absolute URL; a scheme-relative
        ``//host/...`` is refused (an open redirect) unless ``allow_scheme_relative``.
        """
        from ..http.redirect import check_location, check_status

        # Both checked before anything changes: a refused redirect leaves no Location.
        status = check_status(status)
        self.header["Location"] = check_location(location, allow_scheme_relative)
        self.status = status
        self.content_type = None
        self.body = None

    # -- validators (conditional requests) ------------------------------------
    @property
    def etag(self) -> str | None:
        """The entity tag (``"abc"`` strong, ``W/"abc"`` weak); setting it sends ``ETag``
        and answers a matching ``If-None-Match`` of a GET or HEAD with 304."""
        return self._etag

    @etag.setter
    def etag(self, value: str | None) -> None:
        from ..http.conditional import format_etag

        self._etag = None if value is None else format_etag(value)
        self._extended = True

    @property
    def last_modified(self) -> int | None:
        """When the representation last changed (a datetime or Unix time; read back as
        whole seconds); setting it sends ``Last-Modified`` and answers a GET or HEAD
        whose ``If-Modified-Since`` is not older with 304."""
        return self._modified

    @last_modified.setter
    def last_modified(self, value: datetime | float | None) -> None:
        from ..http.conditional import timestamp_of

        self._modified = None if value is None else timestamp_of(value)
        self._extended = True

    # -- bodies ---------------------------------------------------------------
    def send_file(
        self,
        path_or_file: str | os.PathLike[str] | Any,
        content_type: str | None = None,
        download_name: str | None = None,
        *,
        root: str | os.PathLike[str] | None = None,
    ) -> None:
        """Send a file: a path (inside ``root`` when given: ``..`` or a link leading out is a
        404, as is a missing file) or an open binary file.

        Sets Content-Type (``content_type``, else guessed from the name), ETag and
        Last-Modified (conditional GETs get 304), ``Accept-Ranges``; a ``Range`` is
        answered 206 or 416. ``download_name`` makes it an attachment of that name.
        """
        from ..http.files import disposition, etag_of, guess_type, open_file

        body = open_file(path_or_file, root)
        self.body = body
        self.content_type = content_type or guess_type(download_name or body.name)
        if download_name is not None:
            self.header["Content-Disposition"] = disposition(download_name)
        if body.size is not None:
            self.header["Accept-Ranges"] = "bytes"
        tag = etag_of(body)
        if tag is not None:
            self._etag = tag
        if body.mtime_ns is not None:
            self._modified = body.mtime_ns // 1_000_000_000
        self._extended = True

    def send_events(self, events: Iterable[Any], *, retry: int | None = None) -> None:
        """Stream server-sent events (``text/event-stream``) from ``events``: ``Event``
        objects, str, dicts/lists (JSON) or ``None`` (a keep-alive comment)."""
        from ..http.sse import event_stream

        self.content_type = MIME_EVENT_STREAM
        self.header["Cache-Control"] = "no-cache"
        self.header["X-Accel-Buffering"] = "no"  # nginx: pass events on at once
        self.body = event_stream(events, retry)

    def discard(self) -> None:
        """Drop what only a successful answer sends (the error path calls it): an open file
        or stream (closed), ETag and Last-Modified. Header fields stay."""
        body = self.body
        close = getattr(body, "close", None)
        if close is not None and not isinstance(body, (bytes, str, dict, list)):
            close()
        self.body = None
        self._etag = None
        self._modified = None
