"""Application configuration."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from ..com.type import Primitive
from .client import PROXY_HEADERS, parse_networks
from .error import ConfError
from .version import Version

DEFAULT_MAX_BODY = 1024 * 1024
#: what ``AppConf(error_format=...)`` takes.
ERROR_FORMATS = ("clink", "problem")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def parse_names(text: str | None) -> tuple[str, ...] | None:
    """``"log, cors"`` -> ``("log", "cors")``; unset or blank -> ``None``."""
    if text is None or not text.strip():
        return None
    return tuple(part.strip() for part in text.split(",") if part.strip())


class AppConf(Primitive):
    """Essential information about an application (a primitive every app holds).

    ``max_body`` is the largest request body accepted, in bytes; larger ones are
    answered 413 before being read.

    ``plugins`` names the installed plugins the app loads (``["log", "cors"]``;
    ``["*"]`` for all); ``None`` leaves it to ``CLINK_PLUGINS``, and with neither
    the app loads none: installing a package never changes an app.

    ``check_responses``: check what handlers answer against their
    ``@mapper.response`` schemas (a mismatch is a 500 naming the route and the
    rule): for tests and staging, off in production. ``None`` (not said): off when
    served, on when ``clink_core.testing.Client`` loads the app. ``error_format``:
    ``"clink"`` (the manual's ``{"status", "status_name", "message"}``) or
    ``"problem"`` (RFC 9457 ``application/problem+json``).

    ``trusted_proxies`` are the addresses or networks of the reverse proxies in
    front of the app; only requests from them have their ``proxy_header``
    (``X-Forwarded-For``, ``X-Real-IP`` or ``Forwarded``) believed for
    ``req.client_addr``.
    """

    def __init__(
        self,
        name: str,
        license: str = "?",
        version: Version | None = None,
        org_name: str = "?",
        org_addr: str = "?",
        *,
        max_body: int = DEFAULT_MAX_BODY,
        plugins: Iterable[str] | None = None,
        trusted_proxies: Iterable[str] | str = (),
        proxy_header: str = "X-Forwarded-For",
        check_responses: bool | None = None,
        error_format: str = "clink",
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ConfError(f"AppConf name must be a non-empty string, got {name!r}")
        if "/" in name or name in (".", "..") or any(ord(c) < 32 or ord(c) == 127 for c in name):
            raise ConfError(
                f"AppConf name {name!r} is used as a directory name and in mail headers: "
                "no '/', control characters, '.' or '..'"
            )
        if version is None:
            version = Version(0, 1, 0)
        if not isinstance(version, Version):
            raise ConfError(f"AppConf version must be a Version, got {version!r}")
        if not isinstance(max_body, int) or isinstance(max_body, bool) or max_body < 0:
            raise ConfError(f"AppConf max_body must be an integer >= 0, got {max_body!r}")
        if isinstance(plugins, str):
            raise ConfError(
                f"AppConf plugins is a list of plugin names, got the string {plugins!r}"
            )
        if plugins is not None:
            plugins = tuple(plugins)
            bad = [p for p in plugins if not isinstance(p, str) or not p.strip()]
            if bad:
                raise ConfError(f"AppConf plugins must be plugin names, got {bad!r}")
        if proxy_header not in PROXY_HEADERS:
            raise ConfError(
                f"AppConf proxy_header must be one of {', '.join(PROXY_HEADERS)}, "
                f"got {proxy_header!r}"
            )
        self.plugins: tuple[str, ...] | None = plugins
        self.trusted_proxies = parse_networks(trusted_proxies, "AppConf trusted_proxies")
        self.proxy_header = proxy_header
        self.name = name
        self.license = license
        self.version = version
        self.org_name = org_name
        self.org_addr = org_addr
        self.max_body = max_body
        if check_responses is not None and not isinstance(check_responses, bool):
            raise ConfError(
                f"AppConf check_responses must be True, False or None, got {check_responses!r}"
            )
        if error_format not in ERROR_FORMATS:
            raise ConfError(
                f"AppConf error_format must be one of {', '.join(ERROR_FORMATS)}, "
                f"got {error_format!r}"
            )
        self.check_responses = check_responses
        self.error_format = error_format

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, name: str | None = None) -> AppConf:
        """Build from ``CLINK_APP_NAME``, ``CLINK_APP_LICENSE``, ``CLINK_APP_VERSION``,
        ``CLINK_ORG_NAME``, ``CLINK_ORG_ADDR``, ``CLINK_MAX_BODY``, ``CLINK_PLUGINS``
        (comma list), ``CLINK_TRUSTED_PROXIES`` (comma list), ``CLINK_PROXY_HEADER``,
        ``CLINK_CHECK_RESPONSES`` (true/false) and ``CLINK_ERROR_FORMAT`` (clink/problem).

        ``name`` is the default when ``CLINK_APP_NAME`` is not set.
        """
        env = os.environ if env is None else env
        app_name = env.get("CLINK_APP_NAME", name)
        if app_name is None:
            raise ConfError("CLINK_APP_NAME is not set and no default name was given")
        raw_max = env.get("CLINK_MAX_BODY")
        try:
            max_body = DEFAULT_MAX_BODY if raw_max is None else int(raw_max)
        except ValueError:
            raise ConfError(f"CLINK_MAX_BODY must be a number of bytes, got {raw_max!r}") from None
        raw_version = env.get("CLINK_APP_VERSION")
        try:
            version = Version.parse(raw_version) if raw_version else None
        except ValueError as e:
            raise ConfError(f"CLINK_APP_VERSION: {e}") from None
        return cls(
            app_name,
            env.get("CLINK_APP_LICENSE", "?"),
            version,
            env.get("CLINK_ORG_NAME", "?"),
            env.get("CLINK_ORG_ADDR", "?"),
            max_body=max_body,
            plugins=parse_names(env.get("CLINK_PLUGINS")),
            trusted_proxies=env.get("CLINK_TRUSTED_PROXIES", ""),
            proxy_header=env.get("CLINK_PROXY_HEADER", "X-Forwarded-For"),
            check_responses=(_flag(env, "CLINK_CHECK_RESPONSES")
                             if env.get("CLINK_CHECK_RESPONSES", "").strip() else None),
            error_format=env.get("CLINK_ERROR_FORMAT", "clink").strip().lower() or "clink",
        )


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw not in _TRUE + _FALSE:
        raise ConfError(f"{name} must be true or false, got {env[name]!r}")
    return raw in _TRUE
