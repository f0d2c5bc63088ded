"""The app ``test_reliability_servers.py`` serves with gunicorn and bjoern.

    gunicorn --pythonpath tests/e2e reliability_server_app:app
    python tests/e2e/reliability_server_app.py PORT        # bjoern on 127.0.0.1:PORT

``GET /r/ping`` names the worker process that answered; ``POST /r/size`` reads the
body and answers its size (a short body is the kernel's 400); ``GET /r/big`` answers
8 MB at once and ``GET /r/stream`` 16 MB in 64 KB chunks, for clients that go away
in the middle of a response.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

from clink_core import App, AppConf, Controller, mapper

CHUNK = b"x" * 65536
BIG = CHUNK * 128
#: chunks of ``GET /r/stream``.
CHUNKS = 256
STREAMED = len(CHUNK) * CHUNKS


@mapper.path("/r")
class ReliabilityCtl(Controller):
    @mapper.get("/ping")
    def ping(self, req: Any, res: Any) -> None:
        res.body = {"pid": os.getpid()}

    @mapper.post("/size", "application/octet-stream")
    def size(self, req: Any, res: Any) -> None:
        res.body = {"size": len(req.body or b"")}

    @mapper.get("/big")
    def big(self, req: Any, res: Any) -> None:
        res.content_type = "application/octet-stream"
        res.body = BIG

    @mapper.get("/stream")
    def stream(self, req: Any, res: Any) -> None:
        def chunks() -> Iterator[bytes]:
            for _ in range(CHUNKS):
                yield CHUNK

        res.content_type = "application/octet-stream"
        res.body = chunks()


def make_app() -> App:
    app = App(AppConf("reliability", max_body=4 * 1024 * 1024), entrypoints=False)
    app.add_ctl(ReliabilityCtl)
    app.load()
    return app


app = make_app()

if __name__ == "__main__":
    import bjoern

    print(f"bjoern serving on 127.0.0.1:{sys.argv[1]} (pid {os.getpid()})", flush=True)
    bjoern.run(app, "127.0.0.1", int(sys.argv[1]))
