"""Level 5, last: compress a JSON or text body when the client accepts gzip.

Runs after the JSON converter and the other level-5 handlers (CORS headers and
the like), so it sees the final bytes. Left alone: bodies that are not bytes or str
(streams, files: their length or ranges are the server's business), bodies
under ``min_size``, responses that already have a ``Content-Encoding``, 1xx,
204, 304 and 206 answers, and HEAD (its Content-Length must stay that of the
identity body a GET without gzip gets). The kernel's sending level computes
Content-Length from the compressed bytes.
"""

from __future__ import annotations

import gzip
from typing import Any

from clink_core import stamp
from clink_core.iface import ILv5Handler

from .conf import GzipConf
from .encoding import accepts_gzip

_NO_BODY = frozenset({204, 206, 304})


@stamp(GzipConf)
class ResGzipHandler(ILv5Handler):
    """Compresses JSON/text answers over ``GzipConf.min_size`` for clients that accept gzip,
    with ``Vary: Accept-Encoding``; a strong ETag gets a ``-gzip`` suffix (RFC 9110 §8.8.3:
    each content coding is a different representation)."""

    trylast = True

    def __init__(self, conf: GzipConf) -> None:
        self._min = conf.min_size
        self._level = conf.level
        self._types = frozenset(conf.types)
        #: media type -> compressible, learnt as types are met.
        self._known: dict[str, bool] = {}

    def _compressible(self, content_type: str | None) -> bool:
        if not content_type:
            return False
        known = self._known.get(content_type)
        if known is None:
            media = content_type.partition(";")[0].strip().lower()
            known = (
                media.startswith("text/") or media in self._types
                or media.endswith(("+json", "+xml"))
            ) and media != "text/event-stream"
            if len(self._known) < 256:
                self._known[content_type] = known
        return known

    def handle(self, req: Any, res: Any) -> None:
        body = res.body
        # PERF: the two cheapest tests first; most small JSON answers stop here.
        if body.__class__ is not bytes:
            if body.__class__ is not str:
                return
            body = body.encode("utf-8")  # what the sending level would send
        if len(body) < self._min:
            return
        status = res.status
        if status < 200 or status in _NO_BODY or req.method == "HEAD":
            return
        if not self._compressible(res.content_type):
            return
        header = res.header
        if "Content-Encoding" in header or any(
            k.lower() == "content-encoding" for k in header
        ):
            return
        vary = header.get("Vary")
        if not vary:
            header["Vary"] = "Accept-Encoding"
        elif "accept-encoding" not in vary.lower() and vary.strip() != "*":
            header["Vary"] = f"{vary}, Accept-Encoding"
        env = req.env
        if env is None or not accepts_gzip(env.get("HTTP_ACCEPT_ENCODING")):
            return
        packed = gzip.compress(body, self._level, mtime=0)
        if len(packed) >= len(body):
            return  # incompressible: the identity body is smaller
        res.body = packed
        header["Content-Encoding"] = "gzip"
        etag = res.etag
        if etag is not None and not etag.startswith("W/"):
            res.etag = f'"{etag[1:-1]}-gzip"'
