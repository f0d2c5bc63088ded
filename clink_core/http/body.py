"""Reading the request body from the WSGI input, with the client's failures as 4xx answers.

A client that resets the connection in the middle of its body makes the server's
input raise ``OSError``; a client that stops sending makes it raise
``TimeoutError``. Neither is the app's fault: they are answered 400 and 408 (the
client is usually gone and never reads it) instead of a logged generic 500, so a
client that resets at will cannot fill the error log with tracebacks.
"""

from __future__ import annotations

from typing import Any

from ..error.http import Http400Error, Http408Error


class BodyReadError(Http400Error):  # type: ignore[misc,valid-type]
    """The request body could not be read: the connection broke (answered 400)."""


class BodyTimeoutError(Http408Error):  # type: ignore[misc,valid-type]
    """The request body did not arrive in time (answered 408)."""


def read_input(stream: Any, size: int) -> bytes:
    """``stream.read(size)``; a broken or timed-out connection raises an ``HttpError``."""
    try:
        data: bytes = stream.read(size)
    except TimeoutError:
        raise BodyTimeoutError("the request body did not arrive in time") from None
    except OSError as e:
        raise BodyReadError(
            f"the request body could not be read: the connection broke ({type(e).__name__})"
        ) from None
    return data
