"""What test_scale.py serves with gunicorn: docs/examples/deploy_wsgi.py's app (the demo
with metrics and health), each answer naming the worker process that made it
(``X-Worker-Pid``), so a test can tell which worker of which instance answered.

    gunicorn --config docs/examples/deploy_gunicorn_conf.py \\
        --pythonpath docs/examples,tests/e2e scale_app:application
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import deploy_wsgi

PID_HEADER = "X-Worker-Pid"


def with_worker_pid(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """``app`` with an ``X-Worker-Pid`` header on every answer (read per call: after fork)."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, (PID_HEADER, str(os.getpid()))], exc_info)

        return app(environ, start)

    return wsgi


application = with_worker_pid(deploy_wsgi.application)
