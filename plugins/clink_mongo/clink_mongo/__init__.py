"""Clink plugin: MongoDB as a service (``MongoSv``), 503 on database outages.

    from clink_mongo import MongoSv, MongoConf, MongoDocSpec

    conf = MongoConf("mongodb://127.0.0.1:27017", "book-db")
    mongo_sv = MongoSv(conf)
    mongo_sv.use_docspec(MongoDocSpec("book", [IndexModel([("name", ASCENDING)], unique=True)]))
    mongo_sv.doc("book").insert_one({"name": "How to Die", "author": "Death"})

In an app, add a ``MongoConf`` primitive and let the injector create
``MongoSv`` for the components that ``@stamp(MongoSv)``. The plugin's entry
point (``clink_mongo.plugin``) adds the level-7 handler that answers 503 with
``Retry-After`` while the database is unreachable; while it is known down,
operations fail at once (``clink_mongo.failfast``). It also adds a readiness
check (``mongo``: a ping with a short timeout) and the
``clink_mongo_event_listeners`` hook (``clink_mongo.hookspecs``). ``clink_mongo.testing``
holds pytest fixtures; ``clink_mongo.embedded`` starts a local server.
"""

from . import plugin
from .error import (
    DatabaseDownError,
    DocSpecExistError,
    DocSpecExit,
    DocumentIndexError,
    DocumentNotExist,
    MongoSvError,
)
from .handler import UNAVAILABLE_MESSAGE, MongoUnavailableHandler, is_outage
from .hookspecs import MongoListeners
from .service import MongoSv
from .type import MongoConf, MongoDocSpec, MongoRetryConf, redact_url

__version__ = "0.1.0"

__all__ = [
    "UNAVAILABLE_MESSAGE",
    "DatabaseDownError",
    "DocSpecExistError",
    "DocSpecExit",
    "DocumentIndexError",
    "DocumentNotExist",
    "MongoConf",
    "MongoDocSpec",
    "MongoListeners",
    "MongoRetryConf",
    "MongoSv",
    "MongoSvError",
    "MongoUnavailableHandler",
    "__version__",
    "is_outage",
    "plugin",
    "redact_url",
]
