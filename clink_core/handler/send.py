"""Level 6 default: send the response through WSGI.

``send`` handles the common answer (a bytes, str or empty body, the fields of
``res.header``, fields that repeat, the app's own fields: ``http.app_headers``)
inline; anything else (a stream, a file, validators for conditional requests)
takes ``send_extended``. ``make_send`` makes an app's ``send``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..com.label import stamp
from ..error.http import STATUS_LINES, Http412Error, Http416Error, HttpStatusError
from ..error.wsgi import WsgiResBodyError
from ..http.app_headers import NO_APP_HEADERS, AppHeaders
from ..http.header import GOOD_NAMES, HeaderValueError, check_names, check_values
from ..iface.pipe import ILv6Handler
from ..type.request import Request
from ..type.response import Response

if TYPE_CHECKING:
    from ..http.files import FileBody

#: statuses whose responses carry a body; the others (1xx, 204, 304) send none.
_WITH_BODY = {
    code: line for code, line in STATUS_LINES.items() if code >= 200 and code not in (204, 304)
}
_SAFE = ("GET", "HEAD")


Send = Callable[[Request, Response, Callable[..., Any]], Iterable[bytes]]


def make_send(app_headers: AppHeaders) -> Send:
    """The sending level of an app whose responses all carry ``app_headers``: ``send``
    itself for an app without any."""
    return _build_send(app_headers) if app_headers.fields else send


def _build_send(app_headers: AppHeaders) -> Send:
    # PERF: one body for every app; the app's fields are a local of the closure.
    app_fields = app_headers.fields
    kept = app_headers.kept
    # PERF: with app fields, the fast check's names leave theirs out (any case): a
    # response that overrides one takes ``_add_checked`` then ``kept``; the others pay
    # one extend of the prepared fields.
    good_names = app_headers.good if app_fields else GOOD_NAMES

    def send(req: Request, res: Response, wsgi_send: Callable[..., Any]) -> Iterable[bytes]:
        """Write ``res`` with ``wsgi_send``; HEAD without body."""
        body = res.body
        # PERF: exact-type checks first; bytes is what converters produce.
        if body.__class__ is not bytes:
            if body is None:
                body = b""
            elif isinstance(body, str):
                body = body.encode("utf-8")
            elif isinstance(body, (bytearray, memoryview)):
                body = bytes(body)
            else:
                return send_extended(req, res, wsgi_send, app_headers)
        if res._extended:  # PERF: one class-attribute read for everything below
            return send_extended(req, res, wsgi_send, app_headers)
        status = res.status
        line = _WITH_BODY.get(status)
        if line is not None:
            ctype = res.content_type
            if ctype:
                headers = [("Content-Type", ctype), ("Content-Length", str(len(body)))]
            else:
                headers = [("Content-Length", str(len(body)))]
        else:
            line = STATUS_LINES.get(status)
            if line is None:
                raise HttpStatusError(status)
            headers = []
            body = b""
        extra = res.header
        if extra:
            # PERF: one pass over the fields, each checked and appended as the (name, value)
            # tuple the dict hands out (no second tuple, no joined string): a name seen
            # valid before (a set look-up) and a plain printable ASCII value. Anything else
            # (a new name, HTAB, Latin-1, a bad field) goes to ``_add_checked``, which
            # checks every field by the rules and names the bad one. (The former check,
            # one join of the values and ``keys() <= GOOD_NAMES``, cost ~1.2k instructions
            # more for three fields, ~2k more for one.)
            n = len(headers)
            append = headers.append
            good = good_names  # PERF: a local in the loop
            for item in extra.items():
                name, value = item
                if (
                    name not in good or value.__class__ is not str
                    or not value.isascii() or not value.isprintable()
                ):
                    _add_checked(headers, n, extra)
                    if app_fields:
                        headers += kept(extra)
                    break
                append(item)
            else:
                if app_fields:
                    headers += app_fields
        elif app_fields:
            headers += app_fields  # PERF: checked when added: one C-level extend
        fields = res.fields
        if fields:
            headers += fields  # checked when added (add_header)
        wsgi_send(line, headers)
        if req.method == "HEAD":
            return []
        return [body]

    send.app_headers = app_headers  # type: ignore[attr-defined]
    return send


#: the sending level of an app without app-wide header fields.
send = _build_send(NO_APP_HEADERS)


def _add_checked(headers: list[tuple[str, str]], n: int, extra: dict[str, Any]) -> None:
    """``headers[:n]`` followed by every field of ``extra``, after checking them all
    (``HeaderValueError`` names the first bad one): ``send``'s way for fields its
    one-pass check does not vouch for."""
    check_names(extra)
    check_values(extra)
    del headers[n:]
    headers.extend(extra.items())


def _close(body: Any) -> None:
    close = getattr(body, "close", None)
    if close is not None and not isinstance(body, (bytes, str)):
        close()


def send_extended(
    req: Request,
    res: Response,
    wsgi_send: Callable[..., Any],
    app_headers: AppHeaders = NO_APP_HEADERS,
) -> Iterable[bytes]:
    """Send a streamed or file body, repeated header fields and ``ETag``/``Last-Modified``,
    answering conditional GETs (304, 412) and ranges (206, 416); the app's own fields
    (``app_headers``) after those of the response."""
    # PERF: what only these answers need is imported here, not with clink_core.
    from ..http.conditional import evaluate, http_date
    from ..http.files import FileBody
    from ..http.stream import GuardedStream, is_stream

    status = res.status
    body = res.body
    method = req.method
    env = req.env or {}
    if STATUS_LINES.get(status) is None:
        raise HttpStatusError(status)
    if body is None:
        body = b""
    elif isinstance(body, str):
        body = body.encode("utf-8")
    elif isinstance(body, (bytes, bytearray, memoryview)):
        body = bytes(body)
    elif not isinstance(body, FileBody) and not is_stream(body):
        raise WsgiResBodyError(body)
    etag, modified = res._etag, res._modified
    if (etag is not None or modified is not None) and method in _SAFE and 200 <= status < 300:
        verdict = evaluate(env, method, etag, modified)
        if verdict == 304:
            _close(body)
            status, body = 304, b""
        elif verdict == 412:
            raise Http412Error("precondition failed: If-Match or If-Unmodified-Since")
    headers: list[tuple[str, str]] = []
    if status in _WITH_BODY:
        if res.content_type:
            headers.append(("Content-Type", res.content_type))
        if isinstance(body, FileBody):
            status, body = _file_answer(req, env, status, body, etag, modified, headers)
        elif body.__class__ is bytes:
            headers.append(("Content-Length", str(len(body))))
        elif method != "HEAD":
            stream = GuardedStream(body, req, res, req._stream_log)
            stream.prefetch()  # an error before the first byte is an ordinary error answer
            body = stream
    else:
        _close(body)
        body = b""
    extra = res.header
    if extra:
        check_names(extra)
        check_values(extra)
        headers.extend(extra.items())
    headers.extend(app_headers.kept(extra))
    headers.extend(res.fields)
    if 200 <= status < 300 or status == 304:
        if etag is not None:
            headers.append(("ETag", etag))
        if modified is not None:
            headers.append(("Last-Modified", http_date(modified)))
    wsgi_send(STATUS_LINES[status], headers)
    if method == "HEAD" or body.__class__ is bytes:
        if method == "HEAD":
            _close(body)
            return []
        return [body]
    return body  # type: ignore[no-any-return]


def _file_answer(
    req: Request,
    env: dict[str, Any],
    status: int,
    body: FileBody,
    etag: str | None,
    modified: int | None,
    headers: list[tuple[str, str]],
) -> tuple[int, Any]:
    """Status and WSGI body of a file: the whole file, or one range of a GET (206/416)."""
    from ..http.conditional import if_range_holds
    from ..http.files import BLOCK_SIZE
    from ..http.ranges import RangeNotSatisfiableError, byte_range

    size = body.size
    if size is None:  # a pipe or a socket: streamed as it comes
        return status, body.chunks()
    if (
        req.method == "GET" and status == 200 and env.get("HTTP_RANGE")
        and if_range_holds(env, etag, modified) and _seekable(body)
    ):
        try:
            found = byte_range(env["HTTP_RANGE"], size)
        except RangeNotSatisfiableError as e:
            body.close()
            raise Http416Error(f"{e}; the file has {size} bytes", {
                "Content-Range": f"bytes */{size}",
            }) from None
        if found is not None:
            start, stop = found
            headers.append(("Content-Length", str(stop - start)))
            headers.append(("Content-Range", f"bytes {start}-{stop - 1}/{size}"))
            return 206, body.chunks(start, stop)
    headers.append(("Content-Length", str(size)))
    if req.method == "HEAD":
        return status, body
    wrapper = env.get("wsgi.file_wrapper")
    if wrapper is not None and _has_fileno(body.file):
        return status, wrapper(body.file, BLOCK_SIZE)
    return status, body.chunks(0, size)


def _seekable(body: FileBody) -> bool:
    try:
        return bool(body.file.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _has_fileno(file: Any) -> bool:
    try:
        file.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    return True


@stamp(AppHeaders)
class SendHandler(ILv6Handler):
    """Send the response message to the client, with the app's own header fields."""

    trylast = True

    def __init__(self, app_headers: AppHeaders) -> None:
        # PERF: the compiled level calls the app's ``send`` itself, not a method calling it.
        self.handle = make_send(app_headers)


__all__ = ["HeaderValueError", "SendHandler", "make_send", "send", "send_extended"]
