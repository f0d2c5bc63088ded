"""The app the stream tests run in a child process, configured by ``CLINK_LOG_*``.

A service logs through Python's ``logging`` (a handler on stdout with
``RequestIdFilter``), so each request puts two lines on the process's stdout: the
service's (``svc <request id> ...``) and clink-log's request line.

    CLINK_LOG_STREAM=stdout python stream_app.py PORT     # serve until stdin closes
    CLINK_LOG_STREAM=stdout gunicorn --pythonpath tests/plugins/clink_log stream_app:app
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from clink_core import App, AppConf, Controller, Service, mapper, stamp
from clink_log import RequestIdFilter

log = logging.getLogger("stream_app")


def _logging_to_stdout() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter("svc %(request_id)s %(process)d %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


class BookSv(Service):
    def find(self, name: str) -> dict[str, Any]:
        log.info("finding %s", name)
        return {"name": name, "pid": os.getpid()}


@stamp(BookSv)
@mapper.path("/book")
class BookCtl(Controller):
    def __init__(self, book_sv: BookSv) -> None:
        self._book_sv = book_sv

    @mapper.get("/{name}")
    def get_one(self, req: Any, res: Any) -> None:
        res.body = self._book_sv.find(req.params["name"])


def make_app() -> App:
    _logging_to_stdout()
    app = App(AppConf("stream-app"), plugins=["log"], entrypoints=False)
    app.add_com(BookSv)
    app.add_ctl(BookCtl)
    app.load()
    return app


app = make_app()

if __name__ == "__main__":
    from clink_core.testing import LiveServer

    with LiveServer(app, port=int(sys.argv[1]), asgi=False) as server:
        print(f"serving on {server.port}", file=sys.stderr, flush=True)
        sys.stdin.read()  # until the test closes our stdin
    if len(sys.argv) > 2 and sys.argv[2] == "close":
        app.close()  # clink_shutdown: the queued lines are written now, before the marker
        print("closed", flush=True)
        os._exit(0)  # no atexit: only app.close() could have written them
