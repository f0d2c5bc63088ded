"""The development server behind ``clink run`` and ``clink_core.testing.LiveServer``.

werkzeug's threaded server with a request handler that bounds what a client can
hold: the request line, headers and body must arrive within ``timeout`` seconds
(else 408, connection closed); the request line, the number of header fields and
the size of the header block are limited (414, 431); framing that RFC 9112 §6
calls ambiguous (two different Content-Length values, Content-Length with
Transfer-Encoding, a transfer coding other than ``chunked``) is refused before
the app runs. Every error the server answers itself is clink's JSON error body.
One request per connection: after the answer the server closes, so a body the
app did not read is never parsed as a next request.
"""

from __future__ import annotations

import io
import re
import socket
import time
from dataclasses import dataclass
from email.message import Message
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler
from werkzeug.serving import make_server as werkzeug_make_server

from ..codec.json import dumps
from ..error.http import STATUS_LINES, Http400Error, Http408Error
from ..handler.err_http import error_body

#: a socket read after the deadline still takes what has already arrived.
_LATE_READ_SECONDS = 0.001
#: after the answer, input is discarded this long at most so the client reads the
#: answer instead of a connection reset (a "lingering close", as Apache does) ...
LINGER_SECONDS = 2.0
#: ... and stops as soon as the client sends nothing for this long.
LINGER_IDLE_SECONDS = 0.5
#: longest chunk-size line (size and extensions) of a chunked body.
MAX_CHUNK_LINE = 1024
_INF = float("inf")

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEADER_NAME = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+:")
_VERSION = re.compile(r"HTTP/(\d)\.(\d)")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")


class ServerLimitsError(ValueError):
    """A server limit that is not a positive (finite) number."""


class RequestTimeoutError(Http408Error):  # type: ignore[valid-type,misc]
    """The request body did not arrive within the server's timeout: answered 408."""


class ChunkedBodyError(Http400Error):  # type: ignore[valid-type,misc]
    """A ``Transfer-Encoding: chunked`` body whose framing is broken: answered 400."""


@dataclass(frozen=True)
class ServerLimits:
    """What one request may take from the server.

    ``timeout``: seconds for the whole request (line, headers, body) to arrive,
    and for each write of the answer; ``max_request_line``: bytes of the request
    line, CRLF included (over it: 414); ``max_header_count``: header fields (over
    it: 431); ``max_header_bytes``: bytes of all header lines together (over it: 431).
    """

    timeout: float = 10.0
    max_request_line: int = 8192
    max_header_count: int = 100
    max_header_bytes: int = 65536

    def __post_init__(self) -> None:
        for name, kinds in (
            ("timeout", (int, float)),
            ("max_request_line", int),
            ("max_header_count", int),
            ("max_header_bytes", int),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, kinds) or not 0 < value < _INF:
                kind = "finite number" if name == "timeout" else "integer"
                raise ServerLimitsError(
                    f"ServerLimits.{name} must be a positive {kind}, got {value!r}"
                )


class _SocketInput(io.RawIOBase):
    """The socket's input, read against the request's deadline.

    Before the app runs a late read ends the stream (``expired`` tells the
    handler to answer 408); while the app runs it raises ``RequestTimeoutError``,
    which the app answers 408 (an end of stream would pass a truncated chunked
    body as whole); once the answer has started the stream is at its end, so
    nothing more of the request is read.
    """

    HEAD, BODY, DONE = range(3)

    def __init__(self, sock: socket.socket, io_timeout: float) -> None:
        super().__init__()
        self._sock = sock
        self._io_timeout = io_timeout
        self._deadline = 0.0
        self.timeout = io_timeout
        self.mode = self.HEAD
        self.expired = False

    def begin(self, timeout: float) -> None:
        """Start a request: it must arrive within ``timeout`` seconds from now."""
        self.timeout = timeout
        self._deadline = time.monotonic() + timeout
        self.mode = self.HEAD
        self.expired = False

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        if self.mode == self.DONE:
            return 0
        n = 0
        if not self.expired:
            sock = self._sock
            sock.settimeout(max(self._deadline - time.monotonic(), _LATE_READ_SECONDS))
            try:
                n = sock.recv_into(buf)
            except TimeoutError:
                self.expired = True
            finally:
                sock.settimeout(self._io_timeout)
        if self.expired and self.mode == self.BODY:
            raise RequestTimeoutError(
                f"request body not received within {self.timeout:g} seconds"
            )
        return n


class ChunkedInput(io.RawIOBase):
    """A ``Transfer-Encoding: chunked`` request body; broken framing raises ``ChunkedBodyError``.

    Chunk extensions are ignored, trailer fields are read and dropped (bounded
    like the header block). ``readinto`` fills ``buf`` across chunks, so one
    ``read(n)`` returns ``n`` bytes unless the body ends first.
    """

    def __init__(self, rfile: Any, limits: ServerLimits) -> None:
        super().__init__()
        self._rfile = rfile
        self._limits = limits
        self._left = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        view = memoryview(buf).cast("B")
        filled = 0
        while not self._done and filled < len(view):
            if self._left == 0:
                self._left = self._chunk_size()
                if self._left == 0:
                    self._skip_trailers()
                    self._done = True
                    break
            data = self._rfile.read(min(self._left, len(view) - filled))
            if not data:
                raise ChunkedBodyError("chunked request body ended inside a chunk")
            view[filled:filled + len(data)] = data
            filled += len(data)
            self._left -= len(data)
            if self._left == 0 and self._rfile.readline(3) not in (b"\r\n", b"\n"):
                raise ChunkedBodyError("a chunk of the request body does not end with CRLF")
        return filled

    def _chunk_size(self) -> int:
        line = self._rfile.readline(MAX_CHUNK_LINE + 1)
        if not line.endswith(b"\n"):
            raise ChunkedBodyError(
                "chunked request body ended or has a chunk-size line over "
                f"{MAX_CHUNK_LINE} bytes"
            )
        size = line.split(b";", 1)[0].strip(b" \t\r\n")
        if not _CHUNK_SIZE.fullmatch(size):
            raise ChunkedBodyError(
                "chunked request body has an invalid chunk size (1 to 16 hex digits expected)"
            )
        return int(size, 16)

    def _skip_trailers(self) -> None:
        limits = self._limits
        total = 0
        for _ in range(limits.max_header_count + 1):
            line = self._rfile.readline(limits.max_header_bytes + 1)
            total += len(line)
            if total > limits.max_header_bytes or not line.endswith(b"\n"):
                break
            if line in (b"\r\n", b"\n"):
                return
        raise ChunkedBodyError("chunked request body has a missing or oversized trailer section")


class _Refused(Exception):
    """A request the server answers itself with ``status``; raised while parsing."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ClinkRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler with clink's limits, timeouts and JSON errors.

    ``limits`` is set on the subclass ``handler_class`` makes. The request line
    and headers are read here, not by ``http.server`` (whose limits are fixed
    module constants), so every bound is one of ``limits``.
    """

    limits = ServerLimits()
    timeout = limits.timeout
    protocol_version = "HTTP/1.1"
    _content_length: str | None = None
    _chunked = False

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self._input = _SocketInput(self.connection, self.limits.timeout)
        self.rfile = io.BufferedReader(self._input)

    def handle_one_request(self) -> None:
        """Read, check and answer one request; the connection closes after it."""
        self.close_connection = True
        self.command = None  # type: ignore[assignment]
        self.request_version = "HTTP/1.0"
        self.requestline = ""
        self._input.begin(self.limits.timeout)
        try:
            try:
                if not self._read_request():
                    return
            except _Refused as e:
                self.send_error(e.status, e.message)
                return
            self._input.mode = _SocketInput.BODY
            getattr(self, f"do_{self.command}")()
            self.wfile.flush()
        except TimeoutError as e:
            self.log_error("answer not taken within the timeout: %r", e)

    def _read_request(self) -> bool:
        """Parse the request line and headers; False when no request arrived."""
        limits = self.limits
        line = self.rfile.readline(limits.max_request_line + 1)
        self.raw_requestline = line
        if len(line) > limits.max_request_line:
            self.requestline = line[:60].decode("latin-1") + "..."
            raise _Refused(414, f"request line is longer than {limits.max_request_line} bytes")
        if not line:
            return False  # closed, or nothing sent within the timeout: no answer
        self.requestline = line.decode("latin-1").rstrip("\r\n")
        self._check_deadline()
        self._parse_request_line(self.requestline)
        self.headers = self._read_headers()
        self._check_framing()
        return True

    def _check_deadline(self) -> None:
        if self._input.expired:
            raise _Refused(408, f"request not received within {self.limits.timeout:g} seconds")

    def _parse_request_line(self, text: str) -> None:
        words = text.split()
        if len(words) != 3:
            raise _Refused(400, "request line must be 'METHOD TARGET HTTP/1.1'")
        method, target, version = words
        if not _TOKEN.fullmatch(method.encode("latin-1")):
            raise _Refused(400, "request method is not a valid token")
        found = _VERSION.fullmatch(version)
        if found is None:
            raise _Refused(400, f"request line has no valid HTTP version: {version[:20]!r}")
        if found.group(1) != "1":
            raise _Refused(505, f"{version} is not supported; send HTTP/1.1")
        if not target.isascii() or not target.isprintable():
            # RFC 9112 §3.2: the target is URI characters; other bytes are percent-encoded.
            raise _Refused(
                400, "request target holds bytes that are not printable ASCII; percent-encode them"
            )
        self.command, self.request_version = method, version
        # As http.server does (gh-87389): '//x' would read as a host to some clients.
        self.path = "/" + target.lstrip("/") if target.startswith("//") else target

    def _read_headers(self) -> Message:
        limits = self.limits
        headers = self.MessageClass()
        total = 0
        while True:
            line = self.rfile.readline(limits.max_header_bytes - total + 1)
            total += len(line)
            if total > limits.max_header_bytes:
                raise _Refused(
                    431, f"request headers are larger than {limits.max_header_bytes} bytes"
                )
            self._check_deadline()
            if line in (b"\r\n", b"\n"):
                return headers  # type: ignore[no-any-return]
            if not line.endswith(b"\n"):
                raise _Refused(400, "request ended before the blank line that ends the headers")
            if len(headers) == limits.max_header_count:
                raise _Refused(
                    431, f"request has more than {limits.max_header_count} header fields"
                )
            if line[:1] in (b" ", b"\t"):
                raise _Refused(400, "obsolete header line folding is not accepted (RFC 9112)")
            content = line.rstrip(b"\r\n")
            if not _HEADER_NAME.match(content) or b"\r" in content or b"\0" in content:
                raise _Refused(400, "malformed header line: expected 'Name: value'")
            name, _, value = content.decode("latin-1").partition(":")
            headers[name] = value.strip(" \t")

    def _check_framing(self) -> None:
        """Refuse ambiguous body framing (RFC 9112 §6.1, §6.3) before the app runs."""
        lengths = self.headers.get_all("Content-Length") or []
        codings = self.headers.get_all("Transfer-Encoding") or []
        self._content_length = None
        self._chunked = False
        if codings:
            if lengths:
                raise _Refused(
                    400, "Content-Length and Transfer-Encoding together are refused; send one"
                )
            if self.request_version == "HTTP/1.0":
                raise _Refused(400, "Transfer-Encoding is not allowed in an HTTP/1.0 request")
            names = [c.strip().lower() for v in codings for c in v.split(",") if c.strip()]
            if not names or names[-1] != "chunked":
                raise _Refused(400, "Transfer-Encoding must end with chunked")
            if names != ["chunked"]:
                raise _Refused(501, "only Transfer-Encoding: chunked is supported")
            self._chunked = True
        if lengths:
            values = {part.strip() for v in lengths for part in v.split(",")}
            if len(values) > 1:
                raise _Refused(
                    400, "Content-Length is sent more than once with different values"
                )
            self._content_length = values.pop()

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        if self._content_length is not None:
            environ["CONTENT_LENGTH"] = self._content_length
        if self._chunked:
            environ["wsgi.input"] = ChunkedInput(self.rfile, self.limits)
            environ["wsgi.input_terminated"] = True
        return environ

    def send_response(self, code: int, message: str | None = None) -> None:
        if code >= 200:
            # The answer has started: nothing more of this request is read.
            self._input.mode = _SocketInput.DONE
        if message is None and code in STATUS_LINES:
            message = STATUS_LINES[code].partition(" ")[2]
        super().send_response(code, message)

    def send_error(
        self, code: int, message: str | None = None, explain: str | None = None
    ) -> None:
        """Answer ``code`` with clink's JSON error body and close the connection."""
        if code not in STATUS_LINES:
            code = 500
        text = explain or message or STATUS_LINES[code].partition(" ")[2]
        self.log_error("code %d, message %s", code, text)
        body = dumps(error_body(code, text))
        self.close_connection = True
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def finish(self) -> None:
        super().finish()
        self._linger()

    def _linger(self) -> None:
        """Send FIN, then drop the client's input a short while before the socket closes.

        Closing with unread input makes the kernel send a reset, which can destroy
        the answer before the client reads it (e.g. a 413 to a client still sending).
        """
        sock = self.connection
        try:
            sock.shutdown(socket.SHUT_WR)
            end = time.monotonic() + min(LINGER_SECONDS, self.limits.timeout)
            while (left := end - time.monotonic()) > 0:
                sock.settimeout(min(left, LINGER_IDLE_SECONDS))
                if not sock.recv(65536):
                    return
        except OSError:
            return


def handler_class(limits: ServerLimits | None = None) -> type[ClinkRequestHandler]:
    """A ``ClinkRequestHandler`` subclass that applies ``limits``."""
    limits = limits or ServerLimits()
    attrs = {"limits": limits, "timeout": limits.timeout}
    return type("ClinkRequestHandler", (ClinkRequestHandler,), attrs)


def make_server(
    host: str, port: int, app: Any, limits: ServerLimits | None = None
) -> BaseWSGIServer:
    """A threaded server of ``app`` on ``host:port`` (0: any free port), not yet serving."""
    return werkzeug_make_server(
        host, port, app, threaded=True, request_handler=handler_class(limits)
    )


def run(
    host: str, port: int, app: Any, limits: ServerLimits | None = None, *, reload: bool = False
) -> None:
    """Serve ``app`` until interrupted; ``reload`` restarts when a source file changes."""
    from werkzeug.serving import run_simple

    run_simple(
        host, port, app, use_reloader=reload, reloader_type="stat", threaded=True,
        request_handler=handler_class(limits),
    )


__all__ = [
    "LINGER_SECONDS",
    "ChunkedBodyError",
    "ChunkedInput",
    "ClinkRequestHandler",
    "RequestTimeoutError",
    "ServerLimits",
    "ServerLimitsError",
    "handler_class",
    "make_server",
    "run",
]
