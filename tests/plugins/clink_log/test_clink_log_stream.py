"""clink_log to a standard stream (issue 12.1): JSON lines or text on stdout/stderr,
batched, written at ``app.close()`` and at exit; ``CLINK_LOG_DIR=/dev/stdout`` answered.

The last tests run real processes: one serving over a socket that writes its lines to
its own stdout, and gunicorn with two workers sharing one stdout.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import clink_log
from clink_core.plugin import ConfError
from clink_core.testing import Client
from clink_log import LogConf, LogDirError, LogSv
from clink_log_helpers import TIME, split_text

pytestmark = pytest.mark.timeout(60)

HERE = Path(__file__).resolve().parent


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_json_lines_of_both_logs_go_to_stdout(log_app, capsys, tmp_path):
    app = log_app(stream="stdout", format="json")
    client = Client(app)
    assert client.get("/t/ok", headers={"X-Request-Id": "s-1"}).status == 200
    assert client.get("/nowhere", headers={"X-Request-Id": "s-2"}).status == 404
    app.injector.ref(LogSv).flush()
    lines = _json_lines(capsys.readouterr().out)
    by_log = {(line["log"], line["request_id"]): line for line in lines}
    assert sorted(by_log) == [("error", "s-2"), ("request", "s-1"), ("request", "s-2")]
    ok = by_log[("request", "s-1")]
    assert (ok["method"], ok["path"], ok["status"]) == ("GET", "/t/ok", 200)
    assert TIME.match(ok["time"]) and isinstance(ok["duration_us"], int)
    error = by_log[("error", "s-2")]
    assert (error["status"], error["error"]) == (404, "Http404Error")
    assert app.injector.ref(LogSv).directory is None
    assert not (tmp_path / "logs").exists()  # no files at all


def test_text_lines_to_stderr_name_their_log(log_app, capsys):
    app = log_app(stream="stderr")
    Client(app).get("/t/boom", headers={"X-Request-Id": "t-1"})
    app.injector.ref(LogSv).flush()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 2
    fields = {split_text(line)[1]: split_text(line) for line in captured.err.splitlines()}
    assert fields["request"][2] == "t-1" and fields["request"][6] == "500"
    assert fields["error"][2] == "t-1" and fields["error"][6] == "RuntimeError"


def test_stream_lines_wait_like_file_lines_and_app_close_writes_them(log_app, capsys):
    app = log_app(stream="stdout", format="json", flush_interval=3600)
    Client(app).get("/t/ok", headers={"X-Request-Id": "queued"})
    time.sleep(0.1)
    assert capsys.readouterr().out == ""  # batched: nothing written yet
    app.close()  # the kernel's clink_shutdown hook
    [line] = _json_lines(capsys.readouterr().out)
    assert line["request_id"] == "queued"


def test_app_close_writes_queued_file_lines_too(log_app):
    app = log_app(flush_interval=3600)
    Client(app).get("/t/ok", headers={"X-Request-Id": "at-close"})
    path = app.injector.ref(LogSv).request_log.sink.path
    assert Path(path).read_text() == ""
    app.close()
    assert "at-close" in Path(path).read_text()


# -- configuration ------------------------------------------------------------------
def test_logconf_stream_settings():
    assert LogConf(stream="stderr").stream == "stderr"
    assert LogConf().stream is None
    assert LogConf.from_env({"CLINK_LOG_STREAM": " STDOUT "}).stream == "stdout"
    with pytest.raises(ConfError, match="'stdout' or 'stderr'"):
        LogConf(stream="stdlog")
    with pytest.raises(ConfError, match="choose one"):
        LogConf("/srv/logs", stream="stdout")
    with pytest.raises(ConfError, match="CLINK_LOG_STREAM must be"):
        LogConf.from_env({"CLINK_LOG_STREAM": "file"})
    with pytest.raises(ConfError, match="unset one of them"):
        LogConf.from_env({"CLINK_LOG_STREAM": "stdout", "CLINK_LOG_DIR": "/srv/logs"})


@pytest.mark.parametrize(("directory", "stream"), [
    ("/dev/stdout", "stdout"), ("/dev/stderr", "stderr"), ("-", "stdout"),
    ("/proc/self/fd/1", "stdout"),
])
def test_a_stream_given_as_the_directory_fails_load_naming_the_stream_setting(
    make_app, monkeypatch, directory, stream
):
    monkeypatch.setenv("CLINK_LOG_DIR", directory)  # what a container user tries first
    app = make_app(plugins=(clink_log.plugin,))
    with pytest.raises(LogDirError) as info:
        app.load()
    message = str(info.value)
    assert directory in message and f"CLINK_LOG_STREAM={stream}" in message
    assert not app.loaded


# -- real processes ---------------------------------------------------------------------
def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINK_")}
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str, rid: str | None = None) -> tuple[int, str, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"X-Request-Id": rid} if rid else {})
        res = conn.getresponse()
        return res.status, res.getheader("X-Request-Id") or "", json.loads(res.read())
    finally:
        conn.close()


def _wait_until_up(port: int, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited early: {proc.communicate()[1]}")
        try:
            _get(port, "/book/warmup")
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{what} did not answer on port {port}")


@contextlib.contextmanager
def _child(*args: str, **env: str) -> Iterator[tuple[subprocess.Popen, int]]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "stream_app.py"), str(port), *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=_env(**env), text=True,
    )
    try:
        _wait_until_up(port, proc, "stream_app.py")
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_a_real_process_writes_json_lines_to_its_stdout_at_exit():
    """Lines wait in memory (flush 1 h) and are written when the process exits."""
    with _child(CLINK_LOG_STREAM="stdout", CLINK_LOG_FORMAT="json",
                CLINK_LOG_FLUSH="3600") as (proc, port):
        answers = [_get(port, f"/book/b{i}", f"proc-{i}") for i in range(3)]
        answers.append(_get(port, "/book/generated"))
        out, err = proc.communicate("", timeout=30)  # closing stdin ends the server
    assert proc.returncode == 0, err
    assert [a[0] for a in answers] == [200] * 4
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    request_ids = [r["request_id"] for r in records if r["log"] == "request"]
    sent_ids = [a[1] for a in answers]
    assert sent_ids[:3] == ["proc-0", "proc-1", "proc-2"]
    assert set(sent_ids) <= set(request_ids)
    # the service's logging records carry the id of their request, on the same stdout
    svc = {line.split()[4]: line.split()[1] for line in out.splitlines() if line.startswith("svc")}
    assert svc["b0"] == "proc-0" and svc["generated"] == sent_ids[3]


def test_a_real_process_writes_its_lines_at_app_close():
    """``app.close()`` (clink_shutdown) writes them; the child then exits without atexit."""
    with _child("close", CLINK_LOG_STREAM="stdout", CLINK_LOG_FLUSH="3600") as (proc, port):
        assert _get(port, "/book/closing", "before-close")[1] == "before-close"
        out, err = proc.communicate("", timeout=30)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert lines[-1] == "closed"
    [line] = [line for line in lines if line.split()[1:3] == ["request", "before-close"]]
    assert "/book/closing" in line


def test_gunicorn_workers_share_stdout_without_mixing_lines(tmp_path):
    pytest.importorskip("gunicorn", reason="needs gunicorn (the e2e tests' server)")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--graceful-timeout", "10", "--pythonpath", str(HERE), "stream_app:app"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_env(CLINK_LOG_STREAM="stdout", CLINK_LOG_FORMAT="json", CLINK_LOG_FLUSH="0.2"),
    )
    try:
        _wait_until_up(port, proc, "gunicorn")
        answers = [_get(port, f"/book/g{i}") for i in range(40)]
        time.sleep(0.5)  # every worker's writer thread writes within its flush interval
    finally:
        proc.terminate()  # SIGTERM: a graceful stop; each worker flushes on its way out
        out, err = proc.communicate(timeout=30)
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    ids = [r["request_id"] for r in records if r["log"] == "request"]
    assert len(ids) == len(set(ids))  # unique across both workers
    sent = {a[1]: a[2]["pid"] for a in answers}
    assert set(sent) <= set(ids), err[-2000:]
    assert len({rid.split("-")[0] for rid in sent}) == len(set(sent.values()))  # a prefix each
    svc = {line.split()[4]: line.split()[1] for line in out.splitlines() if line.startswith("svc")}
    assert all(svc[f"g{i}"] == answers[i][1] for i in range(40))


def test_pieces_end_at_line_ends_and_fit_a_pipe():
    from clink_log.sink import PIPE_BUF, pieces

    data = b"".join(b"%05d " % i + b"x" * (i % 300) + b"\n" for i in range(2000))
    out = pieces(data)
    assert b"".join(out) == data
    assert all(len(p) <= PIPE_BUF and p.endswith(b"\n") for p in out)
    long = b"y" * (PIPE_BUF * 2) + b"\n"
    assert pieces(b"a\n" + long + b"b\n") == [b"a\n", long, b"b\n"]  # a long line: whole


_WRITER = """
import sys
from clink_log import LogStream
log = LogStream("stdout", flush_interval=0.01)
tag = sys.argv[1]
for i in range(20000):
    log.write(f"{tag} {i:06d} " + "z" * (i % 150) + " end\\n")
log.flush()
"""


def test_processes_sharing_one_stdout_pipe_never_mix_lines(tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    read_end, write_end = os.pipe()
    procs = [
        subprocess.Popen([sys.executable, str(script), tag], stdout=write_end, env=_env())
        for tag in ("A", "B", "C")
    ]
    os.close(write_end)
    chunks = []
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        # a slow reader: the pipe fills up and the writers block in the middle of writes
        while chunk := pipe.read(4096):
            chunks.append(chunk)
            if len(chunks) % 16 == 0:
                time.sleep(0.001)
    data = b"".join(chunks)
    assert [p.wait(30) for p in procs] == [0, 0, 0]
    lines = data.decode().splitlines()
    assert len(lines) == 60000
    seen: dict[str, list[int]] = {"A": [], "B": [], "C": []}
    for line in lines:
        tag, number, pad, end = line.split(" ")
        assert end == "end" and pad == "z" * (int(number) % 150), line
        seen[tag].append(int(number))
    assert all(numbers == list(range(20000)) for numbers in seen.values())
