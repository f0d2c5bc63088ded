"""Level 7 default: answer data-flow errors (400, 404, 409, 410)."""

from __future__ import annotations

from ..com.label import stamp
from ..dflow.error import DflowError
from ..iface.pipe import ILv7Handler
from ..type.request import Request
from ..type.response import Response
from .err_http import set_error


@stamp()
class DflowErrorHandler(ILv7Handler):
    """``FormatError`` 400, ``NonExistError`` 404, ``ExistError`` 409, ``ExpiredError`` 410."""

    tryfirst = True

    def handle(self, req: Request, res: Response, e: BaseException) -> None:
        if isinstance(e, DflowError):
            set_error(res, e.status, e.http_message())
