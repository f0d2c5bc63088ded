"""The app test_smtp_drain.py serves with gunicorn: ``POST /mail/queue?n=N`` queues N mails
(``SmtpSv.send_later``) and answers 202 at once; the mail goes to ``CLINK_SMTP_*``.

    CLINK_SMTP_HOST=127.0.0.1 CLINK_SMTP_PORT=... CLINK_SMTP_SENDER=app@example.com \\
    CLINK_SMTP_SECURITY=none gunicorn --pythonpath tests/plugins/clink_smtp \\
        smtp_queue_app:application
"""

from __future__ import annotations

from typing import Any

from clink_core import App, AppConf, Controller, mapper, stamp
from clink_smtp import SmtpSv


@stamp(SmtpSv)
@mapper.path("/mail")
class QueueCtl(Controller):
    def __init__(self, smtp_sv: SmtpSv) -> None:
        self.smtp_sv = smtp_sv

    @mapper.post("/queue")
    def queue(self, req: Any, res: Any) -> None:
        n = int(req.args.get("n", "1"))
        for i in range(n):
            self.smtp_sv.send_later(f"user{i}@example.org", f"Welcome {i}", "Your code: 1234")
        res.status = 202
        res.body = {"queued": n}


def make_app() -> App:
    app = App(AppConf("drain-test"), plugins=["smtp"], entrypoints=False)
    app.add_ctl(QueueCtl)
    app.load()
    return app


application = make_app()
