"""Error handlers by exception class: what ``app.add_error_handler`` collects.

``handler(req, res, e)`` shapes the error response (status, body, headers)
for exceptions of its class and subclasses. The kernel's level-7 handler looks
the nearest class of the exception's MRO up in the table built at ``load()``
(a dict, and a per-class cache), as Falcon does: no chain of ``isinstance``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

#: ``handler(req, res, e)``.
ErrorHandler = Callable[[Any, Any, BaseException], Any]


class ErrorHandlerError(TypeError):
    """``add_error_handler`` given something that is not an exception class or a handler."""


def check_handler(exc_type: Any, handler: Any) -> None:
    """Refuse a non-exception class, or a handler that cannot take ``(req, res, e)``."""
    if not isinstance(exc_type, type) or not issubclass(exc_type, BaseException):
        raise ErrorHandlerError(
            f"add_error_handler takes an exception class first, got {exc_type!r}"
        )
    if not callable(handler):
        raise ErrorHandlerError(f"error handler for {exc_type.__qualname__} is not callable")
    try:
        inspect.signature(handler).bind(None, None, None)
    except TypeError:
        raise ErrorHandlerError(
            f"error handler {getattr(handler, '__qualname__', handler)!r} for "
            f"{exc_type.__qualname__} must take (req, res, e)"
        ) from None
    except ValueError:
        pass  # no signature (a builtin): trusted


def nearest(table: Mapping[type, Any], exc_type: type) -> Any:
    """The entry of the nearest class of ``exc_type``'s MRO in ``table``, or ``None``."""
    for klass in exc_type.__mro__:
        found = table.get(klass)
        if found is not None:
            return found
    return None
