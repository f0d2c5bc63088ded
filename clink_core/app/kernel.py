"""What ``App.load()`` hands the kernel's own handlers and request class once the
pipeline is compiled: the error handlers by exception class, the form limits and
the error-logging level that streamed responses report their failures to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..com.injector import Injector
from ..error.handlers import ErrorHandler
from ..handler.err_http import ErrorHttpHandler
from ..http.form import FormConf


def bind_kernel(
    injector: Injector,
    levels: dict[int, Any],
    request_type: type,
    error_handlers: Mapping[type, ErrorHandler],
) -> None:
    """Give the compiled app's kernel what it reads per request, as plain attributes."""
    injector.ref(ErrorHttpHandler).use_handlers(error_handlers)
    if injector.has_prim(FormConf):
        request_type._form_conf = injector.ref(FormConf)  # type: ignore[attr-defined]
    request_type._stream_log = staticmethod(levels[8])  # type: ignore[attr-defined]
