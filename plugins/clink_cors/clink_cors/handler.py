"""Level 5: CORS headers on every response, preflight answers on OPTIONS.

The kernel answers OPTIONS on any routed path with 204 and ``Allow``; this
handler adds the preflight headers to that answer. Level 5 also runs on the
error path, so 4xx/5xx responses carry the headers too and browsers can read
the error body.

Any origin (``"*"``): the fields do not depend on the request, so the plugin
adds them as app-wide fields (``any_origin_fields``, ``App.add_response_header``):
checked once, sent on every response, with or without ``Origin`` — which also
keeps a shared cache from serving a copy without them to a browser — and the
handler only answers preflights. Its cost on a GET is one method comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clink_core import stamp
from clink_core.http.app_headers import AppHeaders
from clink_core.iface import ILv5Handler

from .conf import CorsConf


def any_origin_fields(conf: CorsConf) -> tuple[tuple[str, str], ...]:
    """The fields every response carries when ``conf`` allows any origin (else none)."""
    if not conf.any_origin:
        return ()
    fields = [("Access-Control-Allow-Origin", "*")]
    if conf.expose:  # no credentials with "*": CorsConf refuses them
        fields.append(("Access-Control-Expose-Headers", ", ".join(conf.expose)))
    return tuple(fields)


@stamp(CorsConf, AppHeaders)
class ResCorsHandler(ILv5Handler):
    """Tells browsers which origins may read the response."""

    def __init__(self, conf: CorsConf, app_headers: AppHeaders) -> None:
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
        elif conf.any_origin and set(any_origin_fields(conf)) <= set(app_headers.fields):
            # PERF: the app sends the fields (the plugin added them): preflights only.

            def handle_preflight(req: Any, res: Any) -> None:
                if req.method == "OPTIONS":
                    env = req.env
                    if env is not None and "HTTP_ORIGIN" in env:
                        answer_preflight(req, res.header)

            self.handle = handle_preflight
        elif conf.any_origin:
            # Added without the plugin's app-wide fields: everything an any-origin
            # response gets, in one dict, one update per request.
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
