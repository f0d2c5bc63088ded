"""Streamed bodies, file downloads (ranges, validators, a root) and server-sent events."""

import tempfile
from itertools import count
from pathlib import Path

from clink_core import App, AppConf, Controller, Request, Response, mapper
from clink_core.http import Event
from clink_core.testing import Client

REPORTS = Path(tempfile.mkdtemp()) / "reports"
REPORTS.mkdir()
ROWS = "".join(f"{month},{month * 10}\n" for month in range(1, 13))
(REPORTS / "2026.csv").write_text("month,books\n" + ROWS)


@mapper.path("/export")
class ExportCtl(Controller):
    @mapper.get("/books.csv")
    def books(self, req: Request, res: Response) -> None:
        res.content_type = "text/csv"
        # A generator: sent as it is produced (chunked), never held whole in memory.
        res.body = (f"{n},book {n}\n" for n in range(1, 1001))

    @mapper.get("/report")
    def report(self, req: Request, res: Response) -> None:
        # A path from the client stays inside REPORTS: "..", absolute paths and
        # symbolic links leading out are a 404, like a missing file.
        res.send_file(req.args["name"], root=REPORTS, download_name=req.args["name"])

    @mapper.get("/ticks")
    def ticks(self, req: Request, res: Response) -> None:
        def events():
            for n in count(1):
                if n > 3:
                    return
                yield Event({"n": n}, event="tick", id=str(n))  # dicts go out as JSON

        res.send_events(events(), retry=2000)


app = App(AppConf("exports"))
app.add_ctl(ExportCtl)
client = Client(app)

res = client.get("/export/books.csv")
assert res.header("Content-Length") is None and res.text.count("\n") == 1000

res = client.get("/export/report", query={"name": "2026.csv"})
assert res.content_type == "text/csv" and res.text.startswith("month,books")
assert res.header("Content-Disposition") == 'attachment; filename="2026.csv"'
etag, size = res.header("ETag"), int(res.header("Content-Length"))

again = client.get("/export/report", query={"name": "2026.csv"}, headers={"If-None-Match": etag})
assert again.status == 304 and again.data == b""  # the client's copy is current
part = client.get("/export/report", query={"name": "2026.csv"}, headers={"Range": "bytes=0-10"})
assert part.status == 206 and part.text == "month,books"
assert part.header("Content-Range") == f"bytes 0-10/{size}"
assert client.get("/export/report", query={"name": "2026.csv"},
                  headers={"Range": f"bytes={size}-"}).status == 416
assert client.get("/export/report", query={"name": "../../etc/passwd"}).status == 404

res = client.get("/export/ticks")
assert res.content_type == "text/event-stream"
assert res.text.startswith("retry: 2000\n\nevent: tick\nid: 1\ndata: {\"n\":1}\n\n")
print("streaming: ok")
