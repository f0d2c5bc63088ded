"""``MongoSv``: the application's MongoDB database, as a Clink service."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import pymongo
from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import ConnectionFailure, OperationFailure

from clink_core import Service, stamp

from .error import DocSpecExit, DocumentIndexError, DocumentNotExist
from .failfast import FailFastClient, down_reasons
from .hookspecs import MongoListeners
from .type import MongoConf, MongoDocSpec


@stamp(MongoConf, MongoListeners)
class MongoSv(Service):
    """MongoDB interface in the application layer.

    One ``MongoClient`` per service, created here and shared by every thread
    (pymongo's client is thread-safe and pools its connections). It connects
    lazily, on the first operation, so creating the service never waits for
    the server and an app starts even while the database is down; requests
    made then fail fast (the conf's short timeouts) and the plugin answers
    them 503. Once the server is known down (an operation or pymongo's
    periodic check failed), operations fail at once with
    ``DatabaseDownError`` instead of waiting for server selection
    (``conf.fail_fast``, see ``clink_mongo.failfast``). pymongo checks the
    server every ``heartbeat_frequency_ms`` (500 ms) and operations run again
    as soon as it answers.

    ``listeners``: pymongo monitoring listeners for the client; in an app, the
    plugin's, which gathers those plugins return from the
    ``clink_mongo_event_listeners`` hook (clink-otel's command spans; see
    ``clink_mongo.hookspecs``).

    Documents (collections) are used through specifications:
    ``use_docspec(MongoDocSpec(name, indexes))`` creates the indexes, then
    ``doc(name)`` returns the ``pymongo.collection.Collection``.
    """

    def __init__(self, conf: MongoConf, listeners: MongoListeners | None = None) -> None:
        if not isinstance(conf, MongoConf):
            raise TypeError(f"MongoSv takes a MongoConf, got {type(conf).__name__}")
        self.conf = conf
        # connect=False: no background threads until first use, so a process
        # that forks workers after loading the app (gunicorn --preload) is safe.
        client_type = FailFastClient if conf.fail_fast else MongoClient
        options = conf.client_options()
        found = listeners.all() if listeners is not None else []
        if found:  # none: pymongo publishes no events at all (no cost per command)
            options["event_listeners"] = found
        self._client: MongoClient[dict[str, Any]] = client_type(
            conf.dburl, connect=False, **options
        )
        self._db: Database[dict[str, Any]] = self._client[conf.dbname]
        self._specs: dict[str, MongoDocSpec] = {}
        self._docs: dict[str, Collection[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    @property
    def client(self) -> MongoClient[dict[str, Any]]:
        """The ``MongoClient`` (for sessions, transactions, admin commands)."""
        return self._client

    @property
    def db(self) -> Database[dict[str, Any]]:
        """The database named by ``conf.dbname``."""
        return self._db

    def use_docspec(self, doc_spec: MongoDocSpec) -> None:
        """Put a document's specification under management and create its indexes.

        Raises ``DocSpecExit`` when a specification of that name is already
        managed, ``DocumentIndexError`` (naming the index) when the server
        refuses an index, and pymongo's ``ConnectionFailure`` when the server
        is unreachable. A failed call leaves nothing registered, so it can be
        retried.
        """
        if not isinstance(doc_spec, MongoDocSpec):
            raise TypeError(f"use_docspec takes a MongoDocSpec, got {doc_spec!r}")
        with self._lock:
            if doc_spec.name in self._specs:
                raise DocSpecExit(doc_spec.name)
            doc = self._db[doc_spec.name]
            self._create_indexes(doc_spec, doc)
            self._specs[doc_spec.name] = doc_spec
            self._docs[doc_spec.name] = doc

    def use_docspecs(self, doc_specs: Iterable[MongoDocSpec]) -> None:
        """Put several documents' specifications under management, in order."""
        for doc_spec in doc_specs:
            self.use_docspec(doc_spec)

    def doc(self, name: str) -> Collection[dict[str, Any]]:
        """Return the collection of the managed document ``name``.

        Raises ``DocumentNotExist`` when no specification of that name was used.
        """
        try:
            return self._docs[name]
        except (KeyError, TypeError):
            raise DocumentNotExist(name, tuple(self._docs)) from None

    def docs(self, *args: str) -> tuple[Collection[dict[str, Any]], ...]:
        """Return the collections of the managed documents named, in order."""
        return tuple(self.doc(name) for name in args)

    @property
    def down(self) -> bool:
        """Whether the server is known down now (operations fail at once while it is).

        ``False`` for a client that has not tried the server yet.
        """
        return down_reasons(self._client.topology_description) is not None

    def ping(self, timeout: float | None = None) -> None:
        """Ask the server to answer (a health check); raises ``ConnectionFailure`` if not.

        ``timeout``: seconds the whole ping (finding the server included) may take,
        instead of the conf's timeouts (``pymongo.timeout``); a ping that takes longer
        raises ``pymongo.errors.PyMongoError`` (a timeout).
        """
        if timeout is None:
            self._client.admin.command("ping")
            return
        with pymongo.timeout(timeout):
            self._client.admin.command("ping")

    def close(self) -> None:
        """Close the connections to the server; the service is unusable afterwards."""
        self._client.close()

    def clear(self) -> None:
        """Delete all data of the database (drop it), then re-create the managed indexes.

        The specifications stay under management, so unique indexes keep
        holding after a clear (tests rely on it).
        """
        with self._lock:
            self._client.drop_database(self.conf.dbname)
            for name, spec in self._specs.items():
                self._create_indexes(spec, self._docs[name])

    @staticmethod
    def _create_indexes(spec: MongoDocSpec, doc: Collection[dict[str, Any]]) -> None:
        # One at a time so that an error names the index the server refused.
        for index in spec.indexes:
            try:
                doc.create_indexes([index])
            except ConnectionFailure:
                raise
            except OperationFailure as e:
                details = e.details or {}
                reason = str(details.get("errmsg") or e)
                raise DocumentIndexError(spec.name, index, reason, e.code) from e

    def __repr__(self) -> str:
        return f"MongoSv({self.conf!r}, docs={sorted(self._docs)})"
