"""Level 9 default: send the error response."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..codec.json import dumps
from ..com.label import stamp
from ..http.app_headers import AppHeaders
from ..iface.pipe import ILv9Handler
from ..type.request import Request
from ..type.response import Response
from .send import make_send


@stamp(AppHeaders)
class ErrorSendHandler(ILv9Handler):
    """Sends the error response, with the app's own header fields; serialises a JSON
    body no level-5 converter handled.

    So an error body is JSON even when the error happened in level 5.
    """

    trylast = True

    def __init__(self, app_headers: AppHeaders) -> None:
        self._send = make_send(app_headers)

    def handle(self, req: Request, res: Response, wsgi_send: Callable[..., Any]) -> Iterable[bytes]:
        if isinstance(res.body, (dict, list)):
            res.body = dumps(res.body, default=str)
        return self._send(req, res, wsgi_send)
