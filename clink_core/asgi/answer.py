"""What the ASGI request loop hands the adapter: ``(status code, fields, body chunks)``.

Level 6 (and 9) speak WSGI: they call ``start_response(status_line, fields)``
and return the body iterable. ``capture()`` is that ``start_response`` for one
request and ``answered()`` turns what it caught into the ASGI form (fields as
latin-1 bytes, see ``headers``).

PERF: the common answer — a ``bytes`` body (what converters produce), no fields
of its own (the app's are prepared), no stream or file, from the kernel's own
level 6 — is built here directly (``plain_answer``): no ``start_response``
closure per request, no status line to parse, no text fields to encode. It is
exactly what the kernel's ``send`` would have sent, encoded (a property test
checks it); any other answer takes ``send`` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..error.http import STATUS_LINES
from .headers import CACHE_LIMIT, encode_headers, status_code

Answer = tuple[int, list[tuple[bytes, bytes]], Any]
#: statuses whose answers carry a body (what ``handler.send`` sends them with), each
#: to itself: a status equal to one but of another type (``200.0``) answers the int.
_WITH_BODY = {c: c for c in STATUS_LINES if c >= 200 and c not in (204, 304)}
#: ``Content-Type`` value -> its encoded field; ``len(body)`` -> its ``Content-Length``.
_TYPES: dict[str, tuple[bytes, bytes]] = {}
_LENGTHS: dict[int, tuple[bytes, bytes]] = {}


def _no_write(data: bytes) -> None:
    raise RuntimeError("the ASGI adapter takes the response body from the returned iterable")


def capture() -> tuple[list[Any], Callable[..., Any]]:
    """A WSGI ``start_response`` and the list where it keeps its last call's arguments."""
    started: list[Any] = []

    def start_response(status: str, headers: list[Any], exc_info: Any = None) -> Any:
        started[:] = (status, headers)
        return _no_write

    return started, start_response


def answered(started: list[Any], out: Any) -> Answer:
    """The answer of a request whose level 6 or 9 called the ``capture()`` function."""
    if not started:
        raise RuntimeError("level 6 returned without calling start_response")
    status, headers = started
    return status_code(status), encode_headers(headers), out


def plain_answer(
    req: Any, res: Any, app_fields: tuple[tuple[bytes, bytes], ...] = ()
) -> Answer | None:
    """The kernel's ``send`` of a plain answer, in ASGI form, with the app's own header
    fields (``app_fields``, encoded); ``None`` for any other."""
    body = res.body
    if body.__class__ is not bytes or res.header or res._extended or res.fields:
        return None
    status = _WITH_BODY.get(res.status)
    if status is None:
        return None
    n = len(body)
    length = _LENGTHS.get(n)
    if length is None:
        length = (b"Content-Length", str(n).encode())
        if len(_LENGTHS) < CACHE_LIMIT:
            _LENGTHS[n] = length
    ctype = res.content_type
    if ctype:
        field = _TYPES.get(ctype)
        if field is None:
            field = (b"Content-Type", ctype.encode("latin-1"))
            if len(_TYPES) < CACHE_LIMIT:
                _TYPES[ctype] = field
        fields = [field, length]
    else:
        fields = [length]
    if app_fields:
        fields += app_fields
    return status, fields, [] if req.method == "HEAD" else [body]
