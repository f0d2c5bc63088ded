"""What the gzip plugin compresses, and how hard."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from clink_core import Primitive
from clink_core.type import ConfError

#: media types compressed besides ``text/*`` and every ``+json``/``+xml`` type.
DEFAULT_TYPES = (
    "application/json", "application/javascript", "application/xml",
    "application/x-ndjson", "image/svg+xml",
)


class GzipConf(Primitive):
    """``min_size``: bodies smaller than this many bytes go out as they are (gzip's
    header and the CPU cost outweigh the saving on small answers); ``level``: 1
    (fastest) to 9 (smallest); ``types``: media types compressed besides ``text/*``
    and every ``+json``/``+xml`` type.
    """

    def __init__(
        self,
        min_size: int = 1024,
        level: int = 6,
        types: Iterable[str] | str = DEFAULT_TYPES,
    ) -> None:
        if not isinstance(min_size, int) or isinstance(min_size, bool) or min_size < 0:
            raise ConfError(f"GzipConf min_size must be a number of bytes >= 0, got {min_size!r}")
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 9:
            raise ConfError(f"GzipConf level must be 1 (fastest) to 9 (smallest), got {level!r}")
        if isinstance(types, str):
            types = types.split(",")
        names = tuple(t.strip().lower() for t in types if t.strip())
        for name in names:
            if name.count("/") != 1 or ";" in name or " " in name:
                raise ConfError(
                    f"GzipConf types are media types such as 'application/json', got {name!r}"
                )
        self.min_size = min_size
        self.level = level
        self.types = names

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GzipConf:
        """Read ``CLINK_GZIP_MIN_SIZE`` (bytes), ``CLINK_GZIP_LEVEL`` (1-9) and
        ``CLINK_GZIP_TYPES`` (a comma list of media types)."""
        env = os.environ if env is None else env
        kwargs: dict[str, object] = {}
        for key, name in (("MIN_SIZE", "min_size"), ("LEVEL", "level")):
            raw = env.get(f"CLINK_GZIP_{key}")
            if raw is None or not raw.strip():
                continue
            try:
                kwargs[name] = int(raw)
            except ValueError:
                raise ConfError(f"CLINK_GZIP_{key} must be a whole number, got {raw!r}") from None
        if env.get("CLINK_GZIP_TYPES", "").strip():
            kwargs["types"] = env["CLINK_GZIP_TYPES"]
        return cls(**kwargs)  # type: ignore[arg-type]
