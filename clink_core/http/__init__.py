"""HTTP beyond JSON: cookies, redirects, files, streams, server-sent events, forms,
content negotiation, conditional requests and problem details.

Each module does one job; ``Request`` and ``Response`` (``clink_core.type``) and
the kernel's handlers use them. Applications need only the names below.
"""

from .conditional import ETagError, precondition
from .cookie import CookieError
from .files import FileBody
from .form import FormConf, FormLimitError, MultipartBodyError, UploadFile
from .header import HeaderValueError
from .negotiate import ProducesError, produces
from .problem import problem_body
from .redirect import RedirectError
from .sse import Event, EventError
from .stream import StreamAbortedError, StreamChunkError

__all__ = [
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
]
