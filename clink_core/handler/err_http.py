"""Level 7 default: render an exception as the error response.

The body is the manual's ``{"status", "status_name", "message"}``, or with
``AppConf(error_format="problem")`` an RFC 9457 problem (``application/problem+json``).
Handlers the app maps to exception classes (``app.add_error_handler``) take
the place of the defaults for their classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..com.label import stamp
from ..error.handlers import ErrorHandler, nearest
from ..error.http import STATUS_LINES, HttpError
from ..http.header import HeaderValueError
from ..http.problem import problem_body
from ..iface.pipe import ILv7Handler
from ..mime.type import MIME_JSON, MIME_PROBLEM_JSON
from ..type.conf import AppConf
from ..type.request import Request
from ..type.response import Response

INTERNAL_MESSAGE = "internal server error; the error log has the details"
_MAX_CACHED = 1024


def error_body(status: int, message: Any) -> dict[str, Any]:
    """The manual's error body: ``{"status", "status_name", "message"}``."""
    return {"status": status, "status_name": STATUS_LINES[status], "message": message}


def set_error(res: Response, status: int, message: Any) -> None:
    """Make ``res`` the error response ``status`` with ``message``.

    In the format the kernel chose for this error: once the kernel's level-7
    handler has rendered a problem (``error_format="problem"``), later calls
    (plugins refining the answer) render problems too, keeping its ``instance``.
    """
    res.status = status
    if res.content_type == MIME_PROBLEM_JSON:
        old = res.body
        instance = old.get("instance") if isinstance(old, dict) else None
        res.body = problem_body(status, message, instance)
        return
    res.content_type = MIME_JSON
    res.body = error_body(status, message)


@stamp(AppConf)
class ErrorHttpHandler(ILv7Handler):
    """Renders every error as the JSON error response.

    ``HttpError`` -> its status, message and headers; the data-flow errors ->
    ``FormatError`` 400 (its violations listed), ``NonExistError`` 404,
    ``ExistError`` 409, ``ExpiredError`` 410; anything else -> a generic 500.
    A handler the app added for the exception's class (or its nearest base
    class) runs instead; if it raises an ``HttpError``, that is rendered. Runs
    first on level 7 so later handlers can refine its answer.
    """

    tryfirst = True

    def __init__(self, app_conf: AppConf) -> None:
        self._problem = app_conf.error_format == "problem"
        self._table: dict[type, ErrorHandler] = {}
        self.use_handlers({})

    def use_handlers(self, handlers: Mapping[type, ErrorHandler]) -> None:
        """Take the app's ``exception class -> handler`` table (at ``load()``)."""
        # PERF: dflow (jsonschema-rs and the schema compiler, ~18 ms) is imported when an
        # app is built, not with clink_core; apps that validate import it anyway.
        from ..dflow.error import DflowError, FormatError

        self._format_error: type[FormatError] = FormatError
        table: dict[type, ErrorHandler] = {
            BaseException: self._internal,
            HttpError: self._http,
            DflowError: self._dflow,
            HeaderValueError: self._bad_header,
        }
        table.update({k: self._custom(v) for k, v in handlers.items()})
        self._table = table
        #: exception class -> its handler, filled as classes are met.
        self._cache: dict[type, ErrorHandler] = {}

    def handle(self, req: Request, res: Response, e: BaseException) -> None:
        # PERF: a dict hit per error; the MRO is walked once per exception class.
        render = self._cache.get(e.__class__)
        if render is None:
            render = self._find(e.__class__)
        if res._extended or res.body is not None:
            res.discard()  # an open file, a stream, validators of the failed answer
        render(req, res, e)

    def _find(self, exc_type: type) -> ErrorHandler:
        render: ErrorHandler = nearest(self._table, exc_type)
        if len(self._cache) < _MAX_CACHED:
            self._cache[exc_type] = render
        return render

    def _custom(self, handler: ErrorHandler) -> ErrorHandler:
        def render(req: Request, res: Response, e: BaseException) -> None:
            try:
                handler(req, res, e)
            except HttpError as raised:
                self._http(req, res, raised)

        return render

    def _set(self, req: Request, res: Response, status: int, message: Any,
             extensions: dict[str, Any] | None = None) -> None:
        res.status = status
        if self._problem:
            res.content_type = MIME_PROBLEM_JSON
            res.body = problem_body(status, message, req.path, extensions)
        else:
            res.content_type = MIME_JSON
            res.body = error_body(status, message)

    def _http(self, req: Request, res: Response, e: Any) -> None:
        # PERF: no isinstance assert: the table sends only HttpErrors here.
        # PERF: the 404 of every scan comes here: the manual's body built inline.
        if self._problem:
            self._set(req, res, e.status, e.msg)
        else:
            res.status = status = e.status
            res.content_type = MIME_JSON
            res.body = {"status": status, "status_name": STATUS_LINES[status], "message": e.msg}
        headers = e.headers
        if headers:
            res.header.update(headers)

    def _dflow(self, req: Request, res: Response, e: Any) -> None:
        if not self._problem:
            # PERF: every rejected body comes here: the manual's body built inline.
            res.status = status = e.status
            res.content_type = MIME_JSON
            res.body = {"status": status, "status_name": STATUS_LINES[status],
                        "message": e.http_message()}
        elif isinstance(e, self._format_error):
            extensions = {"errors": [v.as_dict() for v in e.errors], "truncated": e.truncated}
            self._set(req, res, e.status, str(e), extensions)
        else:
            self._set(req, res, e.status, str(e))

    def _bad_header(self, req: Request, res: Response, e: BaseException) -> None:
        res.header.clear()  # the bad header must not reach the error response either
        self._internal(req, res, e)

    def _internal(self, req: Request, res: Response, e: BaseException) -> None:
        self._set(req, res, 500, INTERNAL_MESSAGE)
