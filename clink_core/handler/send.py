"""Level 6 default: send the response through WSGI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..error.http import STATUS_LINES, HttpStatusError
from ..error.wsgi import WsgiResBodyError
from ..iface.pipe import ILv6Handler
from ..type.request import Request
from ..type.response import Response

#: statuses whose responses carry a body; the others (1xx, 204, 304) send none.
_WITH_BODY = {
    code: line for code, line in STATUS_LINES.items() if code >= 200 and code not in (204, 304)
}


class HeaderValueError(ValueError):
    """A response header is not a str or holds CR/LF (header injection)."""


def send(req: Request, res: Response, wsgi_send: Callable[..., Any]) -> list[bytes]:
    """Write ``res`` with ``wsgi_send``; bytes and str bodies, HEAD without body."""
    body = res.body
    # PERF: exact-type checks first; bytes is what converters produce.
    if body.__class__ is not bytes:
        if body is None:
            body = b""
        elif isinstance(body, str):
            body = body.encode("utf-8")
        elif isinstance(body, (bytes, bytearray, memoryview)):
            body = bytes(body)
        else:
            raise WsgiResBodyError(body)
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
        # PERF: one C-level join checks every value at once; the loop only names the culprit.
        try:
            joined = "".join(extra.values())
        except TypeError:
            joined = "\n"
        if "\n" in joined or "\r" in joined:
            for name, value in extra.items():
                if value.__class__ is not str or "\n" in value or "\r" in value:
                    raise HeaderValueError(
                        f"response header {name!r} must be a str without CR/LF, got {value!r}"
                    )
        headers.extend(extra.items())
    wsgi_send(line, headers)
    if req.method == "HEAD":
        return []
    return [body]


class SendHandler(ILv6Handler):
    """Send the response message to the client."""

    trylast = True
    # PERF: the compiled level calls ``send`` itself, not a method that calls it.
    handle = staticmethod(send)
