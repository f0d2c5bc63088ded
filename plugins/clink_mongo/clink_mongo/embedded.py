"""A local MongoDB-compatible server for development and tests: SecantusDB as a subprocess.

    from clink_mongo.embedded import EmbeddedMongo

    with EmbeddedMongo(".clink-data/mongo") as mongo:
        conf = MongoConf(mongo.url, "books")
        ...

``EmbeddedMongo`` runs ``secantusd-py --host 127.0.0.1 --port P --storage-path
DIR --sync-on-commit`` (install ``clink-mongo[embedded]``), waits until the
server answers a ping and stops it on ``stop()``, at the end of the ``with``
block or when the interpreter exits. Data stays in ``DIR`` between runs;
``--sync-on-commit`` makes every acknowledged write survive a crash. Tests
``kill()`` it (SIGKILL, as a crash) and ``restart()`` it on the same port and
directory. ``supervise()`` restarts it by itself whenever it exits without
``stop()`` (what the demo launcher does), reporting each exit and restart.

``ensure_mongo_url()`` is what a demo needs: ``CLINK_MONGO_URL`` when it is
set, else the URL of an embedded server started for the life of the process.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

from pymongo import MongoClient
from pymongo.errors import PyMongoError

#: Where ``EmbeddedMongo`` keeps its data unless told otherwise (relative to the cwd).
DEFAULT_DATA_DIR = Path(".clink-data") / "mongo"
DEFAULT_START_TIMEOUT = 30.0
#: How often ``supervise()`` looks whether the server is still alive (seconds).
DEFAULT_SUPERVISE_INTERVAL = 0.2
#: Seconds ``supervise()`` waits before trying again after a failed restart.
RESTART_RETRY_DELAY = 2.0
logger = logging.getLogger("clink_mongo.embedded")
_LOG_TAIL = 4000
# A config file with no settings: passing it turns off secantusd-py's
# auto-discovery of ./secantusd.toml, ~/.secantus/... and /etc/secantus/...,
# so the server runs with exactly the flags given here.
_EMPTY_CONFIG = Path(__file__).with_name("secantusd.toml")


class EmbeddedMongoError(RuntimeError):
    """The embedded server could not be started (the message holds its log's end)."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def server_command() -> list[str]:
    """The command that runs SecantusDB's daemon, from this interpreter's environment.

    ``secantusd-py`` beside ``sys.executable`` (a virtualenv's ``bin``), else
    ``python -m secantus`` when this interpreter can import it, else
    ``secantusd-py`` on the ``PATH``.
    """
    script = Path(sys.executable).with_name("secantusd-py")
    if script.is_file():
        return [str(script)]
    if importlib.util.find_spec("secantus") is not None:
        return [sys.executable, "-m", "secantus"]
    found = shutil.which("secantusd-py")
    if found:
        return [found]
    raise EmbeddedMongoError(
        "SecantusDB is not installed (no secantusd-py found): "
        "pip install 'clink-mongo[embedded]'"
    )


class EmbeddedMongo:
    """A SecantusDB server running as a subprocess on ``host:port`` with data in ``data_dir``.

    ``port=None`` picks a free port at the first ``start()`` and keeps it, so
    ``restart()`` comes back at the same URL. The server's output goes to
    ``log_file`` (default: ``<data_dir>.log``); a start failure raises
    ``EmbeddedMongoError`` quoting its end. ``start_timeout`` bounds the wait
    for the first ping.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] = DEFAULT_DATA_DIR,
        port: int | None = None,
        host: str = "127.0.0.1",
        *,
        start_timeout: float = DEFAULT_START_TIMEOUT,
        sync_on_commit: bool = True,
        log_level: str = "WARNING",
        log_file: str | os.PathLike[str] | None = None,
        config_file: str | os.PathLike[str] | None = None,
        command: Sequence[str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.host = host
        self.port = port
        self._fixed_port = port is not None
        self.start_timeout = start_timeout
        self.sync_on_commit = sync_on_commit
        self.log_level = log_level
        self.log_file = (
            Path(log_file).absolute()
            if log_file is not None
            else self.data_dir.with_name(self.data_dir.name + ".log")
        )
        self.config_file = Path(config_file) if config_file is not None else _EMPTY_CONFIG
        self._command = list(command) if command is not None else None
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.RLock()
        # Set by stop(): the supervising thread (if any) must not restart the server.
        self._unsupervised = threading.Event()
        self._unsupervised.set()
        self._watchdog: threading.Thread | None = None
        #: How many times ``supervise()`` restarted the server.
        self.restarts = 0

    # -- state ------------------------------------------------------------------
    @property
    def url(self) -> str:
        """``mongodb://host:port/`` (known once started, or when a port was given)."""
        if self.port is None:
            raise EmbeddedMongoError("the embedded server has no port yet: call start() first")
        return f"mongodb://{self.host}:{self.port}/"

    @property
    def running(self) -> bool:
        """Whether the subprocess is alive."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The subprocess's id while one was started."""
        return self._proc.pid if self._proc is not None else None

    # -- control ----------------------------------------------------------------
    def start(self) -> str:
        """Start the server, wait until it answers a ping and return its URL.

        Raises ``EmbeddedMongoError`` (with the server's log) when it exits
        or does not answer within ``start_timeout`` seconds.
        """
        with self._lock:
            if self.running:
                raise EmbeddedMongoError(f"the embedded server is already running at {self.url}")
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            # A free port can be taken between our probe and the server's bind:
            # then try another one (only when we chose the port).
            attempts = 1 if self._fixed_port else 3
            for attempt in range(attempts):
                if not self._fixed_port and (self.port is None or attempt > 0):
                    self.port = free_port(self.host)
                log_offset = self._spawn()
                try:
                    self._wait_ready(log_offset)
                except EmbeddedMongoError as e:
                    if attempt + 1 < attempts and "address already in use" in str(e).lower():
                        continue
                    raise
                break
            _LIVE.add(self)
            return self.url

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server cleanly (SIGTERM), killing it after ``timeout`` seconds.

        Ends ``supervise()`` first, so the server stays stopped.
        secantusd-py takes about 2 s to stop (it waits that long for its
        accepting thread). Waking that thread with a connection would be
        faster but sometimes leaves the SIGTERM unhandled, so it is not done.
        """
        self._unsupervised.set()  # before the lock: a restart in progress sees it
        with self._lock:
            proc = self._proc
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout)
            _LIVE.discard(self)

    def kill(self) -> None:
        """Kill the server at once (SIGKILL), as a crash or power loss would.

        A supervised server (``supervise()``) is restarted, as after a crash.
        """
        with self._lock:
            proc = self._proc
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(10)
            _LIVE.discard(self)

    def restart(self) -> str:
        """Start the server again on the same port and data directory; return its URL.

        A running server is stopped first (which ends ``supervise()``).
        """
        with self._lock:
            self.stop()
            if self.port is not None:
                self._fixed_port = True
            return self.start()

    def supervise(
        self,
        say: Callable[[str], object] = logger.warning,
        interval: float = DEFAULT_SUPERVISE_INTERVAL,
    ) -> None:
        """Restart the server whenever it exits without ``stop()``, until ``stop()``.

        A thread looks every ``interval`` seconds; when the process has
        exited (crashed, killed, OOM) it calls ``say`` with a line saying so,
        starts the server again on the same port and data directory, and
        says when it is back (or why not, then tries again every
        ``RESTART_RETRY_DELAY`` seconds). Clients reconnect by themselves.
        Calling it again while supervising changes nothing.
        """
        with self._lock:
            if not self.running:
                raise EmbeddedMongoError("start() the embedded server before supervise()")
            if self._watchdog is not None and self._watchdog.is_alive():
                return
            self._unsupervised.clear()
            self._watchdog = threading.Thread(
                target=self._watch, args=(say, interval), name="embedded-mongo-watchdog",
                daemon=True,
            )
            self._watchdog.start()

    def stop_supervising(self) -> None:
        """End ``supervise()`` and leave the server as it is (e.g. before a shutdown).

        A Ctrl-C reaches the server too (same process group): a launcher
        calls this first so that the exit it is about to cause is not
        answered by a restart.
        """
        self._unsupervised.set()

    @property
    def supervised(self) -> bool:
        """Whether ``supervise()`` is watching the server."""
        return not self._unsupervised.is_set()

    def __enter__(self) -> EmbeddedMongo:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        where = f"{self.host}:{self.port}" if self.port is not None else self.host
        return f"<EmbeddedMongo {where} data={str(self.data_dir)!r} {state}>"

    # -- internals --------------------------------------------------------------
    def _watch(self, report: Callable[[str], object], interval: float) -> None:
        """The ``supervise()`` thread: restart the server each time it exits."""

        def say(line: str) -> None:
            # A failing report (stdout closed, say) must not end the supervision.
            try:
                report(line)
            except Exception:
                logger.exception("supervise(): could not report %r", line)

        delay = interval
        while not self._unsupervised.wait(delay):
            delay = interval
            proc = self._proc
            if proc is None or proc.poll() is None:
                continue
            with self._lock:
                if self._unsupervised.is_set() or self.running:
                    continue  # stop() was called, or someone restarted it meanwhile
                say(
                    f"the embedded MongoDB server (pid {proc.pid}) {_exit_text(proc.returncode)}; "
                    f"restarting it on {self.host}:{self.port} with the data in {self.data_dir}"
                )
                self._fixed_port = True  # the clients know this port
                try:
                    url = self.start()
                except (EmbeddedMongoError, OSError) as e:
                    say(
                        f"the embedded MongoDB server did not restart: {e}\n"
                        f"trying again in {RESTART_RETRY_DELAY:g} s"
                    )
                    delay = RESTART_RETRY_DELAY
                    continue
                self.restarts += 1
                say(f"the embedded MongoDB server is back at {url} (pid {self.pid})")

    def _args(self) -> list[str]:
        args = [
            *(self._command or server_command()),
            "--config", str(self.config_file),
            "--host", self.host,
            "--port", str(self.port),
            "--storage-path", str(self.data_dir),
            "--log-level", self.log_level,
        ]
        if self.sync_on_commit:
            args.append("--sync-on-commit")
        return args

    def _spawn(self) -> int:
        """Start the subprocess; return the log file's size before it wrote anything."""
        with open(self.log_file, "ab") as log:
            offset = log.tell()
            self._proc = subprocess.Popen(
                self._args(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        return offset

    def _log_tail(self, offset: int) -> str:
        try:
            with open(self.log_file, "rb") as f:
                f.seek(offset)
                text = f.read().decode("utf-8", "replace")
        except OSError as e:
            return f"(cannot read {self.log_file}: {e})"
        text = text.strip()
        if len(text) > _LOG_TAIL:
            text = "..." + text[-_LOG_TAIL:]
        return text or "(the server wrote nothing)"

    def _wait_ready(self, log_offset: int) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self.start_timeout
        while True:
            code = self._proc.poll()
            if code is not None:
                raise EmbeddedMongoError(
                    f"the embedded MongoDB server ({' '.join(self._args())}) exited with "
                    f"code {code} before answering; its log ({self.log_file}):\n"
                    f"{self._log_tail(log_offset)}"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise EmbeddedMongoError(
                    f"the embedded MongoDB server on {self.host}:{self.port} did not answer "
                    f"a ping within {self.start_timeout:g} s; its log ({self.log_file}):\n"
                    f"{self._log_tail(log_offset)}"
                )
            if _ping(self.url, min(remaining, 1.0)):
                return
            time.sleep(0.05)


def _exit_text(code: int | None) -> str:
    """``exited with code 3`` / ``was killed by SIGKILL`` for a process's return code."""
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    return f"exited with code {code}"


def _ping(url: str, timeout: float) -> bool:
    """Whether the server at ``url`` answers ``ping`` within ``timeout`` seconds."""
    ms = max(int(timeout * 1000), 50)
    host, _, port = url.removeprefix("mongodb://").rstrip("/").rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except OSError:
        return False
    client: MongoClient[dict[str, object]] = MongoClient(
        url, directConnection=True, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms,
        socketTimeoutMS=ms,
    )
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


_LIVE: set[EmbeddedMongo] = set()
_default: EmbeddedMongo | None = None


@atexit.register
def _stop_all() -> None:
    """Stop every embedded server this process started and did not stop."""
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.stop(timeout=5.0)


def ensure_mongo_url(
    env: Mapping[str, str] | None = None,
    data_dir: str | os.PathLike[str] = DEFAULT_DATA_DIR,
) -> str:
    """``CLINK_MONGO_URL`` if set; else start (once) an embedded server and return its URL.

    The embedded server lives until the process exits. This is how the demo
    runs on a machine with no MongoDB installed.
    """
    global _default
    env = os.environ if env is None else env
    url = env.get("CLINK_MONGO_URL")
    if url:
        return url
    if _default is None or not _default.running:
        _default = EmbeddedMongo(data_dir)
        _default.start()
    return _default.url
