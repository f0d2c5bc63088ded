"""Run the book API for development: ``python examples/book_api/run.py`` (``nox -s demo``).

What is not configured is provided locally:

- no ``CLINK_MONGO_URL``: an embedded MongoDB-compatible server (SecantusDB, from
  ``clink-mongo[embedded]``) with its data in ``<data>/mongo``. If it dies while
  the demo runs, the launcher says so and restarts it on the same port and data;
  meanwhile the API answers 503 at once, and it serves again by itself;
- no ``CLINK_SMTP_HOST``: the console outbox, so every mail (the registration
  code too) is printed here;
- no ``CLINK_AUTH_JWT_KEY`` / ``CLINK_AUTH_ROOT_PWD``: development values, generated
  once and kept in ``<data>/dev-secrets.json`` (the root password is printed);
- no ``CLINK_LOG_DIR``: logs in ``<data>/logs``.

``<data>`` is ``CLINK_DEMO_DATA`` (default: ``.clink-data`` in the current
directory). The API listens on http://127.0.0.1:8080 (``PORT`` overrides), on
clink's WSGI development server, or with ``CLINK_DEMO_SERVER=asgi`` the same app
over ASGI under uvicorn.
Ctrl-C or SIGTERM stops the server, then the outbox and the database.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import signal
import socket
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from app import create_app

from clink_core.cli.serve import make_server
from clink_mongo import MongoSv
from clink_mongo.embedded import EmbeddedMongo
from clink_smtp.outbox import Outbox

HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_ROOT_EMAIL = "root@example.com"


def _stop(signum: int, frame: FrameType | None) -> None:
    """SIGTERM: leave the same way as Ctrl-C."""
    raise KeyboardInterrupt


def dev_secrets(data: Path) -> dict[str, str]:
    """A JWT key and a root password for development, made once and kept in ``data``.

    They are kept because the root account is created only once: a new password
    on every start would not match the stored one.
    """
    path = data / "dev-secrets.json"
    with contextlib.suppress(OSError, ValueError):
        kept = json.loads(path.read_text("utf-8"))
        if isinstance(kept, dict) and {"jwt_key", "root_pwd"} <= kept.keys():
            return kept
    made = {"jwt_key": secrets.token_urlsafe(64), "root_pwd": secrets.token_urlsafe(12)}
    data.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(made, f)
    return made


def _say(text: str) -> None:
    print(text, flush=True)


def main() -> int:
    """Start what is missing, serve until Ctrl-C or SIGTERM, stop everything."""
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignoring it
    env = os.environ
    data = Path(env.get("CLINK_DEMO_DATA") or ".clink-data").absolute()
    port = int(env.get("PORT") or DEFAULT_PORT)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # requests go to request.log
    lines: list[str] = []
    mongo: EmbeddedMongo | None = None
    with contextlib.ExitStack() as stack:
        try:
            mongo_url = env.get("CLINK_MONGO_URL")
            if mongo_url:
                lines.append(f"database  {env.get('CLINK_MONGO_DB') or 'book_api'} at "
                             "CLINK_MONGO_URL")
            else:
                mongo = EmbeddedMongo(data / "mongo")
                _say(f"starting the embedded MongoDB-compatible server ({data / 'mongo'}) ...")
                mongo_url = mongo.start()
                stack.callback(mongo.stop)  # also ends the supervision
                mongo.supervise(lambda line: _say(f"book-api: {line}"))
                lines.append(f"database  embedded SecantusDB at {mongo_url}, "
                             f"data in {data / 'mongo'}")

            generated_pwd = not env.get("CLINK_AUTH_ROOT_PWD")
            if generated_pwd or not env.get("CLINK_AUTH_JWT_KEY"):
                kept = dev_secrets(data)
                if generated_pwd:
                    env["CLINK_AUTH_ROOT_PWD"] = kept["root_pwd"]
                if not env.get("CLINK_AUTH_JWT_KEY"):
                    env["CLINK_AUTH_JWT_KEY"] = kept["jwt_key"]
            env.setdefault("CLINK_AUTH_ROOT_EMAIL", DEFAULT_ROOT_EMAIL)
            env.setdefault("CLINK_LOG_DIR", str(data / "logs"))
            # Development: a front-end on any local origin may call the demo. clink-cors
            # itself allows no origin until one is configured.
            env.setdefault("CLINK_CORS_ORIGINS", "*")

            smtp_conf: Any = None
            if env.get("CLINK_SMTP_HOST"):
                env.setdefault("CLINK_AUTH_ROOT_EMAIL_SERVER", env["CLINK_SMTP_HOST"])
                lines.append(f"mail      sent through {env['CLINK_SMTP_HOST']} (CLINK_SMTP_*)")
            else:
                box = Outbox(HOST, port=None)  # a free port
                box.start()
                stack.callback(box.stop)
                smtp_conf = box.smtp_conf(env["CLINK_AUTH_ROOT_EMAIL"])
                env.setdefault("CLINK_AUTH_ROOT_EMAIL_SERVER", HOST)
                lines.append(f"mail      console outbox on {HOST}:{box.port}: "
                             "every mail is printed below")

            app = create_app(mongo_url, smtp_conf)
            stack.callback(app.injector.ref(MongoSv).close)
            asgi = env.get("CLINK_DEMO_SERVER", "wsgi").strip().lower() == "asgi"
            httpd: Any = None
            try:
                if asgi:  # the same app over ASGI, under uvicorn (clink-core[asgi])
                    import uvicorn

                    listening = socket.create_server((HOST, port))  # bound before the banner
                    httpd = uvicorn.Server(uvicorn.Config(
                        app.asgi, log_level="warning", lifespan="on"))
                    lines.append("server    uvicorn, ASGI (CLINK_DEMO_SERVER=asgi)")
                else:
                    httpd = make_server(HOST, port, app)
            except OSError as e:
                print(f"book-api: cannot listen on {HOST}:{port}: {e} (set PORT)",
                      file=sys.stderr, flush=True)
                return 1
            base = f"http://{HOST}:{port}"
            lines[:0] = [
                f"API       {base}/book/list",
                f"docs      {base}/docs  (OpenAPI document: {base}/openapi.json)",
            ]
            lines.append(f"logs      {env['CLINK_LOG_DIR']} (request.log, error.log)")
            if generated_pwd:
                lines.append(f"root      user root, password {kept['root_pwd']} "
                             f"(development only; kept in {data / 'dev-secrets.json'})")
            else:
                lines.append("root      user root, password from CLINK_AUTH_ROOT_PWD")
            _say("book-api is running\n  " + "\n  ".join(lines) + "\nCtrl-C stops it.")
            if asgi:
                httpd.run(sockets=[listening])  # uvicorn stops on SIGINT/SIGTERM by itself
            else:
                httpd.serve_forever()  # returns on KeyboardInterrupt, the socket closed
        except KeyboardInterrupt:
            pass
        finally:
            # Stop in order even if Ctrl-C is pressed again (nox forwards one too).
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            if mongo is not None:  # Ctrl-C stops the database too: no restart now
                mongo.stop_supervising()
            _say("book-api: stopping ...")
    _say("book-api: stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
