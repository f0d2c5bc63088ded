"""The hook clink-mongo adds, and the primitive that takes its answer to ``MongoSv``.

``clink_mongo_event_listeners(app)``: other plugins return pymongo monitoring
listeners (``pymongo.monitoring.CommandListener`` and the like) for the app's
``MongoClient``; clink-otel's make a child span of every command. An
implementation is marked ``@hookimpl(optionalhook=True)``, so its plugin also
loads in an app without clink-mongo; it need not import clink-mongo, and
clink-mongo never imports it.

The plugin's ``clink_setup`` adds a ``MongoListeners`` primitive whose
``gather`` calls the hook; the injector gives it to ``MongoSv``, which calls it
once, when it is created (at ``load()``, after every plugin's ``clink_setup``,
so every plugin's configuration is there). With no listener at all the client
gets none, and pymongo publishes no events (no cost per command).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pluggy

from clink_core import Primitive

hookspec = pluggy.HookspecMarker("clink")


class MongoHookSpec:
    """Hook specifications clink-mongo adds to the app's plugin manager."""

    @hookspec
    def clink_mongo_event_listeners(self, app: Any) -> Any:
        """Return pymongo monitoring listeners for the app's ``MongoClient`` (a list, or
        ``None``); called once, when the app's ``MongoSv`` is created."""


class MongoListeners(Primitive):
    """pymongo event listeners for ``MongoSv``'s client: ``listeners``, then what
    ``gather()`` returns when the service is created.

    In an app the plugin adds one that gathers the ``clink_mongo_event_listeners``
    hook's answers; outside an app, ``MongoSv(conf, MongoListeners([listener]))``.
    """

    def __init__(
        self,
        listeners: Iterable[Any] = (),
        gather: Callable[[], Iterable[Any]] | None = None,
    ) -> None:
        self.listeners = tuple(listeners)
        self.gather = gather

    @classmethod
    def default(cls) -> MongoListeners:
        """None: what the service gets in an app without the plugin loaded."""
        return cls()

    def all(self) -> list[Any]:
        """Every listener: the given ones, then the gathered ones."""
        found = list(self.listeners)
        if self.gather is not None:
            found.extend(self.gather())
        return found


def listeners_of(app: Any) -> list[Any]:
    """Every listener the app's plugins return from ``clink_mongo_event_listeners``."""
    found: list[Any] = []
    for group in app.pm.hook.clink_mongo_event_listeners(app=app):
        found.extend(group or ())
    return found
