"""Serving the OpenAPI document and a Swagger UI page whose assets ship in this package.

No CDN: the page works offline. Everything is rendered to bytes once, at load.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from importlib.resources import files
from string import Template
from typing import Any

from ..mime.type import MIME_CSS, MIME_HTML, MIME_JAVASCRIPT, MIME_JSON
from ..routing.route import Route

_STATIC = files(__package__) / "static"
_ASSETS = {"swagger-ui-bundle.js": MIME_JAVASCRIPT, "swagger-ui.css": MIME_CSS}


def _static(body: bytes, content_type: str) -> Callable[[Any, Any], None]:
    def serve(req: Any, res: Any) -> None:
        res.content_type = content_type
        res.body = body
        res.header["Cache-Control"] = "no-cache"

    return serve


def document_bytes(document: dict[str, Any]) -> bytes:
    """The document as UTF-8 JSON."""
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def openapi_routes(document: dict[str, Any], spec_path: str, docs_path: str | None) -> list[Route]:
    """Routes for ``GET spec_path`` (the document) and, unless ``None``, the docs page."""
    routes = [Route(spec_path, "GET", None, _static(document_bytes(document), MIME_JSON))]
    if docs_path is None:
        return routes
    page = Template((_STATIC / "docs.html").read_text("utf-8")).substitute(
        title=html.escape(document["info"]["title"]),
        docs_path=html.escape(docs_path.rstrip("/")),
        spec_path=html.escape(spec_path),
    )
    routes.append(Route(docs_path, "GET", None, _static(page.encode("utf-8"), MIME_HTML)))
    for name, ctype in _ASSETS.items():
        body = (_STATIC / name).read_bytes()
        routes.append(Route(f"{docs_path.rstrip('/')}/{name}", "GET", None, _static(body, ctype)))
    return routes
