"""Fail fast while the database is known down: no request waits for a dead server.

pymongo marks a server ``Unknown``, with the error, as soon as an operation
on it fails with a network error or its monitor's check (a ``hello`` every
``heartbeatFrequencyMS``) fails. From then on every operation would wait
``serverSelectionTimeoutMS`` (in steps of 500 ms) before giving up, which
makes each 503 of an outage take seconds. ``FailFastClient`` looks at
pymongo's own topology state before an operation selects a server: when no
server is known and every server's last check failed, it raises
``DatabaseDownError`` at once (a ``ServerSelectionTimeoutError``, answered
503 by the plugin).

Recovery needs no trial request: pymongo's monitor keeps checking the server
every ``heartbeatFrequencyMS`` (the plugin's default: 500 ms) and the first
successful check makes the server known again, so operations run again
within about that long of the server's return.

The state is pymongo's, so there is no threshold to tune and nothing to
reset: before the first check (a new client) and while any server is
known, operations go through pymongo's server selection unchanged. An
operation in flight when the server dies fails on its socket (a killed
server: at once; a hung one: when the monitor's check times out, about
``heartbeatFrequencyMS + connectTimeoutMS``, or ``socketTimeoutMS`` if that
is shorter), and its retry fails fast.
"""

from __future__ import annotations

from typing import Any

from pymongo import MongoClient
from pymongo.topology_description import TopologyDescription

from .error import DatabaseDownError


def down_reasons(description: TopologyDescription) -> dict[str, str] | None:
    """``{"host:port": error}`` when every server failed its last check, else ``None``.

    ``None`` too while any server is known (whatever its type) and before a
    server was ever checked (its description has no error yet), so a new
    client still waits for its first connection.
    """
    if description.has_known_servers:  # PERF: the usual case, no copy
        return None
    servers = description.server_descriptions()
    if not servers:
        return None
    reasons: dict[str, str] = {}
    for (host, port), server in servers.items():
        if server.error is None:
            return None
        reasons[f"{host}:{port}"] = str(server.error)
    return reasons


class FailFastClient(MongoClient):  # type: ignore[type-arg]
    """A ``MongoClient`` whose operations fail at once while the database is known down.

    Every operation of pymongo's synchronous client (reads, writes, commands,
    cursors' ``getMore``, sessions) selects its server through
    ``MongoClient._select_server``; this class checks ``down_reasons`` there
    first. That method is pymongo's internal, the one it relies on; the
    plugin's tests fail if a pymongo release renames it (operations would
    then wait for server selection again, nothing else changes).

    ``DatabaseDownError`` carries no ``TransientTransactionError`` label, so
    ``ClientSession.with_transaction`` does not retry it for two minutes.
    """

    def _select_server(self, *args: Any, **kwargs: Any) -> Any:
        reasons = down_reasons(self.topology_description)
        if reasons is not None:
            raise DatabaseDownError(reasons, round(self.options.heartbeat_frequency * 1000))
        return super()._select_server(*args, **kwargs)
