"""Level 9 default: send the error response."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..codec.json import dumps
from ..iface.pipe import ILv9Handler
from ..type.request import Request
from ..type.response import Response
from .send import send


class ErrorSendHandler(ILv9Handler):
    """Sends the error response; serialises a JSON body no level-5 converter handled.

    So an error body is JSON even when the error happened in level 5.
    """

    trylast = True

    def handle(self, req: Request, res: Response, wsgi_send: Callable[..., Any]) -> Iterable[bytes]:
        if isinstance(res.body, (dict, list)):
            res.body = dumps(res.body, default=str)
        return send(req, res, wsgi_send)
