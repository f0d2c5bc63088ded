"""Configuration of clink-log: ``LogConf``."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from clink_core import AppConf, Primitive
from clink_core.plugin import ConfError

FORMATS = ("text", "json")
#: the standard streams a log can go to instead of files.
STREAMS = ("stdout", "stderr")
#: the default bound of a log's queue: records past it are dropped, and counted.
MAX_PENDING = 20_000
#: where logs go when no directory is configured: ``/var/tmp/<app-name>/``.
DEFAULT_ROOT = "/var/tmp"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class LogConf(Primitive):
    """Where and how clink-log writes ``request.log`` and ``error.log``.

    ``directory``: the log directory, created if missing; ``None`` means
    ``/var/tmp/<app-name>/`` (the manual's place). ``stream``: ``"stdout"`` or
    ``"stderr"`` writes both logs' lines to that stream instead of files (not
    together with ``directory``). ``format``: ``"text"`` (one space-separated
    line per event) or ``"json"`` (JSON lines). ``query``: log the query string
    (values of secret-looking names are redacted). ``flush_interval``: longest
    time in seconds a request line waits in memory before it is written; ``0``
    writes every line at once. ``redact``: more name fragments whose values are
    redacted, besides the built-in ones. ``max_pending``: most records a log
    keeps waiting; more are dropped (and a "dropped N records" line says so).
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        format: str = "text",
        *,
        stream: str | None = None,
        query: bool = True,
        flush_interval: float = 1.0,
        redact: Iterable[str] = (),
        max_pending: int = MAX_PENDING,
    ) -> None:
        if stream is not None:
            if stream not in STREAMS:
                raise ConfError(f"LogConf stream must be 'stdout' or 'stderr', got {stream!r}")
            if directory is not None:
                raise ConfError(
                    f"LogConf: stream={stream!r} and directory={directory!r} are both set; "
                    "logs go either to a stream or to files in a directory, choose one"
                )
        if (
            not isinstance(max_pending, int)
            or isinstance(max_pending, bool)
            or not 1 <= max_pending <= 10_000_000
        ):
            raise ConfError(
                f"LogConf max_pending must be a whole number of records from 1 to "
                f"10000000, got {max_pending!r}"
            )
        if directory is not None:
            if not isinstance(directory, (str, os.PathLike)):
                raise ConfError(f"LogConf directory must be a path, got {directory!r}")
            directory = os.fspath(directory)
            if not directory or "\x00" in directory:
                raise ConfError(f"LogConf directory must be a non-empty path, got {directory!r}")
        if format not in FORMATS:
            raise ConfError(f"LogConf format must be 'text' or 'json', got {format!r}")
        if not isinstance(query, bool):
            raise ConfError(f"LogConf query must be True or False, got {query!r}")
        if (
            not isinstance(flush_interval, (int, float))
            or isinstance(flush_interval, bool)
            or not 0 <= flush_interval <= 3600
        ):
            raise ConfError(
                f"LogConf flush_interval must be a number of seconds from 0 to 3600, "
                f"got {flush_interval!r}"
            )
        if isinstance(redact, str):
            redact = redact.split(",")
        fragments = tuple(r.strip().lower() for r in redact if r.strip())
        for fragment in fragments:
            if not fragment.replace("_", "").replace("-", "").isalnum():
                raise ConfError(
                    f"LogConf redact: {fragment!r} must be letters, digits, '_' or '-'"
                )
        self.directory: str | None = directory
        self.stream = stream
        self.format = format
        self.query = query
        self.flush_interval = float(flush_interval)
        self.redact = fragments
        self.max_pending = max_pending

    def directory_for(self, app_conf: AppConf) -> str:
        """The log directory of the app ``app_conf`` describes (absolute); unused when
        ``stream`` is set."""
        if self.directory is None:
            return os.path.join(DEFAULT_ROOT, app_conf.name)
        return os.path.abspath(self.directory)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LogConf:
        """Read ``CLINK_LOG_DIR``, ``CLINK_LOG_STREAM`` (stdout/stderr),
        ``CLINK_LOG_FORMAT`` (text/json), ``CLINK_LOG_QUERY`` (true/false),
        ``CLINK_LOG_FLUSH`` (seconds), ``CLINK_LOG_REDACT`` (comma list) and
        ``CLINK_LOG_MAX_PENDING`` (records).

        Unset variables keep the defaults; a malformed one raises ``ConfError``
        naming it.
        """
        env = os.environ if env is None else env
        kwargs: dict[str, object] = {}
        directory = env.get("CLINK_LOG_DIR")
        if directory is not None:
            if not directory:
                raise ConfError("CLINK_LOG_DIR is set but empty: unset it or name a directory")
            kwargs["directory"] = directory
        stream = env.get("CLINK_LOG_STREAM")
        if stream is not None:
            if stream.strip().lower() not in STREAMS:
                raise ConfError(f"CLINK_LOG_STREAM must be 'stdout' or 'stderr', got {stream!r}")
            if directory is not None:
                raise ConfError(
                    "CLINK_LOG_STREAM and CLINK_LOG_DIR are both set; logs go either to a "
                    "stream or to files in a directory: unset one of them"
                )
            kwargs["stream"] = stream.strip().lower()
        fmt = env.get("CLINK_LOG_FORMAT")
        if fmt is not None:
            if fmt.strip().lower() not in FORMATS:
                raise ConfError(f"CLINK_LOG_FORMAT must be 'text' or 'json', got {fmt!r}")
            kwargs["format"] = fmt.strip().lower()
        raw = env.get("CLINK_LOG_QUERY")
        if raw is not None:
            if raw.strip().lower() not in _TRUE + _FALSE:
                raise ConfError(f"CLINK_LOG_QUERY must be true or false, got {raw!r}")
            kwargs["query"] = raw.strip().lower() in _TRUE
        raw = env.get("CLINK_LOG_FLUSH")
        if raw is not None:
            try:
                kwargs["flush_interval"] = float(raw)
            except ValueError:
                raise ConfError(
                    f"CLINK_LOG_FLUSH must be a number of seconds, got {raw!r}"
                ) from None
        raw = env.get("CLINK_LOG_REDACT")
        if raw is not None:
            kwargs["redact"] = raw
        raw = env.get("CLINK_LOG_MAX_PENDING")
        if raw is not None:
            if not raw.strip().isdigit():
                raise ConfError(
                    f"CLINK_LOG_MAX_PENDING must be a whole number of records, got {raw!r}"
                )
            kwargs["max_pending"] = int(raw)
        try:
            return cls(**kwargs)  # type: ignore[arg-type]
        except ConfError as e:
            raise ConfError(f"from the CLINK_LOG_* environment: {e}") from None
