"""HTTP beyond JSON: cookies, redirects, files, streams, server-sent events, forms,
content negotiation, conditional requests and problem details.

Each module does one job; ``Request`` and ``Response`` (``clink_core.type``) and
the kernel's handlers use them. Applications need only the names below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app_headers import AppHeaders
    from .conditional import ETagError, precondition
    from .cookie import CookieError
    from .files import FileBody
    from .form import FormConf, FormLimitError, MultipartBodyError, UploadFile, upload
    from .header import HeaderValueError
    from .negotiate import ProducesError, produces
    from .problem import problem_body
    from .redirect import RedirectError
    from .sse import Event, EventError
    from .stream import StreamAbortedError, StreamChunkError

# PERF: each name is imported from its module when first used (PEP 562), so importing
# clink_core (which needs two or three of these modules) does not load them all.
_WHERE = {
    "AppHeaders": "app_headers",
    "ETagError": "conditional", "precondition": "conditional", "CookieError": "cookie",
    "FileBody": "files", "FormConf": "form", "FormLimitError": "form",
    "MultipartBodyError": "form", "UploadFile": "form", "upload": "form",
    "HeaderValueError": "header", "ProducesError": "negotiate", "produces": "negotiate",
    "problem_body": "problem", "RedirectError": "redirect", "Event": "sse",
    "EventError": "sse", "StreamAbortedError": "stream", "StreamChunkError": "stream",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


__all__ = [
    "AppHeaders",
    "CookieError",
    "ETagError",
    "Event",
    "EventError",
    "FileBody",
    "FormConf",
    "FormLimitError",
    "HeaderValueError",
    "MultipartBodyError",
    "ProducesError",
    "RedirectError",
    "StreamAbortedError",
    "StreamChunkError",
    "UploadFile",
    "precondition",
    "problem_body",
    "produces",
    "upload",
]
