"""HTTP errors: raise one anywhere in the pipeline to answer with its status.

The kernel renders every ``HttpError`` as the manual's JSON body
``{"status": 404, "status_name": "404 Not Found", "message": ...}``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

#: ``code -> "404 Not Found"`` for every status Python knows.
STATUS_LINES: dict[int, str] = {s.value: f"{s.value} {s.phrase}" for s in HTTPStatus}
# RFC 9110 names, whatever this Python's http module calls them.
STATUS_LINES.update({
    406: "406 Not Acceptable",
    413: "413 Content Too Large",
    414: "414 URI Too Long",
    416: "416 Range Not Satisfiable",
    422: "422 Unprocessable Content",
})


class HttpStatusError(ValueError):
    """A status code that is not a known HTTP status."""

    def __init__(self, code: object) -> None:
        self.code = code
        super().__init__(f"{code!r} is not a known HTTP status code (100-599)")


def code_to_str(code: int) -> str:
    """Return the status line of ``code``, e.g. ``404 -> "404 Not Found"``."""
    try:
        return STATUS_LINES[code]
    except (KeyError, TypeError):
        raise HttpStatusError(code) from None


def _drop_request(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """``args`` without the request the manual passes first (``Http404Error(req, msg)``).

    The request (or ``None`` in its place, before a message) is accepted and
    ignored. Duck-typed, so this module needs no import of the request type.
    """
    if not args or args[0].__class__ is str:
        return args
    first = args[0]
    if (first is None and len(args) > 1) or (
        hasattr(first, "env") and hasattr(first, "content_type")
    ):
        return args[1:]
    return args


class HttpError(Exception):
    """An error answered with HTTP ``status`` and ``msg`` as the body's message.

    ``HttpError(status, msg=None, headers=None)``; ``headers`` are added to the
    response (e.g. ``Allow`` on a 405). The manual's ``HttpError(status, req,
    msg)`` is accepted too: the request is not kept.
    """

    status = 500

    def __init__(self, status: int, *args: Any) -> None:
        code_to_str(status)
        args = _drop_request(args)
        super().__init__(status, *args)
        self.status = status
        self.msg: Any = args[0] if args else None
        self.headers: dict[str, str] | None = args[1] if len(args) > 1 else None

    def __str__(self) -> str:
        line = STATUS_LINES[self.status]
        return line if self.msg is None else f"{line}: {self.msg}"


class _StatusError(HttpError):
    """An ``HttpError`` whose status is fixed by its class: ``HttpNNNError(msg, headers)``.

    The arguments stay in ``args`` and are read through properties (a leading
    request, the manual's ``HttpNNNError(req, msg)``, is skipped).
    """

    # PERF: the C initialiser; a Python __init__ costs ~0.3 µs on every 404.
    __init__ = Exception.__init__

    # PERF: ``(msg,)`` with a str message needs no call to ``_drop_request``.
    @property
    def msg(self) -> Any:
        args = self.args
        if args and args[0].__class__ is not str:
            args = _drop_request(args)
        return args[0] if args else None

    @property
    def headers(self) -> dict[str, str] | None:  # type: ignore[override]
        args = self.args
        if len(args) < 2:
            return None
        args = _drop_request(args)
        return args[1] if len(args) > 1 else None


def _make(code: int) -> type[_StatusError]:
    name = f"Http{code}Error"
    doc = f"Answered with ``{STATUS_LINES[code]}``."
    return type(name, (_StatusError,), {"status": code, "__doc__": doc, "__module__": __name__})


Http400Error = _make(400)
Http401Error = _make(401)
Http402Error = _make(402)
Http403Error = _make(403)
Http404Error = _make(404)
Http405Error = _make(405)
Http406Error = _make(406)
Http407Error = _make(407)
Http408Error = _make(408)
Http409Error = _make(409)
Http410Error = _make(410)
Http411Error = _make(411)
Http412Error = _make(412)
Http413Error = _make(413)
Http414Error = _make(414)
Http415Error = _make(415)
Http416Error = _make(416)
Http417Error = _make(417)
Http422Error = _make(422)
Http429Error = _make(429)
Http500Error = _make(500)
Http501Error = _make(501)
Http502Error = _make(502)
Http503Error = _make(503)
Http504Error = _make(504)
Http505Error = _make(505)


class HttpArgumentError(Http400Error):  # type: ignore[valid-type,misc]
    """A query argument is missing or malformed: answered 400."""

    def __init__(self, arg_str: str, req: Any = None) -> None:
        Exception.__init__(self, f"invalid argument: {arg_str}")
        self.arg_str = arg_str


__all__ = [
    "STATUS_LINES",
    "Http400Error",
    "Http401Error",
    "Http402Error",
    "Http403Error",
    "Http404Error",
    "Http405Error",
    "Http406Error",
    "Http407Error",
    "Http408Error",
    "Http409Error",
    "Http410Error",
    "Http411Error",
    "Http412Error",
    "Http413Error",
    "Http414Error",
    "Http415Error",
    "Http416Error",
    "Http417Error",
    "Http422Error",
    "Http429Error",
    "Http500Error",
    "Http501Error",
    "Http502Error",
    "Http503Error",
    "Http504Error",
    "Http505Error",
    "HttpArgumentError",
    "HttpError",
    "HttpStatusError",
    "code_to_str",
]
