"""Configuration of clink-log: ``LogConf``."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from clink_core import AppConf, Primitive
from clink_core.type import ConfError

FORMATS = ("text", "json")
#: where logs go when no directory is configured: ``/var/tmp/<app-name>/``.
DEFAULT_ROOT = "/var/tmp"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class LogConf(Primitive):
    """Where and how clink-log writes ``request.log`` and ``error.log``.

    ``directory``: the log directory, created if missing; ``None`` means
    ``/var/tmp/<app-name>/`` (the manual's place). ``format``: ``"text"`` (one
    space-separated line per event) or ``"json"`` (JSON lines). ``query``: log
    the query string (values of secret-looking names are redacted).
    ``flush_interval``: longest time in seconds a request line waits in memory
    before it is written; ``0`` writes every line at once. ``redact``: more
    name fragments whose values are redacted, besides the built-in ones.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        format: str = "text",
        *,
        query: bool = True,
        flush_interval: float = 1.0,
        redact: Iterable[str] = (),
    ) -> None:
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
        self.format = format
        self.query = query
        self.flush_interval = float(flush_interval)
        self.redact = fragments

    def directory_for(self, app_conf: AppConf) -> str:
        """The log directory of the app ``app_conf`` describes (absolute)."""
        if self.directory is None:
            return os.path.join(DEFAULT_ROOT, app_conf.name)
        return os.path.abspath(self.directory)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LogConf:
        """Read ``CLINK_LOG_DIR``, ``CLINK_LOG_FORMAT`` (text/json), ``CLINK_LOG_QUERY``
        (true/false), ``CLINK_LOG_FLUSH`` (seconds) and ``CLINK_LOG_REDACT`` (comma list).

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
        try:
            return cls(**kwargs)  # type: ignore[arg-type]
        except ConfError as e:
            raise ConfError(f"from the CLINK_LOG_* environment: {e}") from None
