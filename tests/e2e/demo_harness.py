"""The demo launcher (examples/book_api/run.py) as a real process, for the e2e tests.

``DemoProcess`` starts it on a free 127.0.0.1 port with its own data folder and
with no ``CLINK_MONGO_URL`` / ``CLINK_SMTP_HOST`` / ``CLINK_AUTH_*`` in its
environment, so it starts the embedded database and the console outbox itself.
Its output is read by a thread; tests wait for lines (the banner, a mail) with
``wait_for``. ``stop()`` sends SIGINT (Ctrl-C) or SIGTERM and checks the
launcher stops its helpers; whatever happens, ``close()`` kills the process
group so no process outlives the test.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "examples" / "book_api" / "run.py"
#: Cheaper password hashing for tests that register many accounts.
FAST_ARGON2 = {
    "CLINK_AUTH_ARGON2_TIME_COST": "1",
    "CLINK_AUTH_ARGON2_MEMORY_COST": "8192",
    "CLINK_AUTH_ARGON2_PARALLELISM": "1",
}
_CODE = re.compile(r"\b[A-Z]{4}-[A-Z]{4}-[A-Z]{4}-[A-Z]{4}\b")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class DemoProcess:
    """``python examples/book_api/run.py`` on a free port, data in ``data_dir``."""

    def __init__(self, data_dir: Path, **env: str) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        clean = {
            k: v for k, v in os.environ.items()
            if not k.startswith(("CLINK_MONGO_", "CLINK_SMTP_", "CLINK_AUTH_", "CLINK_LOG_"))
        }
        self.env = {**clean, "PORT": str(self.port), "CLINK_DEMO_DATA": str(data_dir),
                    "PYTHONUNBUFFERED": "1", **env}
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self.proc: subprocess.Popen[str] | None = None
        self.root_pwd: str | None = None
        self.mongo_port: int | None = None
        self.outbox_port: int | None = None

    # -- life -----------------------------------------------------------------------
    def start(self, timeout: float = 60.0, embedded: bool = True) -> DemoProcess:
        """Start and wait for the banner; ``embedded``: read the helpers' ports and root's
        generated password from it."""
        self.proc = subprocess.Popen(
            [sys.executable, str(LAUNCHER)], cwd=ROOT, env=self.env, text=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: close() can kill it all
        )
        threading.Thread(target=self._read, daemon=True).start()
        try:
            self.wait_for(r"^Ctrl-C stops it\.$", timeout)
            if embedded:
                self.root_pwd = self.wait_for(r"user root, password (\S+) \(", 1).group(1)
                mongo = self.wait_for(r"embedded SecantusDB at mongodb://127\.0\.0\.1:(\d+)/", 1)
                self.mongo_port = int(mongo.group(1))
                self.outbox_port = int(self.wait_for(r"console outbox on 127\.0\.0\.1:(\d+)", 1)[1])
        except BaseException:
            self.close()
            raise
        return self

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30.0) -> int:
        """Send ``sig`` to the launcher alone (not its group) and wait; its exit code."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        finally:
            self.close()

    def close(self) -> None:
        """Kill whatever is left of the launcher's process group."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        if self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self) -> DemoProcess:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- output ---------------------------------------------------------------------
    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        with contextlib.suppress(ValueError, OSError):
            for line in self.proc.stdout:
                with self._cond:
                    self.lines.append(line.rstrip("\n"))
                    self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def output(self) -> str:
        with self._cond:
            return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 15.0, start: int = 0) -> re.Match[str]:
        """The first output line from index ``start`` matching ``pattern``."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines[start:]:
                    found = regex.search(line)
                    if found:
                        return found
                left = deadline - time.monotonic()
                exited = self.proc is not None and self.proc.poll() is not None
                if left <= 0 or exited:
                    state = f"exited with {self.proc.returncode}" if exited else "still running"
                    raise AssertionError(
                        f"no output line matched {pattern!r} ({state}); output:\n"
                        + "\n".join(self.lines[-60:])
                    )
                self._cond.wait(min(left, 0.2))

    def mail_code(self, to: str, timeout: float = 15.0) -> str:
        """The code in the newest mail printed for ``to``."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                lines = list(self.lines)
            for i in range(len(lines) - 1, -1, -1):
                if lines[i] == f"To: {to}":
                    for line in lines[i:]:
                        if line.startswith("----- end of mail"):
                            break
                        found = _CODE.search(line)
                        if found:
                            return found.group(0)
            if time.monotonic() > deadline:
                raise AssertionError(f"no mail with a code to {to}; output:\n" + self.output)
            time.sleep(0.05)

    # -- HTTP -----------------------------------------------------------------------
    def call(
        self, method: str, path: str, body: Any = None, *, token: str | None = None,
        form: dict[str, str] | None = None, headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        """One request; the status, headers (lower-case names) and the JSON or raw body."""
        sent = dict(headers or {})
        data: bytes | None = None
        if form is not None:
            from urllib.parse import urlencode

            data = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        if token:
            sent["Authorization"] = f"Bearer {token}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            conn.request(method, path, body=data, headers=sent)
            res = conn.getresponse()
            raw = res.read()
            got = {k.lower(): v for k, v in res.getheaders()}
        finally:
            conn.close()
        if raw and got.get("content-type", "").startswith("application/json"):
            return res.status, got, json.loads(raw)
        return res.status, got, raw

    def token(self, name: str, pwd: str) -> str:
        status, _, body = self.call(
            "POST", "/auth/token", form={"grant_type": "password", "username": name,
                                         "password": pwd})
        assert status == 200, body
        return str(body["access_token"])
