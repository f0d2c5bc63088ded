"""One server span per request: started at level 1, ended at level 5, errors at level 7.

- **Level 1, ``SpanStartHandler``** (``tryfirst``): continues the trace of the
  request's ``traceparent`` (the global propagator reads the WSGI environ),
  starts a ``SERVER`` span named after the method, and makes it the current
  span until level 5, so spans made while the request is handled (clink-mongo's
  commands, clink-smtp's sends, the app's own) are its children. The span is
  ``req.context.otel_span``.
- **Level 7, ``SpanErrorHandler``**: records the exception on the span (an
  ``exception`` event), unless it is an ``HttpError`` below 500 (a 404, a 400:
  answers, not failures); a request refused before level 1 (level 0: a
  malformed path, a body over the limit) gets its span here.
- **Level 5, ``SpanEndHandler``** (``trylast``: the status is final): names the
  span ``GET /book/{id:int}`` after the route template, sets
  ``http.route``, ``http.response.status_code`` and the request id (clink-log's
  ``req.context.request_id``, as ``clink.request_id``), marks a 5xx as an error
  (``error.type``: the exception's class, or the status), ends the span and
  restores the context.

Attributes follow OpenTelemetry's HTTP semantic conventions:
``http.request.method`` (``_OTHER`` with ``http.request.method_original`` for
an unknown method), ``url.path``, ``url.scheme``, ``server.address``,
``server.port``, ``client.address``, ``network.protocol.version``,
``user_agent.original``. The query string is not recorded (it may hold secrets).
A response that fails while it is being sent (after level 5) keeps the status
level 5 saw: its span has ended.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace import SpanKind, Status, StatusCode

from clink_core import stamp
from clink_core.plugin import ConfError, HttpError, ILv1Handler, ILv5Handler, ILv7Handler

from .conf import OtelConf
from .tracing import tracer_for

METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"}
)
#: the attribute carrying clink-log's request id.
REQUEST_ID_ATTRIBUTE = "clink.request_id"


class EnvGetter(Getter[dict[str, Any]]):
    """Reads propagation headers (``traceparent``) from a WSGI environ."""

    def get(self, carrier: dict[str, Any], key: str) -> list[str] | None:
        value = carrier.get("HTTP_" + key.upper().replace("-", "_"))
        return None if value is None else [value]

    def keys(self, carrier: dict[str, Any]) -> list[str]:
        return [k[5:].lower().replace("_", "-") for k in carrier if k.startswith("HTTP_")]


ENV_GETTER = EnvGetter()


def _attributes(req: Any, env: dict[str, Any], method: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "http.request.method": method if method in METHODS else "_OTHER",
        "url.path": getattr(req, "path", None) or env.get("PATH_INFO") or "/",
        "url.scheme": env.get("wsgi.url_scheme") or "http",
    }
    if method not in METHODS:
        attrs["http.request.method_original"] = method
    host = env.get("HTTP_HOST") or env.get("SERVER_NAME")
    if host:
        name, sep, port = host.rpartition(":")
        if sep and port.isdigit():
            attrs["server.address"], attrs["server.port"] = name, int(port)
        else:
            attrs["server.address"] = host
    protocol = env.get("SERVER_PROTOCOL") or ""
    if protocol.startswith("HTTP/"):
        attrs["network.protocol.version"] = protocol[5:]
    try:
        client = req.client_addr
    except Exception:  # a request refused before level 0 set it up
        client = env.get("REMOTE_ADDR")
    if client:
        attrs["client.address"] = client
    agent = env.get("HTTP_USER_AGENT")
    if agent:
        attrs["user_agent.original"] = agent
    return attrs


class _Spans:
    """The three handlers' work, sharing one tracer and conf."""

    def __init__(self, tracer: Any, conf: OtelConf) -> None:
        self.tracer = tracer
        self.propagate = conf.propagate

    def start(self, req: Any, res: Any) -> None:
        env = getattr(req, "env", None) or {}
        method = getattr(req, "method", None) or env.get("REQUEST_METHOD") or "GET"
        # An empty Context as the base: a context another request left attached on
        # this thread (its level 5 never ran) never becomes this request's parent.
        parent = (
            propagate.extract(env, context=Context(), getter=ENV_GETTER)
            if self.propagate else Context()
        )
        span = self.tracer.start_span(
            method if method in METHODS else "HTTP", context=parent, kind=SpanKind.SERVER,
            attributes=_attributes(req, env, method),
        )
        context = req.context
        context.otel_span = span
        context.otel_token = otel_context.attach(trace.set_span_in_context(span, parent))

    def error(self, req: Any, res: Any, e: BaseException) -> None:
        context = req.context
        span = context.get("otel_span")
        if span is None:  # refused before level 1
            self.start(req, res)
            span = context.otel_span
        if not span.is_recording() or (isinstance(e, HttpError) and e.status < 500):
            return
        span.record_exception(e)
        context.otel_error = type(e).__qualname__

    def end(self, req: Any, res: Any) -> None:
        context = req.context
        span = context.get("otel_span")
        token = context.get("otel_token")
        if span is None or token is None:  # not traced, or ended (a second pass)
            return
        context.otel_token = None
        try:
            status = res.status
            route = getattr(req, "route", None)
            if route is not None:
                span.set_attribute("http.route", route.path)
                method = req.method if req.method in METHODS else "HTTP"
                span.update_name(f"{method} {route.path}")
            if status.__class__ is int:
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_attribute("error.type", context.get("otel_error") or str(status))
                    span.set_status(Status(StatusCode.ERROR))
            request_id = context.get("request_id")
            if request_id:
                span.set_attribute(REQUEST_ID_ATTRIBUTE, str(request_id))
            span.end()
        finally:
            otel_context.detach(token)


class OtelHandlerError(ConfError):
    """A span handler was added to an app that has no recording tracer provider."""


def spans_of(conf: OtelConf) -> _Spans:
    """The span work of an app whose ``OtelConf`` has a recording provider."""
    tracer = tracer_for(conf)
    if tracer is None:  # the plugin adds the handlers only when there is one
        raise OtelHandlerError(
            "clink-otel's span handlers were added but there is no tracer provider that "
            "records (or OtelConf enabled is False): set one up before load() "
            "(trace.set_tracer_provider, or OtelConf(tracer_provider=...)) and let the "
            "plugin add its handlers rather than adding them by hand"
        )
    return _Spans(tracer, conf)


# PERF: each handler's ``handle`` is the bound method of its ``_Spans`` itself (the
# kernel registers the instance attribute): no extra call per request.
@stamp(OtelConf)
class SpanStartHandler(ILv1Handler):
    """Level 1, first: the server span starts and becomes the current span."""

    tryfirst = True

    def __init__(self, conf: OtelConf) -> None:
        self.handle = spans_of(conf).start


@stamp(OtelConf)
class SpanErrorHandler(ILv7Handler):
    """Level 7: the exception on the span."""

    def __init__(self, conf: OtelConf) -> None:
        self.handle = spans_of(conf).error


@stamp(OtelConf)
class SpanEndHandler(ILv5Handler):
    """Level 5, last: route, status and request id; the span ends."""

    trylast = True

    def __init__(self, conf: OtelConf) -> None:
        self.handle = spans_of(conf).end


#: every handler of the plugin.
HANDLERS = (SpanStartHandler, SpanErrorHandler, SpanEndHandler)
