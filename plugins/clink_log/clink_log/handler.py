"""The log handlers: a request line per request, an error line per error.

How a request is logged
-----------------------
- **Level 1, ``ReqLogHandler``** (``tryfirst``): gives the request its id —
  the incoming ``X-Request-Id`` when valid, else a new one (``reqid``) — as
  ``req.request_id``, so controllers and later handlers can use it, and notes
  it with the start time (``perf_counter``) in ``req._clink_log``, which is what
  the header and the log lines use.
- **Level 5, ``ResLogHandler``** (``trylast``): level 5 runs on both paths —
  after the controller on the normal path, and after level 7 on the error
  path — so by then the status is known. It sets the ``X-Request-Id`` response
  header and queues the request line (time, id, remote address, method, path
  and query, status, duration). If level 0 failed (a bad path, a body over the
  limit), level 1 never ran: the id is made here and the duration is unknown.
- **Level 8, ``ErrorLogHandler``** (replaces the kernel's): the error line (time,
  id, method, path, status, exception type and message; the traceback when the
  status is 5xx). Level 8 runs after level 5, so the status is final.

Being ``trylast``, ``ResLogHandler`` runs after the other level-5 handlers
(converters, CORS). One case sees it twice: when a step after it fails (the
sending level refuses the response, e.g. a dict body with no converter), the
error path runs level 5 again, so the request gets a second line with the
status actually sent (500) and the same id; the last line of an id is the
final one.

What is never logged: request headers (so no ``Authorization`` and no cookies;
only ``X-Request-Id`` is read), bodies, and the values of query arguments whose
names look secret (``line.SECRET_NAMES``): those become ``[redacted]``.

Cost: the handlers only collect values into a tuple (a record) and queue it;
``line.request_renderer`` formats queued records in batches when
``writer.LogFile`` writes them — by the flusher thread about once a second, or
by the request that fills the queue. Line formats (``LogConf.format``): see the
README; both are one line per event, ASCII only, written whole.
"""

from __future__ import annotations

import traceback
from time import perf_counter, time
from typing import Any

from clink_core import AppConf, Service, stamp
from clink_core.iface import ILv1Handler, ILv5Handler, ILv8Handler

from .conf import LogConf
from .line import error_renderer, request_renderer, secret_pattern
from .prepare import open_logs
from .reqid import ENV_KEY, HEADER, is_valid, new_id, request_id

#: longest exception message written; longer ones are cut and marked.
MAX_MESSAGE = 2000


@stamp(AppConf, LogConf)
class LogSv(Service):
    """The app's two log files, ``request.log`` and ``error.log``, in ``directory``.

    Creating it (at ``App.load()``) creates the directory and opens both files,
    or raises ``LogDirError``. ``flush()`` writes queued lines now; ``close()``
    also closes the files.
    """

    def __init__(self, app_conf: AppConf, conf: LogConf) -> None:
        self.conf = conf
        self.directory = conf.directory_for(app_conf)
        self.request_log, self.error_log = open_logs(
            self.directory,
            conf.flush_interval,
            default=conf.directory is None,
            renders=(
                request_renderer(conf.format, secret_pattern(conf.redact)),
                error_renderer(conf.format),
            ),
        )

    def flush(self) -> None:
        """Write every queued line of both files now."""
        self.request_log.flush()
        self.error_log.flush()

    def close(self) -> None:
        """Flush and close both files."""
        self.request_log.close()
        self.error_log.close()


@stamp()
class ReqLogHandler(ILv1Handler):
    """Level 1: the request id (``req.request_id``) and the start time."""

    tryfirst = True

    def handle(self, req: Any, res: Any) -> None:
        rid = req.env.get(ENV_KEY)
        # PERF: ids come from a counter; the regex runs only on incoming ids.
        if rid is None or not is_valid(rid):
            rid = new_id()
        req.request_id = rid
        # The id as checked here, with the start time: what the log and the header
        # use, even if a controller reassigns req.request_id.
        req._clink_log = (rid, perf_counter())


def _request_parts(req: Any) -> tuple[str, float | None]:
    """The request id and start time; when level 1 never ran, a new id and no time."""
    try:
        return req._clink_log  # type: ignore[no-any-return]
    except AttributeError:
        rid = request_id(getattr(req, "env", None))
        req.request_id = rid
        req._clink_log = (rid, None)
        return rid, None


def _method_path(req: Any) -> tuple[str, str]:
    """Method and path, also for a request level 0 rejected half-way."""
    env = getattr(req, "env", None) or {}
    method = getattr(req, "method", None) or env.get("REQUEST_METHOD") or "-"
    path = getattr(req, "path", None) or env.get("PATH_INFO") or "/"
    return method, path


@stamp(LogSv)
class ResLogHandler(ILv5Handler):
    """Level 5, last: the ``X-Request-Id`` response header and the request record."""

    trylast = True

    def __init__(self, log: LogSv) -> None:
        request_log = log.request_log
        # PERF: LogFile.write inlined: append to its queue (never replaced), and
        # let the request that fills it write the batch.
        self._queue = request_log.queue
        self._append = request_log.queue.append
        self._limit = request_log.limit
        self._flush = request_log.flush
        self._query = log.conf.query

    def handle(self, req: Any, res: Any) -> None:
        # PERF: the common case is three attribute reads; the except branch covers
        # a request whose level 0 failed (no id, no start time, maybe no path).
        try:
            rid, start = req._clink_log
            method = req.method
            path = req.path
        except AttributeError:
            rid, start = _request_parts(req)
            method, path = _method_path(req)
        res.header[HEADER] = rid
        env = req.env
        status = res.status
        self._append((
            perf_counter(), start, rid, env.get("REMOTE_ADDR"), method, path,
            env.get("QUERY_STRING") if self._query else None,
            status if status.__class__ is int else repr(status),
        ))
        if len(self._queue) >= self._limit:
            self._flush()


def _traceback(e: BaseException) -> str:
    return "".join(traceback.format_exception(type(e), e, e.__traceback__)).rstrip("\n")


@stamp(LogSv)
class ErrorLogHandler(ILv8Handler):
    """Level 8: one error line per error (4xx and 5xx); 5xx lines carry the traceback.

    A 5xx line is written at once (with the lines queued before it); 4xx lines
    wait like request lines.
    """

    def __init__(self, log: LogSv) -> None:
        self._log = log.error_log
        self._write = log.error_log.write

    def handle(self, req: Any, res: Any, e: BaseException) -> None:
        try:
            rid = req._clink_log[0]
            method = req.method
            path = req.path
        except AttributeError:
            rid, _ = _request_parts(req)
            method, path = _method_path(req)
        status = res.status
        if status.__class__ is not int:
            status = repr(status)
        try:
            message = str(e)
        except Exception:  # a broken __str__ must not lose the line
            message = f"<unprintable {type(e).__name__}>"
        if len(message) > MAX_MESSAGE:
            message = f"{message[:MAX_MESSAGE]}... ({len(message) - MAX_MESSAGE} more characters)"
        if status.__class__ is int and status < 500:
            # PERF: 4xx (scans, bad input) are queued like request lines.
            self._write((time(), rid, method, path, status, type(e).__qualname__, message, None))
            return
        self._write((
            time(), rid, method, path, status, type(e).__qualname__, message, _traceback(e),
        ))
        self._log.flush()


#: every handler of the plugin, for ``app.add_handlers`` without the plugin module.
HANDLERS = (ReqLogHandler, ResLogHandler, ErrorLogHandler)

__all__ = ["HANDLERS", "ErrorLogHandler", "LogSv", "ReqLogHandler", "ResLogHandler"]
