"""clink_log: request ids, request and error lines (text and JSON), redaction, configuration."""

from __future__ import annotations

import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import clink_log
from clink_core import App, AppConf, Controller, mapper
from clink_core.plugin import ConfError
from clink_core.testing import Client
from clink_log import HANDLERS, LogConf, LogDirError, LogSv, redact_query
from clink_log import conf as conf_module
from clink_log.handler import MAX_MESSAGE
from clink_log.reqid import id_from_env, is_valid, new_id
from clink_log_helpers import SECRET, TIME, Logs, split_text

GENERATED = re.compile(r"^[0-9a-f]{16}-[0-9a-f]+$")


# -- request ids ------------------------------------------------------------------
def test_every_response_carries_a_generated_request_id(log_app):
    client = Client(log_app())
    first = client.get("/t/ok")
    second = client.get("/t/ok")
    assert GENERATED.match(first.header("X-Request-Id"))
    assert first.header("X-Request-Id") != second.header("X-Request-Id")
    # the controller sees the same id as req.context.request_id and request_id()
    rid = first.header("X-Request-Id")
    assert first.json == {"request_id": rid, "current": rid}
    # a thread that never handled a request has no id; the one that did keeps its last
    # request's id until its next request sets its own (the client may run the app here)
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(clink_log.request_id).result() is None
    assert clink_log.request_id() in (None, second.header("X-Request-Id"))


@pytest.mark.parametrize("incoming", [
    "abc", "0f8fad5b-d9cb-469f-a165-70867728950e", "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    "trace.1_2-3", "a" * 128,
])
def test_a_valid_incoming_request_id_is_kept(log_app, incoming):
    app = log_app()
    res = Client(app).get("/t/ok", headers={"X-Request-Id": incoming})
    assert res.header("X-Request-Id") == incoming
    assert res.json == {"request_id": incoming, "current": incoming}
    assert split_text(Logs(app).requests[-1])[1] == incoming


@pytest.mark.parametrize("incoming", [
    "", "a" * 129, "has space", "semi;colon", 'quo"te', "a,b", "é", "x\ty", "<script>",
])
def test_an_invalid_incoming_request_id_is_replaced(log_app, incoming):
    app = log_app()
    res = Client(app).get("/t/ok", headers={"X-Request-Id": incoming})
    rid = res.header("X-Request-Id")
    assert rid != incoming and GENERATED.match(rid)
    assert incoming not in Logs(app).raw("request.log") or incoming == ""


def test_request_id_rules():
    assert is_valid("A-z_0.9") and not is_valid("") and not is_valid("a/b")
    assert id_from_env({"HTTP_X_REQUEST_ID": "ok-1"}) == "ok-1"
    assert GENERATED.match(id_from_env({"HTTP_X_REQUEST_ID": "not ok"}))
    assert GENERATED.match(id_from_env(None))
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000


@pytest.mark.parametrize("path,status", [
    ("/nowhere", 404), ("/t/forbidden", 403), ("/t/boom", 500), ("/t/dict", 500),
])
def test_error_responses_carry_the_request_id_too(log_app, path, status):
    res = Client(log_app()).get(path, headers={"X-Request-Id": "err-1"})
    assert res.status == status
    assert res.header("X-Request-Id") == "err-1"


def test_wrong_method_and_level_0_rejections_carry_an_id(log_app):
    client = Client(log_app())
    res = client.delete("/t/ok", headers={"X-Request-Id": "m-1"})
    assert (res.status, res.header("X-Request-Id")) == (405, "m-1")
    # %zz is refused by level 0, before level 1 ran: level 5 still gives an id
    res = client.get("/t/%zz", headers={"X-Request-Id": "bad-path"})
    assert (res.status, res.header("X-Request-Id")) == (400, "bad-path")
    res = client.get("/t/%zz")
    assert res.status == 400 and GENERATED.match(res.header("X-Request-Id"))


def test_a_refused_request_never_takes_the_previous_requests_id(log_app):
    """The context variable is not reset after a request: a request level 0 refuses
    (level 1 never runs) still gets, sends, logs and exposes its own id."""
    app = log_app()
    client = Client(app, asgi=False)
    client.get("/t/ok", headers={"X-Request-Id": "before-1"})
    assert clink_log.request_id() == "before-1"  # this thread ran it (WSGI client)
    res = client.get("/t/%zz")
    rid = res.header("X-Request-Id")
    assert res.status == 400 and GENERATED.match(rid)
    assert clink_log.request_id() == rid
    assert [split_text(line)[1] for line in Logs(app).requests] == ["before-1", rid]
    assert [split_text(line)[1] for line in Logs(app).errors] == [rid]


def test_an_app_called_inside_a_request_leaves_the_outer_id_alone(log_app, tmp_path):
    """A controller calling another app in the same thread: that app's level 1 sets the
    context variable, but the outer response and line keep the outer request's id."""
    inner = log_app(directory=tmp_path / "inner")

    @mapper.path("/outer")
    class OuterCtl(Controller):
        @mapper.get("/call")
        def call(self, req: Any, res: Any) -> None:
            got = Client(inner, asgi=False).get("/t/ok", headers={"X-Request-Id": "inner-1"})
            res.body = json.dumps({"inner": got.header("X-Request-Id")}).encode()

    outer = log_app(OuterCtl)
    res = Client(outer, asgi=False).get("/outer/call", headers={"X-Request-Id": "outer-1"})
    assert res.json == {"inner": "inner-1"}
    assert res.header("X-Request-Id") == "outer-1"
    assert [split_text(line)[1] for line in Logs(outer).requests] == ["outer-1"]
    assert [split_text(line)[1] for line in Logs(inner).requests] == ["inner-1"]


# -- request lines ---------------------------------------------------------------
def test_text_request_line(log_app):
    app = log_app()
    Client(app).get("/t/ok", query="id=7", headers={"X-Request-Id": "req-1"})
    [line] = Logs(app).requests
    at, rid, addr, method, target, status, duration = split_text(line)
    assert TIME.match(at)
    assert (rid, method, target, status) == ("req-1", "GET", "/t/ok?id=7", "200")
    assert addr in ("-", "127.0.0.1")
    assert re.fullmatch(r"\d+us", duration)


def test_json_request_line(log_app):
    app = log_app(format="json")
    client = Client(app)
    client.get("/t/ok", headers={"X-Request-Id": "j-1"})
    client.get("/t/ok", query="a=1&b=2")
    client.get("/nowhere")
    first, second, third = Logs(app).json("request.log")
    assert set(first) == {
        "time", "request_id", "remote_addr", "method", "path", "query", "status", "duration_us",
    }
    assert TIME.match(first["time"])
    assert (first["request_id"], first["method"], first["path"], first["query"]) == (
        "j-1", "GET", "/t/ok", None
    )
    assert first["status"] == 200 and isinstance(first["duration_us"], int)
    assert second["query"] == "a=1&b=2"
    assert (third["path"], third["status"]) == ("/nowhere", 404)


def test_one_line_per_request_many_requests(log_app):
    app = log_app()
    client = Client(app)
    for _ in range(700):  # more than a batch (writer.MAX_PENDING)
        client.get("/t/ok")
    lines = Logs(app).requests
    assert len(lines) == 700
    assert len({split_text(line)[1] for line in lines}) == 700


def test_unusual_paths_stay_one_ascii_line(log_app, tmp_path):
    for fmt in ("text", "json"):
        app = log_app(format=fmt, directory=tmp_path / fmt)
        client = Client(app)
        weird = ["/a b", '/q"uote', "/line%0Abreak", "/caf%C3%A9", "/esc%1B[31m"]
        for path in weird:
            client.get(path)
        raw = Logs(app).raw("request.log")
        raw.encode("ascii")  # ASCII only
        assert "\x1b" not in raw
        lines = raw.splitlines()
        assert len(lines) == len(weird)
        if fmt == "json":
            paths = [json.loads(line)["path"] for line in lines]
        else:
            paths = [split_text(line)[4] for line in lines]
        assert paths == ["/a b", '/q"uote', "/line\nbreak", "/café", "/esc\x1b[31m"]


def test_level_0_rejection_has_a_request_line_with_its_duration(log_app):
    """The kernel's req.start is read before level 0: a refused request is timed too."""
    app = log_app()
    Client(app).get("/t/%zz", headers={"X-Request-Id": "lv0"})
    [line] = Logs(app).requests
    fields = split_text(line)
    assert (fields[1], fields[5]) == ("lv0", "400")
    assert re.fullmatch(r"\d+us", fields[6])
    [error] = Logs(app).errors
    assert split_text(error)[1] == "lv0"


def test_a_failed_send_gives_a_second_line_with_the_final_status(log_app):
    """A text/plain dict body fails at level 6, after the request line was queued."""
    app = log_app()
    res = Client(app).get("/t/dict", headers={"X-Request-Id": "twice"})
    assert res.status == 500
    lines = [split_text(line) for line in Logs(app).requests]
    assert [(f[1], f[5]) for f in lines] == [("twice", "200"), ("twice", "500")]
    [error] = Logs(app).errors
    assert "WsgiResBodyError" in error and "twice" in error


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/t/ok", 200), ("GET", "/t/own-id", 200), ("GET", "/t/forbidden", 403),
    ("GET", "/t/boom", 500), ("GET", "/t/dict", 500), ("GET", "/t/%zz", 400),
    ("GET", "/t/nowhere", 404), ("DELETE", "/t/ok", 405), ("HEAD", "/t/ok", 200),
])
def test_every_answer_carries_the_checked_id_once(log_app, method, path, status):
    """Level 1 (or 7) adds the field; neither the error path (which runs level 5 again
    after a failed send) nor a controller's own ``X-Request-Id`` makes a second one."""
    res = Client(log_app()).request(method, path, headers={"X-Request-Id": "once-1"})
    assert res.status == status
    ids = [v for n, v in res.header_items() if n.lower() == "x-request-id"]
    assert ids == ["once-1"]


def test_a_controller_cannot_change_the_logged_id(log_app):
    app = log_app(format="json")
    res = Client(app).get("/t/rename", headers={"X-Request-Id": "fixed"})
    assert res.header("X-Request-Id") == "fixed"
    assert [line["request_id"] for line in Logs(app).json("request.log")] == ["fixed"]


def test_a_status_that_is_not_an_int_keeps_lines_well_formed(log_app):
    app = log_app(format="json")
    res = Client(app).get("/t/odd-status")
    assert res.status == 500
    assert [line["status"] for line in Logs(app).json("request.log")] == ["'200 OK'", 500]
    [error] = Logs(app).json("error.log")
    assert error["status"] == 500 and "traceback" in error


# -- what is never logged ----------------------------------------------------------
def test_query_values_of_secret_names_are_redacted(log_app):
    app = log_app(format="json")
    client = Client(app)
    queries = {
        f"user=ann&password={SECRET}": "user=ann&password=[redacted]",
        f"PassWord={SECRET}": "PassWord=[redacted]",
        f"access_token={SECRET}&page=2": "access_token=[redacted]&page=2",
        f"api_key={SECRET}": "api_key=[redacted]",
        f"apikey={SECRET}": "apikey=[redacted]",
        f"Authorization=Bearer+{SECRET}": "Authorization=[redacted]",
        f"client_secret={SECRET}": "client_secret=[redacted]",
        f"pwd={SECRET}&passwd={SECRET}": "pwd=[redacted]&passwd=[redacted]",
        f"session_id={SECRET}": "session_id=[redacted]",
        f"code={SECRET}": "code=[redacted]",
        f"p%61ssword={SECRET}": "password=[redacted]",  # an encoded name is decoded first
        "q=monkey&page=2": "q=monkey&page=2",  # 'key' in a value is no reason
    }
    for query in queries:
        client.get("/t/ok", query=query)
    logged = [line["query"] for line in Logs(app).json("request.log")]
    assert logged == list(queries.values())
    assert SECRET not in Logs(app).raw("request.log")


def test_headers_cookies_and_bodies_are_never_logged(log_app, tmp_path):
    for fmt in ("text", "json"):
        app = log_app(format=fmt, directory=tmp_path / fmt)
        client = Client(app)
        headers = {
            "Authorization": f"Bearer {SECRET}",
            "Cookie": f"session={SECRET}",
            "X-Api-Key": SECRET,
            "Proxy-Authorization": f"Basic {SECRET}",
        }
        for path in ("/t/ok", "/nowhere", "/t/forbidden", "/t/boom"):
            client.get(path, headers=headers)
        client.post("/t/login", json={"user": "ann", "password": SECRET}, headers=headers)
        client.post("/t/login", data=f"password={SECRET}",
                    content_type="application/x-www-form-urlencoded")
        logs = Logs(app)
        assert len(logs.requests) == 6 and len(logs.errors) == 4  # the form gets 415
        for name in ("request.log", "error.log"):
            assert SECRET not in logs.raw(name)


def test_query_logging_can_be_switched_off(log_app):
    app = log_app(query=False)
    Client(app).get("/t/ok", query=f"q={SECRET}")
    [line] = Logs(app).requests
    assert split_text(line)[4] == "/t/ok"


def test_extra_redacted_names(log_app):
    app = log_app(redact=["ssn"])
    Client(app).get("/t/ok", query=f"ssn={SECRET}&name=ann")
    assert split_text(Logs(app).requests[0])[4] == "/t/ok?ssn=[redacted]&name=ann"


def test_redact_query_function():
    assert redact_query("a=1&b=2") == "a=1&b=2"
    assert redact_query("token=x&a=1") == "token=[redacted]&a=1"
    assert redact_query("x=%ZZ&token=t") == "x=%25ZZ&token=[redacted]"
    assert redact_query("my_Secret_thing=1") == "my_Secret_thing=[redacted]"
    assert redact_query("token") == "token=[redacted]"


# -- error lines -----------------------------------------------------------------
def test_text_error_line_for_4xx_has_no_traceback(log_app):
    app = log_app()
    client = Client(app)
    client.get("/t/forbidden", headers={"X-Request-Id": "e4"})
    client.get("/nowhere")
    client.delete("/t/ok")
    lines = [split_text(line) for line in Logs(app).errors]
    at, rid, method, path, status, error, message = lines[0]
    assert TIME.match(at)
    assert (rid, method, path, status) == ("e4", "GET", "/t/forbidden", "403")
    assert error == "Http403Error"
    assert message == "403 Forbidden: not yours"
    assert [(f[4], f[5]) for f in lines[1:]] == [
        ("404", "Http404Error"), ("405", "Http405Error"),
    ]
    assert all(len(f) == 7 for f in lines)


def test_text_error_line_for_5xx_has_the_traceback_on_the_same_line(log_app):
    app = log_app()
    Client(app).get("/t/boom", headers={"X-Request-Id": "e5"})
    [line] = Logs(app).errors
    fields = split_text(line)
    assert fields[1:7] == ["e5", "GET", "/t/boom", "500", "RuntimeError", "kaboom"]
    traceback = fields[7]
    assert traceback.startswith("Traceback (most recent call last):")
    assert "in boom" in traceback and traceback.endswith("RuntimeError: kaboom")


def test_json_error_lines(log_app):
    app = log_app(format="json")
    client = Client(app)
    client.get("/t/forbidden", headers={"X-Request-Id": "j4"})
    client.get("/t/boom", headers={"X-Request-Id": "j5"})
    forbidden, boom = Logs(app).json("error.log")
    assert forbidden == {
        "time": forbidden["time"], "request_id": "j4", "method": "GET",
        "path": "/t/forbidden", "status": 403, "error": "Http403Error",
        "message": "403 Forbidden: not yours",
    }
    assert TIME.match(forbidden["time"])
    assert (boom["request_id"], boom["status"], boom["error"], boom["message"]) == (
        "j5", 500, "RuntimeError", "kaboom"
    )
    assert "in boom" in boom["traceback"]


def test_both_lines_of_a_request_share_its_id(log_app):
    app = log_app(format="json")
    res = Client(app).get("/t/boom")
    rid = res.header("X-Request-Id")
    logs = Logs(app)
    assert [r["request_id"] for r in logs.json("request.log")] == [rid]
    assert [e["request_id"] for e in logs.json("error.log")] == [rid]


def test_5xx_lines_are_written_at_once(log_app):
    app = log_app(flush_interval=3600)
    Client(app).get("/t/boom")
    error_log = Logs(app).dir / "error.log"
    assert "RuntimeError" in error_log.read_text()  # no flush() needed


def test_long_messages_are_cut(log_app):
    app = log_app(format="json")
    Client(app).get("/t/long")
    [line] = Logs(app).json("error.log")
    assert line["message"].startswith("x" * MAX_MESSAGE)
    assert line["message"].endswith(f"... ({5000 - MAX_MESSAGE} more characters)")


def test_the_kernel_error_logger_is_replaced(log_app, caplog):
    app = log_app()
    with caplog.at_level(logging.DEBUG, logger="clink.error"):
        Client(app).get("/t/boom")
    assert not [r for r in caplog.records if r.name == "clink.error"]
    assert "kaboom" in Logs(app).raw("error.log")


# -- configuration ---------------------------------------------------------------
def test_logconf_defaults_and_directory(tmp_path):
    conf = LogConf()
    assert (conf.directory, conf.format, conf.query, conf.flush_interval) == (
        None, "text", True, 1.0
    )
    assert conf.directory_for(AppConf("book-api")) == "/var/tmp/book-api"
    assert LogConf(tmp_path).directory_for(AppConf("x")) == str(tmp_path)
    assert LogConf("rel/logs").directory_for(AppConf("x")).endswith("/rel/logs")


@pytest.mark.parametrize("kwargs,match", [
    ({"format": "xml"}, "format"),
    ({"directory": ""}, "directory"),
    ({"directory": 42}, "directory"),
    ({"directory": "a\x00b"}, "directory"),
    ({"flush_interval": -1}, "flush_interval"),
    ({"flush_interval": float("nan")}, "flush_interval"),
    ({"flush_interval": True}, "flush_interval"),
    ({"query": "yes"}, "query"),
    ({"redact": ["a b"]}, "redact"),
])
def test_logconf_rejects_bad_values(kwargs, match):
    with pytest.raises(ConfError, match=match):
        LogConf(**kwargs)


def test_logconf_from_env(tmp_path):
    conf = LogConf.from_env({
        "CLINK_LOG_DIR": str(tmp_path), "CLINK_LOG_FORMAT": "JSON", "CLINK_LOG_QUERY": "false",
        "CLINK_LOG_FLUSH": "0.5", "CLINK_LOG_REDACT": "ssn, iban",
    })
    assert (conf.directory, conf.format, conf.query, conf.flush_interval, conf.redact) == (
        str(tmp_path), "json", False, 0.5, ("ssn", "iban")
    )
    assert LogConf.from_env({}).directory is None


@pytest.mark.parametrize("env,match", [
    ({"CLINK_LOG_FORMAT": "yaml"}, "CLINK_LOG_FORMAT"),
    ({"CLINK_LOG_DIR": ""}, "CLINK_LOG_DIR"),
    ({"CLINK_LOG_QUERY": "maybe"}, "CLINK_LOG_QUERY"),
    ({"CLINK_LOG_FLUSH": "soon"}, "CLINK_LOG_FLUSH"),
    ({"CLINK_LOG_FLUSH": "-2"}, "flush_interval"),
])
def test_logconf_from_env_rejects_bad_values(env, match):
    with pytest.raises(ConfError, match=match):
        LogConf.from_env(env)


def test_plugin_reads_the_environment_when_the_app_has_no_logconf(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("CLINK_LOG_DIR", str(tmp_path / "from-env"))
    monkeypatch.setenv("CLINK_LOG_FORMAT", "json")
    app = make_app(plugins=(clink_log.plugin,))
    app.load()
    sv = app.injector.ref(LogSv)
    assert sv.directory == str(tmp_path / "from-env") and sv.conf.format == "json"
    sv.close()


def test_the_apps_own_logconf_wins_over_the_environment(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("CLINK_LOG_DIR", str(tmp_path / "from-env"))
    monkeypatch.setenv("CLINK_LOG_FORMAT", "bogus")  # not even read
    app = make_app(plugins=(clink_log.plugin,))
    app.add_prim(LogConf(tmp_path / "mine"))
    app.load()
    sv = app.injector.ref(LogSv)
    assert sv.directory == str(tmp_path / "mine")
    assert not (tmp_path / "from-env").exists()
    sv.close()


def test_default_directory_is_named_after_the_app(make_app, tmp_path, monkeypatch):
    monkeypatch.delenv("CLINK_LOG_DIR", raising=False)
    monkeypatch.setattr(conf_module, "DEFAULT_ROOT", str(tmp_path))
    app = make_app(plugins=(clink_log.plugin,), name="book-api")
    Client(app).get("/nowhere")
    app.injector.ref(LogSv).close()
    assert (tmp_path / "book-api" / "request.log").read_text().count("\n") == 1
    assert (tmp_path / "book-api" / "error.log").read_text().count("\n") == 1


# -- a bad directory fails load() ---------------------------------------------------
def test_a_directory_that_cannot_be_created_fails_load(make_app, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    app = make_app(plugins=(clink_log.plugin,))
    app.add_prim(LogConf(blocker / "logs"))
    with pytest.raises(LogDirError) as info:
        app.load()
    assert str(blocker / "logs") in str(info.value)
    assert "cannot create the directory" in str(info.value)
    assert "CLINK_LOG_DIR" in str(info.value)
    assert not app.loaded


def test_a_log_file_that_cannot_be_opened_fails_load(make_app, tmp_path):
    (tmp_path / "request.log").mkdir()  # a directory where the file should be
    app = make_app(plugins=(clink_log.plugin,))
    app.add_prim(LogConf(tmp_path))
    with pytest.raises(LogDirError, match=r"cannot open request\.log"):
        app.load()


def test_handlers_added_without_the_plugin_fail_load_too(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    app = App(AppConf("x"), entrypoints=False)
    app.add_prim(LogConf(blocker))
    app.add_handlers(HANDLERS)
    with pytest.raises(LogDirError):  # a ConfError: the injector does not wrap it
        app.load()


def test_handlers_added_without_the_plugin_work(tmp_path):
    app = App(AppConf("x"), entrypoints=False)
    app.add_prim(LogConf(tmp_path))
    app.add_handlers(HANDLERS)
    res = Client(app).get("/nowhere")
    assert res.status == 404 and res.header("X-Request-Id")
    logs = Logs(app)
    assert len(logs.requests) == 1 and len(logs.errors) == 1
    logs.sv.close()


def test_the_default_directory_must_not_be_a_link(make_app, tmp_path, monkeypatch):
    monkeypatch.delenv("CLINK_LOG_DIR", raising=False)
    monkeypatch.setattr(conf_module, "DEFAULT_ROOT", str(tmp_path))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "book-api").symlink_to(elsewhere)
    app = make_app(plugins=(clink_log.plugin,), name="book-api")
    with pytest.raises(LogDirError, match="link or belongs to another user"):
        app.load()
    assert list(elsewhere.iterdir()) == []
