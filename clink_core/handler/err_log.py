"""Level 8 default: report errors through Python's ``logging``."""

from __future__ import annotations

import logging

from ..iface.pipe import ILv8Handler
from ..type.request import Request
from ..type.response import Response

logger = logging.getLogger("clink.error")


class ErrorLogHandler(ILv8Handler):
    """Logs 5xx answers with their traceback to the ``clink.error`` logger.

    A 503 (a database or other dependency down) is one WARNING line without the
    traceback: the outage is expected and its handler already explained it.

    4xx answers are the client's errors and are not logged here.

    clink-log replaces it with file logs.
    """

    trylast = True

    def handle(self, req: Request, res: Response, e: BaseException) -> None:
        if res.status == 503:  # a dependency is down: expected, and already explained
            logger.warning("%s %s -> 503: %s: %s", req.method, req.path, type(e).__name__, e)
        elif res.status >= 500:
            logger.error(
                "%s %s -> %s: %s: %s", req.method, req.path, res.status, type(e).__name__, e,
                exc_info=(type(e), e, e.__traceback__),
            )
