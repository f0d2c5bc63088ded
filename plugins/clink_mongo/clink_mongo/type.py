"""Configuration and document specifications (``clink.service.mongo.type``)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pymongo import IndexModel
from pymongo.errors import PyMongoError
from pymongo.uri_parser import parse_uri

from clink_core import Primitive
from clink_core.type import ConfError

#: Default client timeouts in milliseconds: a request waits at most this long
#: for a server before the plugin answers 503, instead of pymongo's 30 s.
#: (Once the server is known down, requests do not wait at all: see
#: ``clink_mongo.failfast``.)
DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 2000
DEFAULT_CONNECT_TIMEOUT_MS = 2000
DEFAULT_SOCKET_TIMEOUT_MS = 5000
#: How often pymongo checks each server (pymongo's own default: 10 s). While
#: the server is down requests fail at once and only this check notices its
#: return, so it bounds the recovery time. pymongo checks at most every 500 ms.
DEFAULT_HEARTBEAT_FREQUENCY_MS = 500
MIN_HEARTBEAT_FREQUENCY_MS = 500

#: ``MongoConf`` keyword, pymongo option, environment variable and default of
#: each timing setting, in the order ``client_options`` lists them.
TIMING_OPTIONS: tuple[tuple[str, str, str, int], ...] = (
    ("server_selection_timeout_ms", "serverSelectionTimeoutMS",
     "CLINK_MONGO_SERVER_SELECTION_TIMEOUT_MS", DEFAULT_SERVER_SELECTION_TIMEOUT_MS),
    ("connect_timeout_ms", "connectTimeoutMS",
     "CLINK_MONGO_CONNECT_TIMEOUT_MS", DEFAULT_CONNECT_TIMEOUT_MS),
    ("socket_timeout_ms", "socketTimeoutMS",
     "CLINK_MONGO_SOCKET_TIMEOUT_MS", DEFAULT_SOCKET_TIMEOUT_MS),
    ("heartbeat_frequency_ms", "heartbeatFrequencyMS",
     "CLINK_MONGO_HEARTBEAT_FREQUENCY_MS", DEFAULT_HEARTBEAT_FREQUENCY_MS),
)
FAIL_FAST_ENV = "CLINK_MONGO_FAIL_FAST"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")

#: Seconds a 503 answer tells clients to wait (``Retry-After``).
DEFAULT_RETRY_AFTER = 5

_SCHEMES = ("mongodb://", "mongodb+srv://")
# MongoDB refuses these in database names (on every platform).
_BAD_DB_CHARS = set('/\\. "$\x00')
_USERINFO = re.compile(r"^(mongodb(?:\+srv)?://)([^@/?]*)@")


def redact_url(url: str) -> str:
    """``url`` with its password replaced by ``***``, safe to print or log."""

    def hide(m: re.Match[str]) -> str:
        user, sep, _password = m.group(2).partition(":")
        return f"{m.group(1)}{user}{':***' if sep else ''}@"

    return _USERINFO.sub(hide, url, count=1)


def _check_url(dburl: Any, what: str) -> dict[str, str]:
    """Validate a MongoDB URL; return its query options (lower-case names)."""
    if not isinstance(dburl, str) or not dburl.strip():
        raise ConfError(f"{what} must be a non-empty mongodb:// URL, got {dburl!r}")
    if not dburl.startswith(_SCHEMES):
        raise ConfError(
            f"{what} {redact_url(dburl)!r} must start with mongodb:// or mongodb+srv://, "
            "e.g. mongodb://127.0.0.1:27017"
        )
    if dburl.startswith("mongodb://"):
        # Pure parsing (no DNS): catches bad ports, hosts, escapes and options.
        try:
            parse_uri(dburl)
        except (PyMongoError, ValueError) as e:
            raise ConfError(
                f"{what} {redact_url(dburl)!r} is not a valid MongoDB URL: {e}"
            ) from None
    else:
        netloc = urlsplit(dburl).netloc.rpartition("@")[2]
        if not netloc:
            raise ConfError(f"{what} {redact_url(dburl)!r} names no host")
    query = urlsplit(dburl).query
    return {k.lower(): v for k, v in parse_qsl(query, keep_blank_values=True)}


def url_database(dburl: str) -> str | None:
    """The database named in the URL's path (``mongodb://host/<db>``), if any."""
    path = urlsplit(dburl).path.lstrip("/")
    return path or None


def check_dbname(dbname: Any, what: str = "MongoConf dbname") -> str:
    """Return ``dbname`` if MongoDB accepts it as a database name, else raise ``ConfError``."""
    if not isinstance(dbname, str) or not dbname:
        raise ConfError(f"{what} must be a non-empty string, got {dbname!r}")
    bad = sorted(set(dbname) & _BAD_DB_CHARS)
    if bad:
        raise ConfError(
            f"{what} {dbname!r} contains characters MongoDB refuses in database "
            f"names: {''.join(bad)!r}"
        )
    if len(dbname.encode("utf-8")) >= 64:
        raise ConfError(f"{what} {dbname!r} is too long: MongoDB allows 63 bytes")
    return dbname


def _check_timeout(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfError(
            f"MongoConf {name} must be a positive number of milliseconds, got {value!r}"
        )
    if name == "heartbeat_frequency_ms" and value < MIN_HEARTBEAT_FREQUENCY_MS:
        raise ConfError(
            f"MongoConf {name} must be at least {MIN_HEARTBEAT_FREQUENCY_MS} ms "
            f"(pymongo checks a server at most that often), got {value!r}"
        )
    return value


def _env_timings(env: Mapping[str, str]) -> dict[str, Any]:
    """The timing keywords of ``MongoConf`` set in ``env`` (``CLINK_MONGO_*_MS``, ...)."""
    found: dict[str, Any] = {}
    for keyword, _option, var, _default in TIMING_OPTIONS:
        raw = env.get(var)
        if raw is None:
            continue
        try:
            value = int(raw)
        except ValueError:
            raise ConfError(
                f"{var} must be a whole number of milliseconds, got {raw!r}"
            ) from None
        try:
            found[keyword] = _check_timeout(value, keyword)
        except ConfError as e:
            raise ConfError(f"{var}: {e}") from None
    raw = env.get(FAIL_FAST_ENV)
    if raw is not None:
        flag = raw.strip().lower()
        if flag not in _TRUE + _FALSE:
            raise ConfError(
                f"{FAIL_FAST_ENV} must be one of {', '.join(_TRUE + _FALSE)}, got {raw!r}"
            )
        found["fail_fast"] = flag in _TRUE
    return found


class MongoConf(Primitive):
    """Where the MongoDB server is and which database to use.

    ``dburl`` is a MongoDB URL (``mongodb://host:port``,
    ``mongodb://user:password@host/path``, ``mongodb+srv://...``); ``dbname``
    the database. The timeouts (milliseconds) bound how long a request can
    wait for the server: left at ``None``, a value given in the URL's query
    (``?serverSelectionTimeoutMS=...``) is used, else the short defaults
    (2 s to find a server, 2 s to connect, 5 s per socket read). pymongo's
    own defaults (30 s, 20 s, none) would hold a request for half a minute
    during an outage.

    ``heartbeat_frequency_ms`` (default 500, at least 500) is how often
    pymongo checks the server; ``fail_fast`` (default on) makes operations
    fail at once, without waiting for server selection, while the last
    check of every server failed (``clink_mongo.failfast``). Together they
    give fast 503s during an outage and recovery within about
    ``heartbeat_frequency_ms`` of the server's return.
    """

    def __init__(
        self,
        dburl: str,
        dbname: str,
        *,
        server_selection_timeout_ms: int | None = None,
        connect_timeout_ms: int | None = None,
        socket_timeout_ms: int | None = None,
        heartbeat_frequency_ms: int | None = None,
        fail_fast: bool = True,
    ) -> None:
        self._url_options = _check_url(dburl, "MongoConf dburl")
        self.dburl = dburl
        self.dbname = check_dbname(dbname)
        self.server_selection_timeout_ms = _check_timeout(
            server_selection_timeout_ms, "server_selection_timeout_ms"
        )
        self.connect_timeout_ms = _check_timeout(connect_timeout_ms, "connect_timeout_ms")
        self.socket_timeout_ms = _check_timeout(socket_timeout_ms, "socket_timeout_ms")
        self.heartbeat_frequency_ms = _check_timeout(
            heartbeat_frequency_ms, "heartbeat_frequency_ms"
        )
        if not isinstance(fail_fast, bool):
            raise ConfError(f"MongoConf fail_fast must be True or False, got {fail_fast!r}")
        self.fail_fast = fail_fast

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for ``MongoClient`` besides the URL.

        A timing set on this object wins; one left ``None`` defers to the
        URL's option, or gets the short default when the URL has none.
        """
        options: dict[str, Any] = {}
        for keyword, option, _var, default in TIMING_OPTIONS:
            value = getattr(self, keyword)
            if value is not None:
                options[option] = value
            elif option.lower() not in self._url_options:
                options[option] = default
        return options

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        dburl: str | None = None,
        dbname: str | None = None,
    ) -> MongoConf:
        """Build from ``CLINK_MONGO_URL`` and ``CLINK_MONGO_DB`` (and the timings).

        ``dburl`` and ``dbname`` are the defaults when a variable is not set.
        Without ``CLINK_MONGO_DB`` or a default, the database named in the
        URL's path is used (``mongodb://host/books``). The timings come from
        ``CLINK_MONGO_SERVER_SELECTION_TIMEOUT_MS``,
        ``CLINK_MONGO_CONNECT_TIMEOUT_MS``, ``CLINK_MONGO_SOCKET_TIMEOUT_MS``,
        ``CLINK_MONGO_HEARTBEAT_FREQUENCY_MS`` (milliseconds) and
        ``CLINK_MONGO_FAIL_FAST`` (``1``/``0``, ``true``/``false``, ...) when
        set. A missing or malformed value raises ``ConfError`` naming the
        variable.
        """
        env = os.environ if env is None else env
        url = env.get("CLINK_MONGO_URL")
        if url is None:
            url = dburl
        if url is None:
            raise ConfError(
                "CLINK_MONGO_URL is not set: give the MongoDB server's URL, "
                "e.g. CLINK_MONGO_URL=mongodb://127.0.0.1:27017"
            )
        _check_url(url, "CLINK_MONGO_URL")
        name = env.get("CLINK_MONGO_DB")
        if name is not None:
            check_dbname(name, "CLINK_MONGO_DB")
        else:
            name = dbname or url_database(url)
        if name is None:
            raise ConfError(
                "CLINK_MONGO_DB is not set and CLINK_MONGO_URL names no database: "
                "give the database name, e.g. CLINK_MONGO_DB=books"
            )
        return cls(url, name, **_env_timings(env))

    def __repr__(self) -> str:
        return f"MongoConf({redact_url(self.dburl)!r}, {self.dbname!r})"


class MongoRetryConf(Primitive):
    """How the plugin answers requests while the database is unreachable.

    ``retry_after`` is the number of seconds sent in the 503's
    ``Retry-After`` header. The plugin adds ``MongoRetryConf.from_env()``
    unless the app already has one.
    """

    def __init__(self, retry_after: int = DEFAULT_RETRY_AFTER) -> None:
        if isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0:
            raise ConfError(
                f"MongoRetryConf retry_after must be a whole number of seconds >= 0, "
                f"got {retry_after!r}"
            )
        self.retry_after = retry_after

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MongoRetryConf:
        """Build from ``CLINK_MONGO_RETRY_AFTER`` (seconds; default 5)."""
        env = os.environ if env is None else env
        raw = env.get("CLINK_MONGO_RETRY_AFTER")
        if raw is None:
            return cls()
        try:
            value = int(raw)
        except ValueError:
            raise ConfError(
                f"CLINK_MONGO_RETRY_AFTER must be a whole number of seconds, got {raw!r}"
            ) from None
        try:
            return cls(value)
        except ConfError as e:
            raise ConfError(f"CLINK_MONGO_RETRY_AFTER: {e}") from None

    def __repr__(self) -> str:
        return f"MongoRetryConf(retry_after={self.retry_after})"


class MongoDocSpec:
    """A document (collection) and the indexes it must have.

    ``name`` is the collection's name; ``indexes`` a list of
    ``pymongo.IndexModel``, created by ``MongoSv.use_docspec``.
    """

    def __init__(self, name: str, indexes: Iterable[IndexModel] | None = None) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"MongoDocSpec name must be a non-empty string, got {name!r}")
        if "$" in name or "\x00" in name or name.startswith(("system.", ".")) or name.endswith("."):
            raise ValueError(
                f"MongoDocSpec name {name!r} is not a valid collection name "
                "(no '$' or NUL, no 'system.' prefix, no leading or trailing '.')"
            )
        index_list = list(indexes or [])
        for index in index_list:
            if not isinstance(index, IndexModel):
                raise ValueError(
                    f"MongoDocSpec {name!r}: indexes must be pymongo.IndexModel objects, "
                    f"got {index!r}"
                )
        self.name = name
        self.indexes = index_list

    def __repr__(self) -> str:
        return f"MongoDocSpec({self.name!r}, {len(self.indexes)} index(es))"
