"""The app test_auth_workers.py serves with gunicorn: clink-auth configured from ``CLINK_*``
variables, each answer naming the worker process that made it (``X-Worker-Pid``).

    gunicorn --workers 3 --pythonpath tests/plugins/clink_auth workers_app:application
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from clink_core import App, AppConf
from clink_mongo import MongoConf


def with_worker_pid(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """``app`` with an ``X-Worker-Pid`` header on every answer (read per call: after fork)."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, ("X-Worker-Pid", str(os.getpid()))],
                                  exc_info)

        return app(environ, start)

    return wsgi


def make_app() -> App:
    """The auth plugin (with mongo and smtp) on ``CLINK_MONGO_*`` and ``CLINK_AUTH_*``; the
    proxies trusted from ``CLINK_TRUSTED_PROXIES``."""
    app = App(AppConf.from_env(name="auth-workers"), plugins=["auth"])
    app.add_prim(MongoConf.from_env())
    app.load()
    return app


application = with_worker_pid(make_app())
