"""What the kernel fuzzers share: an app that reads every parsed part of a request, WSGI
environs built from raw parts, and the property every answer must hold.

Used by ``tests/core/test_fuzz_parsing.py`` (hypothesis) and ``fuzz/fuzz_kernel.py``
(atheris). The app has no plugin: this is the kernel's parsing alone. Its handlers
answer sizes and type names, never a submitted value, so a ``SECRET`` planted in a
query value, a header or a body must never come back.

The property (``check``): ``App.__call__`` returns (no exception), calls
``start_response`` once with a known status line and header values free of CR/LF,
its body iterates to bytes; an error status (4xx, 5xx) carries the kernel's JSON
error body naming that status; no answer is the generic 500 of an unexpected
exception; no body holds a traceback or the secret; and one request costs at most
``TIME_BOUND`` seconds of CPU (the thread's CPU time, so other processes on a busy
machine do not count; the best of ``TIME_TRIES`` runs, so a cache or GC hiccup is not
taken for a CPU-exhaustion bug).
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from typing import Any

from clink_core import App, AppConf, Controller, mapper
from clink_core.error.http import STATUS_LINES
from clink_core.handler.err_http import INTERNAL_MESSAGE
from clink_core.http import produces
from clink_core.mime import media_type

#: planted in values the client sends; no answer may contain it.
SECRET = "Zq7SECRETvalue9x"
#: no request may cost more CPU than this (seconds): the CPU-exhaustion bound.
TIME_BOUND = 0.050
#: runs of an input over the bound before it counts as too slow (the best one counts).
TIME_TRIES = 3
_TRACEBACK_MARKS = (b"Traceback (most recent call last)", b'File "', b"line ")

#: a small file the app serves (ranges, conditional GETs).
_FILE = os.path.join(tempfile.gettempdir(), f"clink-fuzz-{os.getpid()}.bin")

BOOK_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 20},
        "n": {"type": "integer", "minimum": 0, "maximum": 10**6},
        "price": {"type": "number"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
        "meta": {"type": "object"},
    },
}


@dataclasses.dataclass
class Pet:
    """A model body (decoded by msgspec)."""

    name: str
    age: int = 0


def _kind(value: Any) -> str:
    return type(value).__name__


@mapper.path("/f")
class FuzzCtl(Controller):
    """Routes that read each parsed part of a request and answer only sizes and types."""

    @mapper.get("/read")
    def read(self, req: Any, res: Any) -> None:
        res.body = {
            "args": len(req.args), "args_all": sum(map(len, req.args_all.values())),
            "query": len(req.query_str or ""), "header": len(req.header),
            "tags": len(req.header_values("X_TAG")), "cookies": len(req.cookies),
            "client": _kind(req.client_addr), "remote": _kind(req.remote_addr),
            "server": [_kind(req.server_name), _kind(req.server_port), _kind(req.remote_port)],
            "length": req.content_length, "form": len(req.form_all), "files": len(req.files_all),
            "body": _kind(req.body), "context": _kind(req.context),
        }

    @mapper.get("/query")
    @mapper.query("page", {"type": "integer", "minimum": 1, "maximum": 1000})
    @mapper.query("ratio", {"type": "number"})
    @mapper.query("flag", {"type": "boolean"})
    @mapper.query("tag", {"type": "array", "items": {"type": "integer"}, "maxItems": 8})
    @mapper.query("name", {"type": "string", "pattern": "^[a-z]{1,8}$"})
    @mapper.query("need", {"type": "string", "maxLength": 4}, required=True)
    def query(self, req: Any, res: Any) -> None:
        res.body = {name: _kind(value) for name, value in req.args.items()}

    @mapper.get("/int/{id:int}")
    def by_int(self, req: Any, res: Any) -> None:
        res.body = {"id": req.params["id"].bit_length()}

    @mapper.get("/float/{x:float}")
    def by_float(self, req: Any, res: Any) -> None:
        res.body = {"x": _kind(req.params["x"])}

    @mapper.get("/uuid/{u:uuid}")
    def by_uuid(self, req: Any, res: Any) -> None:
        res.body = {"u": req.params["u"].version}

    @mapper.get("/path/{rest:path}")
    def by_path(self, req: Any, res: Any) -> None:
        res.body = {"rest": len(req.params["rest"])}

    @mapper.get("/doc/{name}.{ext}")
    def by_doc(self, req: Any, res: Any) -> None:
        res.body = {"name": len(req.params["name"]), "ext": len(req.params["ext"])}

    @mapper.post("/json")
    @mapper.body(BOOK_SCHEMA)
    def json_schema(self, req: Any, res: Any) -> None:
        res.status = 201
        res.body = {"keys": len(req.body)}

    @mapper.post("/any")
    def json_any(self, req: Any, res: Any) -> None:
        res.body = {"body": _kind(req.body)}

    @mapper.put("/any")
    def json_put(self, req: Any, res: Any) -> None:
        req.precondition(etag="v1", last_modified=1_000_000_000)
        res.body = {"body": _kind(req.body)}

    @mapper.patch("/any", "application/merge-patch+json")
    def json_patch(self, req: Any, res: Any) -> None:
        res.body = {"body": _kind(req.body)}

    @mapper.post("/pet")
    @mapper.body(Pet)
    def pet(self, req: Any, res: Any) -> None:
        res.body = {"age": req.body.age.bit_length()}

    @mapper.post("/form", "application/x-www-form-urlencoded")
    def form(self, req: Any, res: Any) -> None:
        res.body = {"fields": len(req.body or {}), "form": len(req.form)}

    @mapper.post("/upload", "multipart/form-data")
    def upload(self, req: Any, res: Any) -> None:
        files = req.files_all
        res.body = {
            "fields": len(req.form_all),
            "files": [[len(f.filename or ""), f.size, len(f.read(64))] for fs in files.values()
                      for f in fs],
        }

    @mapper.post("/raw", "application/octet-stream")
    def raw(self, req: Any, res: Any) -> None:
        res.body = {"size": len(req.body or b"")}

    @mapper.get("/cond")
    def cond(self, req: Any, res: Any) -> None:
        res.etag = "v1"
        res.last_modified = 1_000_000_000
        res.body = {"v": 1}

    @mapper.get("/file")
    def file(self, req: Any, res: Any) -> None:
        res.send_file(_FILE)

    @mapper.get("/csv")
    @produces("text/csv")
    def csv(self, req: Any, res: Any) -> None:
        res.content_type = "text/csv"
        res.body = "a,b\r\n1,2\r\n"

    @mapper.delete("/any")
    def remove(self, req: Any, res: Any) -> None:
        res.status = 204


#: (method, path) of every route, for inputs that reach handlers.
ROUTES: tuple[tuple[str, str], ...] = (
    ("GET", "/f/read"), ("GET", "/f/query"), ("GET", "/f/int/12"), ("GET", "/f/float/1.5"),
    ("GET", "/f/uuid/12345678-1234-5678-1234-567812345678"), ("GET", "/f/path/a/b.txt"),
    ("GET", "/f/doc/a.txt"), ("POST", "/f/json"), ("POST", "/f/any"), ("PUT", "/f/any"),
    ("PATCH", "/f/any"), ("POST", "/f/pet"), ("POST", "/f/form"), ("POST", "/f/upload"),
    ("POST", "/f/raw"), ("GET", "/f/cond"), ("GET", "/f/file"), ("GET", "/f/csv"),
    ("DELETE", "/f/any"), ("OPTIONS", "/f/read"), ("HEAD", "/f/file"),
)


def build_apps() -> list[App]:
    """The apps under test: the manual's error bodies with ``X-Forwarded-For`` from a
    trusted proxy, and RFC 9457 problems with ``Forwarded``."""
    with open(_FILE, "wb") as f:
        f.write(bytes(range(256)) * 16)
    apps = []
    for conf in (
        AppConf("fuzz", trusted_proxies=["127.0.0.0/8", "::1"], proxy_header="X-Forwarded-For"),
        AppConf("fuzz-problem", error_format="problem", trusted_proxies=["10.0.0.0/8"],
                proxy_header="Forwarded"),
    ):
        app = App(conf, entrypoints=False)
        app.add_ctl(FuzzCtl)
        app.load()
        apps.append(app)
    return apps


# -- environs -------------------------------------------------------------------------
def wsgi_str(raw: bytes | str) -> str:
    """Bytes as a WSGI server hands them to the app: a "native string" (Latin-1)."""
    return raw.decode("latin-1") if isinstance(raw, bytes) else raw


def environ(
    method: str,
    path: bytes | str,
    query: bytes | str = "",
    headers: Iterable[tuple[str, bytes | str]] = (),
    body: bytes = b"",
    *,
    length: str | None = None,
    chunked: bool = False,
    raw_uri: bytes | str | None = None,
    remote: str = "127.0.0.1",
) -> dict[str, Any]:
    """A WSGI environ. ``headers`` are (name, value) with HTTP names (``Content-Type``);
    ``length`` overrides the Content-Length (default: the body's, none when empty);
    ``chunked`` sends the body as a server does for ``Transfer-Encoding: chunked``
    (no Content-Length, ``wsgi.input_terminated``)."""
    env: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": wsgi_str(path),
        "QUERY_STRING": wsgi_str(query),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8080",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": remote,
        "REMOTE_PORT": "54321",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if raw_uri is not None:
        env["RAW_URI"] = env["REQUEST_URI"] = wsgi_str(raw_uri)
    for name, value in headers:
        key = name.upper().replace("-", "_")
        key = key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key
        value = wsgi_str(value)
        env[key] = f"{env[key]},{value}" if key in env else value  # as servers join repeats
    if chunked:
        env["wsgi.input_terminated"] = True
        env.pop("CONTENT_LENGTH", None)
    elif length is not None:
        env["CONTENT_LENGTH"] = length
    elif body and "CONTENT_LENGTH" not in env:
        env["CONTENT_LENGTH"] = str(len(body))
    return env


# -- calling and checking ---------------------------------------------------------------
class Answer:
    """What the app answered one environ, and the CPU time it took (seconds)."""

    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes, took: float):
        self.status_line = status
        self.status = int(status.split(" ", 1)[0])
        self.headers = headers
        self.body = body
        self.took = took

    def __repr__(self) -> str:
        return f"<Answer {self.status_line} {self.body[:120]!r} {self.took * 1000:.1f} ms>"


class PropertyError(AssertionError):
    """An answer that breaks the fuzzing property; the message says which part."""


def call(app: App, env: dict[str, Any]) -> Answer:
    """Run ``app`` on ``env`` as a WSGI server does (the body iterated and closed)."""
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if started and exc_info is None:
            raise PropertyError("start_response called twice without exc_info")
        started.append((status, headers))
        return lambda data: None

    begin = time.thread_time()
    result = app(env, start_response)  # an exception here is the bug the fuzzers look for
    try:
        chunks = list(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    took = time.thread_time() - begin
    if len(started) != 1:
        raise PropertyError(f"start_response called {len(started)} times")
    for chunk in chunks:
        if not isinstance(chunk, bytes):
            raise PropertyError(f"the body yielded {type(chunk).__name__}, not bytes")
    status, headers = started[0]
    return Answer(status, headers, b"".join(chunks), took)


def shown_by_design(env: dict[str, Any]) -> bool:
    """Whether ``SECRET`` is in a part of the request that error messages name on purpose:
    the path (404, 405), the method (405) or the media type (415)."""
    return any(SECRET in (part or "") for part in (
        env.get("PATH_INFO"), env.get("REQUEST_METHOD"), media_type(env.get("CONTENT_TYPE")),
    ))


def check(answer: Answer, env: dict[str, Any]) -> None:
    """Raise ``PropertyError`` unless ``answer`` (to ``env``) holds the property (module
    docstring)."""
    method = env["REQUEST_METHOD"]
    status = answer.status
    if STATUS_LINES.get(status) != answer.status_line:
        raise PropertyError(f"unknown status line {answer.status_line!r}")
    for name, value in answer.headers:
        if not isinstance(value, str) or any(c in value for c in "\r\n\x00"):
            raise PropertyError(f"response header {name!r} holds CR, LF or NUL: {value!r}")
    body = answer.body
    leaked = SECRET.encode() in body or any(SECRET in value for _, value in answer.headers)
    if leaked and not shown_by_design(env):
        raise PropertyError(f"the answer echoes a submitted secret value: {answer!r}")
    if any(mark in body for mark in _TRACEBACK_MARKS[:1]) or (
        _TRACEBACK_MARKS[1] in body and _TRACEBACK_MARKS[2] in body
    ):
        raise PropertyError(f"the body holds a traceback: {answer!r}")
    if status >= 400 and method != "HEAD":
        try:
            parsed = json.loads(body)
        except ValueError:
            raise PropertyError(f"error {status} without a JSON body: {answer!r}") from None
        if not isinstance(parsed, dict) or parsed.get("status") != status:
            raise PropertyError(f"error body does not name its status {status}: {answer!r}")
        message = parsed.get("message", parsed.get("detail"))
        if status == 500 and message == INTERNAL_MESSAGE:
            raise PropertyError(f"an unexpected exception (a generic 500): {answer!r}")
    if status == 500:
        raise PropertyError(f"a 500 is never a deliberate answer of this app: {answer!r}")


def run_checked(
    app: App, make_env: Callable[[], dict[str, Any]], bound: float = TIME_BOUND
) -> Answer:
    """Call ``app`` with a fresh ``make_env()``, check the property and the time bound
    (re-running an input over the bound, up to ``TIME_TRIES`` times in all); the answer."""
    env = make_env()
    answer = call(app, env)
    check(answer, env)
    best = answer.took
    tries = 1
    while best > bound and tries < TIME_TRIES:
        env = make_env()
        again = call(app, env)
        check(again, env)
        best = min(best, again.took)
        tries += 1
    if best > bound:
        raise PropertyError(
            f"a request took {best * 1000:.1f} ms of CPU (best of {tries}), over the "
            f"{bound * 1000:.0f} ms bound: {answer!r}"
        )
    return answer
