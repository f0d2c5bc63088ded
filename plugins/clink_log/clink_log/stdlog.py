"""The request id on the records of Python's ``logging``: ``RequestIdFilter``.

A service's ``log.info(...)`` made while a request is handled then carries the
same id as that request's lines in ``request.log`` and ``error.log`` and its
``X-Request-Id`` header. Put the filter on the *handlers* (a filter on a logger
sees only the records logged on that very logger, not those of its children)::

    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(request_id)s %(name)s %(message)s"))
    logging.getLogger().addHandler(handler)
"""

from __future__ import annotations

import logging

from .reqid import REQUEST_ID


class RequestIdFilter(logging.Filter):
    """Sets ``record.request_id`` on every record it sees and lets every record pass.

    The value is the id of the request the logging thread or task is handling
    (``clink_log.request_id()``), or ``default`` (``"-"``) outside a request. A
    record that already has a ``request_id`` (``extra={"request_id": ...}``)
    keeps it.
    """

    def __init__(self, default: str = "-") -> None:
        super().__init__()
        self.default = default

    def filter(self, record: logging.LogRecord) -> bool:
        if "request_id" not in record.__dict__:
            rid = REQUEST_ID.get()
            record.request_id = self.default if rid is None else rid
        return True
