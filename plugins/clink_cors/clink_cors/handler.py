"""Level 5: CORS headers on every response, preflight answers on OPTIONS.

The kernel answers OPTIONS on any routed path with 204 and ``Allow``; this
handler adds the preflight headers to that answer. Level 5 also runs on the
error path, so 4xx/5xx responses carry the headers too and browsers can read
the error body.
"""

from __future__ import annotations

from typing import Any

from clink_core import stamp
from clink_core.iface import ILv5Handler

from .conf import CorsConf


@stamp(CorsConf)
class ResCorsHandler(ILv5Handler):
    """Tells browsers which origins may read the response."""

    def __init__(self, conf: CorsConf) -> None:
        # PERF: every header value is joined once, here.
        self._none = not conf.origins
        self._any = conf.any_origin
        self._origins = frozenset(conf.origins)
        self._common: dict[str, str] = {}
        if conf.credentials:
            self._common["Access-Control-Allow-Credentials"] = "true"
        if conf.expose:
            self._common["Access-Control-Expose-Headers"] = ", ".join(conf.expose)
        self._methods = ", ".join(conf.methods) if conf.methods is not None else None
        # Everything an any-origin response gets, in one dict: one update per request.
        self._any_headers = {"Access-Control-Allow-Origin": "*", **self._common}
        self._preflight: dict[str, str] = {"Access-Control-Max-Age": str(conf.max_age)}
        if conf.headers:
            self._preflight["Access-Control-Allow-Headers"] = ", ".join(conf.headers)

    def handle(self, req: Any, res: Any) -> None:
        env = req.env
        origin = env.get("HTTP_ORIGIN") if env is not None else None
        if origin is None or self._none:
            return
        header = res.header
        if self._any:
            header.update(self._any_headers)
        else:
            vary = header.get("Vary")
            header["Vary"] = f"{vary}, Origin" if vary else "Origin"
            if origin not in self._origins:
                return
            header["Access-Control-Allow-Origin"] = origin
            if self._common:
                header.update(self._common)
        if req.method == "OPTIONS" and env.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"):
            header.update(self._preflight)
            methods = self._methods or header.get("Allow")
            if methods:
                header["Access-Control-Allow-Methods"] = methods
