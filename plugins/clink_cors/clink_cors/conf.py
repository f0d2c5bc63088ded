"""CORS configuration."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from clink_core import Primitive
from clink_core.type import ConfError

DEFAULT_HEADERS = ("Authorization", "Content-Type")
DEFAULT_EXPOSE = ("X-Request-Id",)


def _names(value: Iterable[str] | str | None, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split(",")
    names = tuple(v.strip() for v in value if v.strip())
    for name in names:
        if any(c in name for c in "\r\n,"):
            raise ConfError(f"CorsConf {what}: {name!r} holds a comma or a line break")
    return names


class CorsConf(Primitive):
    """Which cross-origin requests browsers may make.

    ``origins``: allowed origins (``"https://app.example"``) or ``"*"`` for any;
    none by default: installing or enabling the plugin opens nothing until the
    app (or ``CLINK_CORS_ORIGINS``) names who may read its responses;
    ``methods``: allowed methods, ``None`` for whatever the route allows;
    ``headers``: request headers allowed; ``expose``: response headers scripts
    may read; ``credentials``: allow cookies/Authorization (never with ``"*"``);
    ``max_age``: seconds a browser may cache a preflight answer.
    """

    def __init__(
        self,
        origins: Iterable[str] | str = (),
        methods: Iterable[str] | str | None = None,
        headers: Iterable[str] | str = DEFAULT_HEADERS,
        expose: Iterable[str] | str = DEFAULT_EXPOSE,
        credentials: bool = False,
        max_age: int = 600,
    ) -> None:
        self.origins = _names(origins, "origins")
        self.any_origin = "*" in self.origins
        if not isinstance(credentials, bool):
            raise ConfError(f"CorsConf credentials must be True or False, got {credentials!r}")
        if self.any_origin and credentials:
            raise ConfError(
                "CorsConf: origins '*' together with credentials=True is refused "
                "(browsers reject it and it would expose every user's session); "
                "list the allowed origins instead"
            )
        if not isinstance(max_age, int) or isinstance(max_age, bool) or max_age < 0:
            raise ConfError(f"CorsConf max_age must be an integer >= 0, got {max_age!r}")
        self.methods = (
            None if methods is None else tuple(m.upper() for m in _names(methods, "methods"))
        )
        self.headers = _names(headers, "headers")
        self.expose = _names(expose, "expose")
        self.credentials = credentials
        self.max_age = max_age

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> CorsConf:
        """Read ``CLINK_CORS_ORIGINS``, ``_METHODS``, ``_HEADERS``, ``_EXPOSE`` (comma lists),
        ``CLINK_CORS_CREDENTIALS`` (true/false) and ``CLINK_CORS_MAX_AGE`` (seconds)."""
        env = os.environ if env is None else env
        kwargs: dict[str, object] = {}
        for key, name in (("ORIGINS", "origins"), ("METHODS", "methods"),
                          ("HEADERS", "headers"), ("EXPOSE", "expose")):
            if f"CLINK_CORS_{key}" in env:
                kwargs[name] = env[f"CLINK_CORS_{key}"]
        raw = env.get("CLINK_CORS_CREDENTIALS")
        if raw is not None:
            if raw.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ConfError(f"CLINK_CORS_CREDENTIALS must be true or false, got {raw!r}")
            kwargs["credentials"] = raw.lower() in ("true", "1", "yes")
        raw = env.get("CLINK_CORS_MAX_AGE")
        if raw is not None:
            if not raw.isdigit():
                raise ConfError(f"CLINK_CORS_MAX_AGE must be a number of seconds, got {raw!r}")
            kwargs["max_age"] = int(raw)
        return cls(**kwargs)  # type: ignore[arg-type]
