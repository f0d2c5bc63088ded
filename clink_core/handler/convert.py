"""Levels 3 and 5: request bodies to Python, Python response bodies to JSON.

The manual's ``clink.handler`` converters, in the kernel so that an app
answers JSON with no plugin installed.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..codec.error import FormBodyError
from ..codec.json import dumps, is_json, loads
from ..iface.pipe import ILv3Handler, ILv5Handler
from ..mime.type import MIME_JSON, MIME_MULTIPART_FORM, MIME_URL_ENCODE
from ..type.query import parse_query
from ..type.request import Request
from ..type.response import Response
from .negotiate import Negotiator


class ReqJsonHandler(ILv3Handler):
    """Level 3, first: a JSON request body becomes Python objects; an empty body ``None``.

    Before that, a request whose ``Accept`` allows none of the types the route
    answers with (``@produces``; JSON by default) is refused with 406.
    """

    tryfirst = True

    def __init__(self) -> None:
        self._negotiator = Negotiator()

    def handle(self, req: Request, res: Response) -> None:
        # PERF: negotiation folded in here (its own handler would cost every request a
        # call); a request without Accept pays one ``in``, with ``*/*`` one call.
        if "HTTP_ACCEPT" in req.env:  # type: ignore[operator]
            self._negotiator.check(req, req.env.get("HTTP_ACCEPT"))  # type: ignore[union-attr]
        ctype = req.content_type
        if ctype is None or (ctype != MIME_JSON and not is_json(ctype)):
            return
        body = req.body
        if body.__class__ is bytes:
            route = req.route
            if route is not None and route.raw_json:
                return  # PERF: its model decodes and validates the bytes in one pass
            req.body = loads(body)


class ReqUrlEncodeHandler(ILv3Handler):
    """Level 3: an url-encoded body, or the text fields of a ``multipart/form-data`` body,
    become a dict (the files of a multipart body are in ``req.files``).

    A name sent once maps to its string; a name sent several times maps to
    the list of its values in order (``a=1&a=2`` -> ``{"a": ["1", "2"]}``).
    """

    tryfirst = True

    def __init__(self) -> None:
        #: route -> the files it declares (``@upload``), read from its handler once.
        self._uploads: dict[Any, tuple[Any, ...]] = {}

    def handle(self, req: Request, res: Response) -> None:
        ctype = req.content_type
        if ctype is None:  # PERF: a GET; ``None != str`` costs two reflected comparisons
            return
        if ctype != MIME_URL_ENCODE:
            # PERF: one more comparison for other bodies; a multipart body is parsed
            # here, streamed from the input, so a bad one is a 400 before the handler.
            if ctype == MIME_MULTIPART_FORM:
                self._multipart(req)
            return
        body = req.body
        if body.__class__ is not bytes:
            return
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise FormBodyError("url-encoded body is not valid UTF-8") from None
        form = parse_query(text, "url-encoded body", FormBodyError)
        req.body = {k: v[0] if len(v) == 1 else v for k, v in form.items()}

    def _multipart(self, req: Request) -> None:
        """Parse the body (``req.body`` becomes the text fields) and check the declared files."""
        req.form_all  # noqa: B018 - parses
        route = req.route
        if route is None:
            return
        specs = self._uploads.get(route)
        if specs is None:
            from ..http.form import uploads_of

            specs = self._uploads[route] = uploads_of(route.endpoint)
        if specs:
            files = req.files_all
            for spec in specs:
                spec.check(files)


_NO_BODY = frozenset({204, 304})
_OPTIONS = orjson.OPT_NON_STR_KEYS


class ResJsonHandler(ILv5Handler):
    """Level 5: a dict/list/str/number/bool/None body of a JSON response becomes JSON bytes.

    Bytes bodies, streams, files and other content types are left alone; 204/304
    send nothing. First on its level, so later handlers (compression, say) see the bytes.
    """

    tryfirst = True

    def handle(self, req: Request, res: Response) -> None:
        body = res.body
        if body.__class__ is bytes:
            return
        ctype = res.content_type
        # PERF: the common case is an exact match; ``+json`` types take the slow path.
        if ctype != MIME_JSON and not is_json(ctype):
            return
        if body is None and (res.status in _NO_BODY or res.status < 200):
            return
        try:
            # PERF: orjson called here, not through codec.dumps (one call less per
            # request), and with no ``default``: models take the slow path below.
            res.body = orjson.dumps(body, option=_OPTIONS)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            # A stream or a file on a JSON response is sent as it is (NDJSON, a .json file).
            from ..http.files import FileBody
            from ..http.stream import is_stream

            if isinstance(body, FileBody) or is_stream(body):
                return
            res.body = dumps(body)  # a model, or JsonSerializeError naming the type
