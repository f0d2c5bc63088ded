"""Level 5: CORS headers on every response, preflight answers on OPTIONS.

The kernel answers OPTIONS on any routed path with 204 and ``Allow``; this
handler adds the preflight headers to that answer. Level 5 also runs on the
error path, so 4xx/5xx responses carry the headers too and browsers can read
the error body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clink_core import stamp
from clink_core.iface import ILv5Handler

from .conf import CorsConf


@stamp(CorsConf)
class ResCorsHandler(ILv5Handler):
    """Tells browsers which origins may read the response."""

    def __init__(self, conf: CorsConf) -> None:
        # PERF: every header value is joined once, here, and ``handle`` is a closure
        # made for the configuration (no origins, any origin, a list): per request it
        # reads locals only, and a response without ``Origin`` costs one dict look-up.
        common: dict[str, str] = {}
        if conf.credentials:
            common["Access-Control-Allow-Credentials"] = "true"
        if conf.expose:
            common["Access-Control-Expose-Headers"] = ", ".join(conf.expose)
        methods = ", ".join(conf.methods) if conf.methods is not None else None
        preflight: dict[str, str] = {"Access-Control-Max-Age": str(conf.max_age)}
        if conf.headers:
            preflight["Access-Control-Allow-Headers"] = ", ".join(conf.headers)

        def answer_preflight(req: Any, header: dict[str, str]) -> None:
            if req.env.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"):
                header.update(preflight)
                allowed = methods or header.get("Allow")
                if allowed:
                    header["Access-Control-Allow-Methods"] = allowed

        self.handle: Callable[[Any, Any], None]
        if not conf.origins:
            self.handle = _nothing
        elif conf.any_origin:
            # Everything an any-origin response gets, in one dict: one update per request.
            any_headers = {"Access-Control-Allow-Origin": "*", **common}

            def handle_any(req: Any, res: Any) -> None:
                env = req.env
                if env is not None and "HTTP_ORIGIN" in env:
                    header = res.header
                    header.update(any_headers)
                    if req.method == "OPTIONS":
                        answer_preflight(req, header)

            self.handle = handle_any
        else:
            origins = frozenset(conf.origins)

            def handle_listed(req: Any, res: Any) -> None:
                env = req.env
                origin = env.get("HTTP_ORIGIN") if env is not None else None
                if origin is None:
                    return
                header = res.header
                vary = header.get("Vary")
                header["Vary"] = f"{vary}, Origin" if vary else "Origin"
                if origin not in origins:
                    return
                header["Access-Control-Allow-Origin"] = origin
                if common:
                    header.update(common)
                if req.method == "OPTIONS":
                    answer_preflight(req, header)

            self.handle = handle_listed


def _nothing(req: Any, res: Any) -> None:
    """No origin is allowed: CORS adds nothing."""
