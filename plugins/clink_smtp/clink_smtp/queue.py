"""The mail queue: mail sent in the background, drained within a bound when the app stops.

``SmtpSv.send_later(dest, subject, body)`` queues one mail and
``SmtpSv.submit(job, *args)`` any job that sends mail (a look-up, then a send);
two daemon threads per queue run them, so a response never waits for the mail
server. A job runs in a copy of its submitter's context variables: its log
records carry the request's id (clink-log), its spans the request's trace
(clink-otel). The queue lives in the worker's memory, so stopping the worker must
not lose it silently: ``drain()`` (called by the plugin's ``clink_shutdown`` at
``app.close()`` - a gunicorn worker's graceful stop after SIGTERM, the
interpreter's exit, the ASGI lifespan's end - and at interpreter exit for a
queue used outside an app) stops taking jobs, waits at most ``drain_timeout``
seconds for the queued and running ones, then cancels those that never
started and logs, at ERROR on the ``clink.smtp`` logger, how many jobs and
recipients were not sent and how many were still being sent. Recipients' addresses
are never logged (they are personal data); their count is.

Fork safety: a child process (gunicorn ``--preload``) starts with an empty queue
and no threads; the parent keeps and sends what it had queued.
"""

from __future__ import annotations

import atexit
import contextvars
import logging
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from .error import SmtpError, SmtpQueueClosedError, SmtpQueueFullError

logger = logging.getLogger("clink.smtp")

#: Jobs waiting at most; more are refused (a flood must not fill the memory).
MAX_QUEUED = 256
#: Threads sending per queue.
WORKERS = 2


@dataclass
class _Job:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    recipients: int
    future: Future[Any]
    context: contextvars.Context


@dataclass(frozen=True)
class DrainReport:
    """What ``drain()`` left: jobs cancelled before they started (``unsent``) and
    jobs still running when the time was up (``unfinished``), with their recipients."""

    unsent: int = 0
    unsent_recipients: int = 0
    unfinished: int = 0
    unfinished_recipients: int = 0

    @property
    def complete(self) -> bool:
        """Every queued job ran to its end."""
        return self.unsent == 0 and self.unfinished == 0


class MailQueue:
    """Jobs run by ``WORKERS`` daemon threads, started on the first job.

    ``drain_timeout``: the seconds ``drain()`` waits by default.
    ``max_queued``: the jobs that may wait; one more raises ``SmtpQueueFullError``.
    """

    def __init__(self, drain_timeout: float = 10, max_queued: int = MAX_QUEUED,
                 name: str = "clink-smtp") -> None:
        self.drain_timeout = drain_timeout
        self.max_queued = max_queued
        self.name = name
        self._reset()
        _queues.add(self)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._jobs: deque[_Job] = deque()
        self._running: list[_Job] = []
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._report: DrainReport | None = None

    # -- adding ---------------------------------------------------------------
    def submit(self, fn: Callable[..., Any], *args: Any, recipients: int = 1) -> Future[Any]:
        """Run ``fn(*args)`` on a mail thread; the future holds its result or exception.

        ``recipients``: how many people the job mails (reported if it is lost).
        The job sees the caller's context variables as they are now.
        A failure is logged (``clink.smtp``) as well as set on the future.
        Raises ``SmtpQueueFullError`` when ``max_queued`` jobs wait, and
        ``SmtpQueueClosedError`` once ``drain()`` has begun (the app is stopping).
        """
        # The caller's context variables go with the job: the request id (clink-log) on
        # its log records, the request's span (clink-otel) as its spans' parent.
        job = _Job(fn, args, recipients, Future(), contextvars.copy_context())
        with self._lock:
            if self._closed:
                raise SmtpQueueClosedError(
                    "the mail queue is closed because the app is stopping; "
                    "send the mail with SmtpSv.send instead"
                )
            if len(self._jobs) >= self.max_queued:
                raise SmtpQueueFullError(
                    f"{len(self._jobs)} mails are waiting to be sent (the most the queue "
                    "holds): try again later, or check that the mail server answers"
                )
            self._jobs.append(job)
            if len(self._threads) < min(WORKERS, len(self._jobs) + len(self._running)):
                thread = threading.Thread(
                    target=self._work, name=f"{self.name}-{len(self._threads) + 1}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
            # all: a waiter in wait_idle/drain shares the condition and must not take
            # the wake-up an idle worker needs.
            self._changed.notify_all()
        return job.future

    @property
    def pending(self) -> int:
        """Jobs queued or running."""
        with self._lock:
            return len(self._jobs) + len(self._running)

    # -- running ----------------------------------------------------------------
    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._jobs:
                    if self._closed:
                        return
                    self._changed.wait()
                job = self._jobs.popleft()
                if not job.future.set_running_or_notify_cancel():
                    continue
                self._running.append(job)
            try:
                result = job.context.run(job.fn, *job.args)
            except BaseException as e:
                logger.error("a queued mail job (%s) failed: %s: %s",
                             getattr(job.fn, "__name__", job.fn), type(e).__name__, e,
                             exc_info=not isinstance(e, SmtpError))
                job.future.set_exception(e)
            else:
                job.future.set_result(result)
            finally:
                with self._lock:
                    self._running.remove(job)
                    self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds until no job is queued or running (the queue
        stays open: for tests, and for callers that wait for their mail); whether it is."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._jobs or self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    # -- stopping -------------------------------------------------------------
    def drain(self, timeout: float | None = None) -> DrainReport:
        """Take no more jobs, wait at most ``timeout`` (default ``drain_timeout``) seconds
        for those queued and running, cancel those left unstarted, and log what was
        not sent. Once: later calls return the first report."""
        timeout = self.drain_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        with self._lock:
            if self._report is not None:
                return self._report
            self._closed = True
            self._changed.notify_all()  # idle workers end
            while self._jobs or self._running:
                left = deadline - time.monotonic()
                if left <= 0 or not self._threads:
                    break
                self._changed.wait(left)
            unsent = list(self._jobs)
            self._jobs.clear()
            running = list(self._running)
            report = self._report = DrainReport(
                len(unsent), sum(j.recipients for j in unsent),
                len(running), sum(j.recipients for j in running),
            )
        for job in unsent:
            job.future.cancel()
        if report.unsent:
            logger.error(
                "%d queued mail job(s) for %d recipient(s) were NOT sent: the app stopped "
                "and the mail queue did not drain within %g s (SmtpConf drain_timeout)",
                report.unsent, report.unsent_recipients, timeout,
            )
        if report.unfinished:
            logger.error(
                "%d mail job(s) for %d recipient(s) were still being sent when the app "
                "stopped (after %g s); whether they arrived is unknown",
                report.unfinished, report.unfinished_recipients, timeout,
            )
        return report


#: every queue, drained at exit and reset in a forked child.
_queues: weakref.WeakSet[MailQueue] = weakref.WeakSet()


@atexit.register
def _drain_all() -> None:
    for queue in list(_queues):
        queue.drain()


def _after_fork_in_child() -> None:
    for queue in list(_queues):
        queue._reset()


os.register_at_fork(after_in_child=_after_fork_in_child)
