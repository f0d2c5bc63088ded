"""The kernel's own pipeline handlers (levels 0, 3, 5, 6, 7, 8, 9; the router is level 2)."""

from .convert import ReqJsonHandler, ReqUrlEncodeHandler, ResJsonHandler
from .err_http import ErrorHttpHandler, error_body, set_error
from .err_log import ErrorLogHandler
from .err_send import ErrorSendHandler
from .negotiate import Negotiator
from .recv import RecvHandler
from .send import HeaderValueError, SendHandler, send, send_extended

#: the kernel's handlers; within a level they run in this order.
KERNEL_HANDLERS = (
    RecvHandler,
    ReqJsonHandler,
    ReqUrlEncodeHandler,
    ResJsonHandler,
    SendHandler,
    ErrorHttpHandler,
    ErrorLogHandler,
    ErrorSendHandler,
)

__all__ = [
    "KERNEL_HANDLERS",
    "ErrorHttpHandler",
    "ErrorLogHandler",
    "ErrorSendHandler",
    "HeaderValueError",
    "Negotiator",
    "RecvHandler",
    "ReqJsonHandler",
    "ReqUrlEncodeHandler",
    "ResJsonHandler",
    "SendHandler",
    "error_body",
    "send",
    "send_extended",
    "set_error",
]
