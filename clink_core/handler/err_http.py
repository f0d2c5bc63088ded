"""Level 7 default: render an exception as the manual's JSON error response."""

from __future__ import annotations

from typing import Any

from ..dflow.error import DflowError
from ..error.http import STATUS_LINES, HttpError
from ..iface.pipe import ILv7Handler
from ..mime.type import MIME_JSON
from ..type.request import Request
from ..type.response import Response

INTERNAL_MESSAGE = "internal server error; the error log has the details"


def error_body(status: int, message: Any) -> dict[str, Any]:
    """The manual's error body: ``{"status", "status_name", "message"}``."""
    return {"status": status, "status_name": STATUS_LINES[status], "message": message}


def set_error(res: Response, status: int, message: Any) -> None:
    """Make ``res`` the JSON error response ``status`` with ``message``."""
    res.status = status
    res.content_type = MIME_JSON
    res.body = error_body(status, message)


class ErrorHttpHandler(ILv7Handler):
    """Renders every error as the manual's JSON error response.

    ``HttpError`` -> its status, message and headers; the data-flow errors ->
    ``FormatError`` 400, ``NonExistError`` 404, ``ExistError`` 409,
    ``ExpiredError`` 410 (the manual's ``DflowErrorHandler``, folded in here so
    an error costs one call); anything else -> a generic 500. Runs first on
    level 7 so later handlers can refine its answer.
    """

    tryfirst = True

    def handle(self, req: Request, res: Response, e: BaseException) -> None:
        if isinstance(e, HttpError):
            set_error(res, e.status, e.msg)
            if e.headers:
                res.header.update(e.headers)
        elif isinstance(e, DflowError):
            set_error(res, e.status, e.http_message())
        else:
            set_error(res, 500, INTERNAL_MESSAGE)
