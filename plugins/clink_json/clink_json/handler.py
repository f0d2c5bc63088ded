"""The JSON plugin's pipeline handlers (the manual's ``clink.handler`` names)."""

from __future__ import annotations

from typing import Any

import orjson

from clink_core import stamp
from clink_core.iface import ILv3Handler, ILv5Handler
from clink_core.mime.type import MIME_JSON, MIME_URL_ENCODE
from clink_core.type import parse_query

from .codec import loads
from .error import JsonBodyError, JsonSerializeError


def is_json(media_type: str | None) -> bool:
    """``application/json`` and ``+json`` types such as ``application/merge-patch+json``."""
    return media_type == MIME_JSON or (media_type is not None and media_type.endswith("+json"))


@stamp()
class ReqJsonHandler(ILv3Handler):
    """Level 3: a JSON request body becomes Python objects; an empty body ``None``."""

    def handle(self, req: Any, res: Any) -> None:
        ctype = req.content_type
        if ctype is None or (ctype != MIME_JSON and not is_json(ctype)):
            return
        body = req.body
        if body.__class__ is bytes:
            req.body = loads(req, body)


@stamp()
class ReqUrlEncodeHandler(ILv3Handler):
    """Level 3: an url-encoded body becomes a dict.

    A name sent once maps to its string; a name sent several times maps to
    the list of its values in order (``a=1&a=2`` -> ``{"a": ["1", "2"]}``).
    """

    def handle(self, req: Any, res: Any) -> None:
        if req.content_type != MIME_URL_ENCODE:
            return
        body = req.body
        if body.__class__ is not bytes:
            return
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise JsonBodyError(req, "url-encoded body is not valid UTF-8") from None
        form = parse_query(req, text, "url-encoded body")
        req.body = {k: v[0] if len(v) == 1 else v for k, v in form.items()}


_NO_BODY = frozenset({204, 304})


@stamp()
class ResJsonHandler(ILv5Handler):
    """Level 5: a dict/list/str/number/bool/None body of a JSON response becomes JSON bytes.

    Bytes bodies and other content types are left alone; 204/304 send nothing.
    """

    def handle(self, req: Any, res: Any) -> None:
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
            res.body = orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)
        except TypeError as e:  # orjson.JSONEncodeError is a TypeError
            raise JsonSerializeError(body, e) from e
