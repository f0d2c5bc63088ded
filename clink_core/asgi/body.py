"""Reading an ASGI request body as it arrives, bounded by the app's body limit.

A body whose ``Content-Length`` is over the limit is never read (level 0
answers 413 from the header). A chunked body is read until it passes the limit
by one byte, then reading stops: the 413 goes out without the rest being
received or buffered, and before the route's handler runs (``TOO_LARGE_KEY``).
What is read stays in memory up to ``SPOOL_AFTER`` bytes, then moves to a
temporary file, so a large upload limit does not mean as much
memory per request. A client that disconnects before its body is complete gets
no answer, and nothing keeps running for it.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from typing import IO, Any

#: bytes of a request body kept in memory before the rest goes to a temporary file.
SPOOL_AFTER = 1024 * 1024
Receive = Callable[[], Any]
#: set in the environ of a request whose body was found over the limit while it came:
#: the request loop answers 413 right after level 0, before routing.
TOO_LARGE_KEY = "clink.asgi.body_over_limit"


class ClientGoneError(Exception):
    """The client disconnected before its request body was complete."""


async def read_body(receive: Receive, limit: int) -> tuple[IO[bytes], bool]:
    """``(the request body as a readable binary file at its start, whether it is over
    limit)``: at most ``limit + 1`` bytes are read; ``ClientGoneError`` when the client
    leaves first."""
    chunks: list[bytes] = []
    size = 0
    spool: IO[bytes] | None = None
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            if spool is not None:
                spool.close()
            raise ClientGoneError("the client left before sending its whole body")
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if spool is not None:
                spool.write(chunk)
            else:
                chunks.append(chunk)
                if size > SPOOL_AFTER:
                    # a local file write lands in the page cache: fine on the loop
                    spool = tempfile.TemporaryFile()  # noqa: SIM115 (the caller closes it)
                    spool.writelines(chunks)
                    chunks.clear()
            if size > limit:
                break  # enough to know it is too large: the rest is never read
        if not message.get("more_body", False):
            break
    if spool is None:
        return io.BytesIO(b"".join(chunks)), size > limit
    spool.seek(0)
    return spool, size > limit
