"""The log handlers: a request line per request, an error line per error.

How a request is logged
-----------------------
- **Level 1, ``ReqLogHandler``** (``tryfirst``): gives the request its id —
  the incoming ``X-Request-Id`` when valid, else a new one (``reqid``) — as
  ``req.context.request_id``, for controllers and later handlers (and as
  ``req.context.clink_log_id``, ``CHECKED``, for levels 5 and 8), adds the
  ``X-Request-Id`` response field (``res.fields``, unchecked: the id is valid
  by construction, and a field added here survives the error path), and sets
  the context variable ``reqid.REQUEST_ID`` (``clink_log.request_id()``, the
  ``logging`` filter) to it. The variable is not reset after the request: the
  next request of the thread or task sets its own here (or at level 7).
- **Level 7, ``ErrIdHandler``** (``tryfirst``, error path only): when level 1
  did not run for this request (level 0 refused it: a bad path, a body over
  the limit), gives it an id and its field there, so error handlers, the
  response and the log lines have one.
- **Level 5, ``ResLogHandler``** (``trylast``): level 5 runs on both paths —
  after the controller on the normal path, and after level 7 on the error
  path — so by then the status is known. It queues the request record (end
  time, ``req.start``, id, remote address, method, path, query, status), and
  drops an ``X-Request-Id`` a controller put in ``res.header``: the response
  carries the checked id, once.
- **Level 8, ``ErrorLogHandler``** (replaces the kernel's): the error line (time,
  id, method, path, status, exception type and message; the traceback when the
  status is 5xx). Level 8 runs after level 5, so the status is final; the id
  is the one the response carries.

The logged id is the one level 1 checked, read back from ``CHECKED`` (not
from the context variable, which an app called inside the request may have
set): a controller that assigns ``req.context.request_id`` changes neither the
header nor the log. Being ``trylast``, ``ResLogHandler`` runs after the other
level-5 handlers (converters, CORS). One case sees it twice: when a step after
it fails (the sending level refuses the response, e.g. a dict body with no
converter), the error path runs level 5 again, so the request gets a second
line with the status actually sent (500) and the same id; the last line of an
id is the final one.

What is never logged: request headers (so no ``Authorization`` and no cookies;
only ``X-Request-Id`` is read), bodies, and the values of query arguments whose
names look secret (``line.SECRET_NAMES``): those become ``[redacted]``.

Cost: the request's own thread only collects values into a tuple (a record)
and appends it to the log's queue; the duration comes from ``req.start`` (the
kernel's one clock read at arrival) and one more clock read here. The
``clink-log-writer`` thread formats and writes queued records in batches
(``writer``). Line formats (``LogConf.format``): see the README; both are one
line per event, ASCII only, written whole.
"""

from __future__ import annotations

import traceback
from time import perf_counter, time
from typing import Any

from clink_core import AppConf, Service, stamp
from clink_core.plugin import ILv1Handler, ILv5Handler, ILv7Handler, ILv8Handler

from .conf import LogConf
from .line import dropped_renderer, error_renderer, request_renderer, secret_pattern
from .prepare import check_not_a_stream, open_logs, open_streams
from .reqid import ENV_KEY, HEADER, REQUEST_ID, id_from_env, id_pool, is_valid, new_id
from .writer import LogWriter

#: longest exception message written; longer ones are cut and marked.
MAX_MESSAGE = 2000

_set_id = REQUEST_ID.set
_pop_id = id_pool.pop


@stamp(AppConf, LogConf)
class LogSv(Service):
    """The app's two logs: ``request.log`` and ``error.log`` in ``directory``, or both
    on the stream ``stream`` (``"stdout"``/``"stderr"``; ``directory`` is then ``None``).

    Creating it (at ``App.load()``) creates the directory and opens both files,
    or raises ``LogDirError``. ``flush()`` writes queued lines now; ``close()``
    also closes the files. ``dropped`` counts the records dropped so far.
    """

    def __init__(self, app_conf: AppConf, conf: LogConf) -> None:
        self.conf = conf
        self.stream = conf.stream
        fmt = conf.format
        if conf.stream is None:
            if conf.directory is not None:
                check_not_a_stream(conf.directory)  # before abspath() makes "-" a path
            self.directory: str | None = conf.directory_for(app_conf)
            tags: tuple[str | None, str | None] = (None, None)
        else:
            self.directory = None
            tags = ("request", "error")  # one stream carries both logs: each line says which
        renders = (
            request_renderer(fmt, secret_pattern(conf.redact), tags[0]),
            error_renderer(fmt, tags[1]),
        )
        logs: tuple[LogWriter, LogWriter]
        if self.directory is not None:
            logs = open_logs(
                self.directory, conf.flush_interval, default=conf.directory is None,
                renders=renders, max_pending=conf.max_pending,
            )
        else:
            assert conf.stream is not None
            logs = open_streams(conf.stream, conf.flush_interval, renders, conf.max_pending)
        self.request_log, self.error_log = logs
        self.request_log.render_dropped = dropped_renderer(fmt, tags[0])
        self.error_log.render_dropped = dropped_renderer(fmt, tags[1])

    @property
    def dropped(self) -> int:
        """Records of both logs dropped so far (queue full, or a failed write)."""
        return self.request_log.dropped + self.error_log.dropped

    def flush(self) -> None:
        """Write every queued line of both logs now."""
        self.request_log.flush()
        self.error_log.flush()

    def close(self) -> None:
        """Flush and close both logs."""
        self.request_log.close()
        self.error_log.close()


#: the ``req.context`` attribute holding the id level 1 checked: what level 5 sends and
#: logs (a controller assigning ``req.context.request_id`` changes neither).
CHECKED = "clink_log_id"


def _start(req: Any, res: Any) -> None:
    rid = req.env.get(ENV_KEY)
    # PERF: ids come from a counter (new_id inlined: a pop from its pool); the
    # regex runs only on incoming ids.
    if rid is None:
        try:
            rid = _pop_id()
        except IndexError:
            rid = new_id()
    elif not is_valid(rid):
        rid = new_id()
    context = req.context
    context.request_id = rid
    context.clink_log_id = rid  # CHECKED
    # PERF: the id is valid by construction (a counter's, or one the regex passed): the
    # field goes in ``res.fields``, sent without the sending level's check of
    # ``res.header`` (~3k instructions less); added here, once per request, it stays on
    # the error path.
    res.fields = [*res.fields, (HEADER, rid)]
    # PERF: set here and never reset: the next request of this thread or task sets its
    # own at level 1 (a reset at level 5 cost a second set, ~2.5k instructions).
    _set_id(rid)


class ReqLogHandler(ILv1Handler):
    """Level 1: the request id, as ``req.context.request_id`` and ``request_id()``."""

    tryfirst = True
    # PERF: a plain function: no bound method, no attribute look-ups on self.
    handle = staticmethod(_start)


def _checked_id(req: Any, res: Any) -> str:
    """The id of ``req``: level 1's, or when level 1 never ran (level 0 refused the
    request) a new one, from a valid ``X-Request-Id``, set and sent as level 1 does."""
    context = req.context
    rid = context.get(CHECKED)
    if rid is None:
        rid = context.request_id = context.clink_log_id = id_from_env(getattr(req, "env", None))
        res.fields = [*res.fields, (HEADER, rid)]
        _set_id(rid)
    return rid  # type: ignore[no-any-return]


class ErrIdHandler(ILv7Handler):
    """Level 7, first (error path only): an id for a request level 1 never saw."""

    tryfirst = True

    def handle(self, req: Any, res: Any, e: BaseException) -> None:
        # Level 1 did not run: the variable holds an earlier request's id, or None.
        if CHECKED not in req.context:
            _checked_id(req, res)


def _method_path(req: Any) -> tuple[str, str]:
    """Method and path, also for a request level 0 rejected half-way."""
    env = getattr(req, "env", None) or {}
    method = getattr(req, "method", None) or env.get("REQUEST_METHOD") or "-"
    path = getattr(req, "path", None) or env.get("PATH_INFO") or "/"
    return method, path


@stamp(LogSv)
class ResLogHandler(ILv5Handler):
    """Level 5, last: the request record (and one ``X-Request-Id``: level 1's)."""

    trylast = True

    def __init__(self, log: LogSv) -> None:
        request_log = log.request_log
        # PERF: LogWriter.write inlined into a closure over locals: append to the
        # queue (never replaced) while it is short of ``limit``, else let ``full()``
        # decide (wake the writer thread, or drop and count). Nothing is formatted here.
        queue = request_log.queue
        append = queue.append
        limit = request_log.limit
        full = request_log.full
        query = log.conf.query
        clock = perf_counter
        header_name = HEADER

        def handle(req: Any, res: Any) -> None:
            # PERF: the id level 1 (or 7) checked and sent, from ``req.context`` (made by
            # then); the context variable is not read: a nested app's request may have set it.
            try:
                rid = req.context.clink_log_id
            except AttributeError:  # neither level 1 nor 7 ran (a handler before them failed)
                rid = _checked_id(req, res)
            header = res.header
            if header and header_name in header:
                del header[header_name]  # the id sent is the checked one, once
            env = req.env
            # PERF: start, method and path are slots the kernel and level 0 set first;
            # the except branch covers a request level 0 refused before setting them.
            try:
                record = (
                    clock(), req.start, rid, env.get("REMOTE_ADDR"), req.method, req.path,
                    env.get("QUERY_STRING") if query else None, res.status,
                )
            except AttributeError:
                method, path = _method_path(req)
                record = (
                    clock(), getattr(req, "start", None), rid, env.get("REMOTE_ADDR"),
                    method, path, env.get("QUERY_STRING") if query else None, res.status,
                )
            if len(queue) < limit:
                append(record)
            else:
                full(record)

        self.handle = handle


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
        rid = _checked_id(req, res)  # the one sent
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
HANDLERS = (ReqLogHandler, ErrIdHandler, ResLogHandler, ErrorLogHandler)

__all__ = ["HANDLERS", "ErrIdHandler", "ErrorLogHandler", "LogSv", "ReqLogHandler", "ResLogHandler"]
