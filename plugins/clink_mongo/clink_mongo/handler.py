"""Level 7: a database outage is answered 503 with ``Retry-After``, not 500."""

from __future__ import annotations

from pymongo.errors import ConnectionFailure

from clink_core import Request, Response, stamp
from clink_core.error.http import HttpError
from clink_core.handler import set_error
from clink_core.iface.pipe import ILv7Handler

from .type import MongoRetryConf

#: The message of the 503 body. Deliberately vague: the server's address and
#: pymongo's topology description stay in the error log.
UNAVAILABLE_MESSAGE = "the database is unavailable; try again later"


def is_outage(e: BaseException) -> bool:
    """Whether ``e`` (or an exception it was raised from) means "server unreachable".

    pymongo's ``ConnectionFailure`` family: ``AutoReconnect`` (connection
    lost), ``NetworkTimeout``, ``NotPrimaryError``,
    ``ServerSelectionTimeoutError`` (no server found in time; the plugin's
    ``DatabaseDownError``, raised at once while the server is known down, is
    one) and ``WaitQueueTimeoutError`` (connection pool exhausted). ``raise X from
    failure`` chains are followed, so a service may wrap the error.
    """
    seen: set[int] = set()
    cur: BaseException | None = e
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, ConnectionFailure):
            return True
        seen.add(id(cur))
        cur = cur.__cause__
    return False


@stamp(MongoRetryConf)
class MongoUnavailableHandler(ILv7Handler):
    """Turns pymongo's connection failures into ``503 Service Unavailable``.

    Runs after the kernel's handler (normal priority; the kernel's is
    ``tryfirst``), which has rendered a generic 500; this one replaces it by
    the kernel's JSON error body with status 503 and a ``Retry-After``
    header. An ``HttpError`` the application chose is left alone.
    """

    def __init__(self, conf: MongoRetryConf) -> None:
        self.retry_after = str(conf.retry_after)

    def handle(self, req: Request, res: Response, e: BaseException) -> None:
        if isinstance(e, HttpError) or not is_outage(e):
            return
        set_error(res, 503, UNAVAILABLE_MESSAGE)
        res.header["Retry-After"] = self.retry_after
