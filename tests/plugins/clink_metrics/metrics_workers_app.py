"""The app test_metrics_workers.py serves with gunicorn: clink-metrics configured from
``CLINK_METRICS_*``, each answer naming the worker process that made it (``X-Worker-Pid``).

    PROMETHEUS_MULTIPROC_DIR=... gunicorn -c gunicorn_metrics.conf.py --workers 3 \\
        --pythonpath tests/plugins/clink_metrics metrics_workers_app:application
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from clink_core import App, AppConf, Controller, mapper


@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/{id:int}")
    def get_one(self, req, res):
        res.body = {"id": req.params["id"]}


def with_worker_pid(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """``app`` with an ``X-Worker-Pid`` header on every answer (read per call: after fork)."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, ("X-Worker-Pid", str(os.getpid()))],
                                  exc_info)

        return app(environ, start)

    return wsgi


def make_app() -> App:
    app = App(AppConf("metrics-workers"), plugins=["metrics"], entrypoints=False)
    app.add_ctl(BookCtl)
    app.load()
    return app


application = with_worker_pid(make_app())
