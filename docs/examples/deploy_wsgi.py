"""The WSGI module a deployment serves: the demo book API, with metrics and health checks.

    gunicorn --config docs/examples/deploy_gunicorn_conf.py deploy_wsgi:application

Everything comes from the environment (``CLINK_MONGO_URL``, ``CLINK_AUTH_*``,
``CLINK_SMTP_*``, ``CLINK_LOG_*``, ``CLINK_METRICS_*``; docs/deploying.md lists them),
so the same image runs on every host. Each gunicorn worker imports this module and
loads its own app (no ``--preload``: a MongoClient must be made after the fork).
tests/e2e/test_scale.py serves exactly this module with two gunicorn instances.

Run as a script, it checks itself against an in-memory SecantusDB and the console
outbox: ``python docs/examples/deploy_wsgi.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# The demo's modules (examples/book_api: app.py, books.py). In an image they are on
# PYTHONPATH (deploy_Dockerfile); from a checkout this finds them.
_DEMO = Path(__file__).resolve().parent.parent.parent / "examples" / "book_api"
if _DEMO.is_dir():
    sys.path.insert(0, str(_DEMO))

from app import DB_NAME, PLUGINS, app_conf, ensure_admin  # noqa: E402
from books import BookCtl  # noqa: E402

from clink_auth import AccSv, AuthConf  # noqa: E402
from clink_core import App  # noqa: E402
from clink_mongo import MongoConf  # noqa: E402


def build_app() -> App:
    """The demo's plugins (log, cors, auth: mongo and smtp come with auth) plus metrics,
    ``/healthz`` and ``/readyz``; configured from ``CLINK_*`` variables."""
    app = App(app_conf(), plugins=(*PLUGINS, "metrics"))
    app.add_prim(MongoConf.from_env(dbname=DB_NAME))
    app.add_prim(AuthConf.from_env())
    app.add_ctl(BookCtl)
    app.enable_health()  # GET /healthz (liveness), GET /readyz (mongo, smtp)
    app.load()
    ensure_admin(app.injector.ref(AccSv))  # idempotent: every worker may run it
    return app


if __name__ != "__main__":  # imported by the server: one app per worker process
    application = build_app()


def _self_check() -> None:
    """Build the app as a worker would, against local servers, and ask it what a load
    balancer and Prometheus ask."""
    import io
    import tempfile

    from secantus import SecantusDBServer

    from clink_core.testing import Client
    from clink_smtp.outbox import Outbox

    db = SecantusDBServer(host="127.0.0.1", port=0, storage_path=":memory:")
    db.start()
    logs = tempfile.TemporaryDirectory()
    try:
        with Outbox(port=None, out=io.StringIO()) as box:
            os.environ.update({
                "CLINK_MONGO_URL": db.uri,
                "CLINK_LOG_DIR": logs.name,
                "CLINK_AUTH_ROOT_PWD": "root-password-1",
                "CLINK_AUTH_ROOT_EMAIL": "root@example.com",
                "CLINK_AUTH_ROOT_EMAIL_SERVER": box.host,
                "CLINK_AUTH_JWT_KEY": "k" * 64,
                "CLINK_AUTH_ARGON2_MEMORY_COST": "8192",
                "CLINK_SMTP_HOST": box.host,
                "CLINK_SMTP_PORT": str(box.port),
                "CLINK_SMTP_SENDER": "noreply@example.com",
                "CLINK_SMTP_SECURITY": "none",
                "CLINK_TRUSTED_PROXIES": "10.0.0.0/8",
            })
            app = build_app()
            client = Client(app, remote_addr="10.0.0.2")  # through the proxy
            assert app.conf.proxy_header == "X-Forwarded-For"
            assert client.get("/healthz").json == {"status": "ok"}
            ready = client.get("/readyz")
            assert ready.status == 200, ready.text
            assert set(ready.json["checks"]) == {"mongo", "smtp"}, ready.json
            assert client.get("/book/list").status == 200

            def login(pwd: str, client_addr: str) -> int:
                form = {"grant_type": "password", "username": "root", "password": pwd}
                return client.post("/auth/token", data=form,
                                   headers={"X-Forwarded-For": client_addr}).status

            # the throttle counts each client behind the proxy on its own
            assert [login("wrong-pwd", "203.0.113.1") for _ in range(5)] == [400] * 5
            assert login("root-password-1", "203.0.113.1") == 429
            assert login("root-password-1", "203.0.113.2") == 200
            metrics = client.get("/metrics")
            assert metrics.status == 200
            assert 'route="/book/list"' in metrics.text
            app.close()  # what a worker does at exit: flush the logs, drain the mail
    finally:
        db.stop()
        logs.cleanup()
    print("deploy_wsgi: /healthz, /readyz (mongo, smtp), /book/list, /metrics and the "
          "throttle behind a trusted proxy answer as documented")


if __name__ == "__main__":
    _self_check()
