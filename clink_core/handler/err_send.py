"""Level 9 default: send the error response."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..com.label import stamp
from ..iface.pipe import ILv9Handler
from ..type.request import Request
from ..type.response import Response
from .send import send


@stamp()
class ErrorSendHandler(ILv9Handler):
    """Sends the error response; serialises a JSON body no level-5 converter handled.

    So the kernel answers errors in JSON with no plugin installed.
    """

    trylast = True

    def handle(self, req: Request, res: Response, wsgi_send: Callable[..., Any]) -> list[bytes]:
        if isinstance(res.body, (dict, list)):
            res.body = json.dumps(res.body, default=str).encode("utf-8")
        return send(req, res, wsgi_send)
