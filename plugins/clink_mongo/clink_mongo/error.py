"""Errors of ``MongoSv`` (``clink.service.mongo.error`` in the 2017 manual).

They are programming or deployment errors (a document used before its
specification, an index the database refuses), so the kernel answers them
500 when they escape a request. An unreachable server is not one of them:
pymongo raises its ``ConnectionFailure`` family and the plugin answers 503;
``DatabaseDownError``, raised at once while the server is known down, is one
of that family.
"""

from __future__ import annotations

from typing import Any

from pymongo.errors import ServerSelectionTimeoutError


class MongoSvError(Exception):
    """Base of the errors ``MongoSv`` raises."""


class DocSpecExit(MongoSvError):
    """A document specification with this name is already under management.

    (The manual's spelling: "exit" for "exists".)
    """

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"document specification {name!r} is already in use by this MongoSv; "
            "each document name is specified once"
        )


class DocumentNotExist(MongoSvError):
    """A document was asked for whose specification was never given."""

    def __init__(self, doc_name: str, known: tuple[str, ...] = ()) -> None:
        self.doc_name = doc_name
        self.known = tuple(known)
        names = ", ".join(repr(n) for n in self.known) if self.known else "none"
        super().__init__(
            f"document {doc_name!r} is not under management: call "
            f"use_docspec(MongoDocSpec({doc_name!r}, [...])) first (managed: {names})"
        )


def index_label(index: Any) -> str:
    """A short readable form of a ``pymongo.IndexModel`` (name and keys)."""
    document = getattr(index, "document", None)
    if not isinstance(document, dict):
        return repr(index)
    keys = ", ".join(f"{k}: {v}" for k, v in dict(document.get("key", {})).items())
    options = [
        f"{k}={v!r}" for k, v in document.items() if k not in ("key", "name")
    ]
    extra = f" ({', '.join(options)})" if options else ""
    return f"{document.get('name', '?')!s} {{{keys}}}{extra}"


class DocumentIndexError(MongoSvError):
    """The database refused to create an index of a document specification.

    Typical causes: an index of the same name or keys exists with other
    options, or a unique index over data that already holds duplicates.
    ``reason`` is the server's message; ``code`` its error code.
    """

    def __init__(
        self, doc_name: str, req_index: Any, reason: str = "", code: int | None = None
    ) -> None:
        self.doc_name = doc_name
        self.req_index = req_index
        self.reason = reason
        self.code = code
        because = f": {reason}" if reason else ""
        super().__init__(
            f"document {doc_name!r}: cannot create index {index_label(req_index)}{because}"
        )


class DatabaseDownError(ServerSelectionTimeoutError):
    """The operation was refused at once: every server failed its last check.

    Raised by ``MongoSv``'s client (``clink_mongo.failfast``) instead of
    waiting ``serverSelectionTimeoutMS`` for a server that is known to be
    down. It is a pymongo ``ServerSelectionTimeoutError`` (so a
    ``ConnectionFailure``): code that handles outages keeps working, pymongo
    does not retry it, and the plugin answers it 503 with ``Retry-After``.
    ``reasons`` maps each ``"host:port"`` to the error of its last check.
    """

    def __init__(self, reasons: dict[str, str], heartbeat_ms: int) -> None:
        self.reasons = dict(reasons)
        self.heartbeat_ms = heartbeat_ms
        detail = "; ".join(
            why if why.startswith(where) else f"{where}: {why}"
            for where, why in self.reasons.items()
        )
        super().__init__(
            f"MongoDB is down (the last check of every server failed: {detail}); "
            f"failing at once instead of waiting for server selection. pymongo checks "
            f"again every {heartbeat_ms} ms and operations run again as soon as a "
            "server answers; start the server or fix its address "
            "(MongoConf(fail_fast=False) / CLINK_MONGO_FAIL_FAST=0 waits instead)"
        )


#: The manual's ``DocSpecExit``, correctly spelled.
DocSpecExistError = DocSpecExit
