"""Issue 11.4: ``multipart/form-data`` uploads: fields, files, spooling, limits, bad bodies."""

from __future__ import annotations

import io
from typing import Any

import pytest

from clink_core import App, AppConf, Controller, Request, Response, mapper, stamp
from clink_core.http import FormConf, MultipartBodyError
from clink_core.http.form import parse_multipart
from clink_core.testing import Client
from clink_core.type.error import ConfError

BOUNDARY = "----clinkBoundary7MA4YWxk"
CTYPE = f"multipart/form-data; boundary={BOUNDARY}"
SEEN: dict[str, Any] = {}


def part(name: str, value: bytes | str, filename: str | None = None,
         content_type: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    data = value.encode() if isinstance(value, str) else value
    return head.encode() + b"\r\n" + data + b"\r\n"


def body(*parts: bytes, end: bool = True) -> bytes:
    return b"".join(parts) + (f"--{BOUNDARY}--\r\n".encode() if end else b"")


@stamp()
@mapper.path("/f")
class FormCtl(Controller):
    @mapper.post("/upload", "multipart/form-data")
    def upload(self, req: Request, res: Response) -> None:
        files = {
            name: [{"filename": f.filename, "type": f.content_type, "size": f.size,
                    "data": f.read().decode("latin-1"),
                    "on_disk": not isinstance(getattr(f.stream, "_file", None), io.BytesIO)}
                   for f in uploads]
            for name, uploads in req.files_all.items()
        }
        SEEN["first"] = req.files.get("doc")
        res.body = {"form": req.form, "form_all": req.form_all, "body": req.body,
                    "files": files}

    @mapper.post("/urlencoded", "application/x-www-form-urlencoded")
    def urlencoded(self, req: Request, res: Response) -> None:
        res.body = {"form": req.form, "form_all": req.form_all, "files": req.files}


def make_app(**form: Any) -> App:
    app = App(AppConf("forms", max_body=form.pop("max_body", 64 * 1024)), entrypoints=False)
    app.add_ctl(FormCtl)
    app.add_prim(FormConf(**form))
    app.load()
    return app


def make_client(**form: Any) -> Client:
    return Client(make_app(**form))


@pytest.fixture(scope="module")
def client() -> Client:
    return make_client(max_part=4096, max_field=64, max_parts=5, spool_after=100)


def test_fields_and_files(client: Client) -> None:
    res = client.post("/f/upload", content_type=CTYPE, data=body(
        part("title", "Dune"),
        part("tag", "sf"), part("tag", "classic"),
        part("doc", b"%PDF-1.4 small", "dune.pdf", "application/pdf"),
        part("doc", b"x" * 300, "big.bin"),
    ))
    assert res.status == 200, res.json
    got = res.json
    assert got["form"] == {"title": "Dune", "tag": "sf"}
    assert got["form_all"] == {"title": ["Dune"], "tag": ["sf", "classic"]}
    assert got["body"] == {"title": "Dune", "tag": ["sf", "classic"]}  # what converters give
    first, second = got["files"]["doc"]
    assert first == {"filename": "dune.pdf", "type": "application/pdf", "size": 14,
                     "data": "%PDF-1.4 small", "on_disk": False}
    assert second["type"] == "application/octet-stream" and second["size"] == 300
    assert second["on_disk"] is True  # past spool_after: a temporary file
    assert SEEN["first"].filename == "dune.pdf"


def test_upload_file_save(client: Client, tmp_path: Any) -> None:
    client.post("/f/upload", content_type=CTYPE, data=body(part("doc", b"keep me", "k.txt")))
    upload = SEEN["first"]
    upload.save(tmp_path / "out.txt")
    assert (tmp_path / "out.txt").read_bytes() == b"keep me"
    assert "k.txt" in repr(upload)


def test_a_file_part_over_its_limit_is_413(client: Client) -> None:
    res = client.post("/f/upload", content_type=CTYPE,
                      data=body(part("doc", b"x" * 5000, "huge.bin")))
    assert res.status == 413
    assert res.json["message"] == "file part 'doc' is larger than 4096 bytes"


def test_a_field_over_its_limit_is_413(client: Client) -> None:
    res = client.post("/f/upload", content_type=CTYPE, data=body(part("title", "t" * 65)))
    assert res.status == 413 and "form field 'title' is larger than 64" in res.json["message"]


def test_too_many_parts_is_413(client: Client) -> None:
    res = client.post("/f/upload", content_type=CTYPE,
                      data=body(*[part(f"f{i}", "v") for i in range(7)]))
    assert res.status == 413 and "more than 5 parts" in res.json["message"]


def test_a_body_over_max_body_is_413_before_it_is_read() -> None:
    app = make_app(max_body=1000)

    class Unreadable(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buf: Any) -> int:
            raise AssertionError("the body was read")

    from werkzeug.test import EnvironBuilder

    env = EnvironBuilder(path="/f/upload", method="POST", content_type=CTYPE).get_environ()
    env["CONTENT_LENGTH"] = "5000"
    env["wsgi.input"] = Unreadable()
    answered: list[str] = []
    out = b"".join(app(env, lambda status, headers, exc=None: answered.append(status)))
    assert answered == ["413 Content Too Large"] and b"exceeds the limit of 1000" in out


def test_chunked_body_over_max_body_is_413_as_it_arrives() -> None:
    app = make_app(max_body=1000, max_part=None)
    data = body(part("doc", b"y" * 5000, "big.bin"))
    read: list[int] = []

    class Counting(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            chunk = super().read(size)
            read.append(len(chunk))
            return chunk

    from werkzeug.test import EnvironBuilder

    env = EnvironBuilder(path="/f/upload", method="POST", content_type=CTYPE).get_environ()
    env.pop("CONTENT_LENGTH", None)
    env["wsgi.input"] = Counting(data)
    env["wsgi.input_terminated"] = True
    answered: list[str] = []
    out = b"".join(app(env, lambda status, headers, exc=None: answered.append(status)))
    assert answered == ["413 Content Too Large"], out
    assert b"larger than 1000 bytes" in out


@pytest.mark.parametrize(("data", "ctype", "problem"), [
    (body(part("a", "1"), end=False), CTYPE, "ended before its closing boundary"),
    (b"not multipart at all", CTYPE, "ended before its closing boundary"),
    (body(part("a", "1")), "multipart/form-data", "needs a boundary parameter"),
    (body(part("a", "1")), "multipart/form-data; boundary=" + "b" * 71, "needs a boundary"),
    (body(part("", "1")), CTYPE, "part 1 has no name"),
    (body(part("a", b"\xff\xfe")), CTYPE, "form field 'a' is not valid UTF-8"),
])
def test_malformed_bodies_are_400_naming_the_problem(
    client: Client, data: bytes, ctype: str, problem: str
) -> None:
    res = client.post("/f/upload", content_type=ctype, data=data)
    assert res.status == 400, res.json
    assert problem in res.json["message"]
    assert res.json["message"].startswith(("malformed multipart/form-data body", "form field"))


def test_a_short_body_is_400() -> None:
    env = {"CONTENT_TYPE": CTYPE, "wsgi.input": io.BytesIO(b"--x")}
    with pytest.raises(Exception, match="ended after 3 of the 50 bytes"):
        parse_multipart(env, 50, 1000, FormConf())


def test_urlencoded_forms_read_through_req_form(client: Client) -> None:
    res = client.post("/f/urlencoded", content_type="application/x-www-form-urlencoded",
                      data="a=1&b=x+y&a=2")
    assert res.json == {"form": {"a": "1", "b": "x y"},
                        "form_all": {"a": ["1", "2"], "b": ["x y"]}, "files": {}}


def test_standalone_request_forms() -> None:
    data = body(part("a", "1"), part("f", b"x", "f.txt"))
    env = {"CONTENT_TYPE": CTYPE, "CONTENT_LENGTH": str(len(data)),
           "wsgi.input": io.BytesIO(data)}
    req = Request(env)
    req.content_type = "multipart/form-data"
    assert req.form == {"a": "1"} and req.files["f"].read() == b"x"
    assert Request().form == {} and Request().files_all == {}
    empty = Request({"CONTENT_TYPE": CTYPE, "wsgi.input": io.BytesIO(b"")})
    empty.content_type = "multipart/form-data"
    with pytest.raises(MultipartBodyError, match="the body is empty"):
        empty.form  # noqa: B018


def test_a_body_read_before_is_still_parsed_as_multipart() -> None:
    """A plugin that read ``req.body`` whole (at level 1, say) does not turn the form into
    url-encoded garbage: the bytes are parsed as the multipart body they are."""
    data = body(part("a", "1"), part("f", b"xyz", "f.txt"))
    req = Request({"CONTENT_TYPE": CTYPE, "CONTENT_LENGTH": str(len(data)),
                   "wsgi.input": io.BytesIO(data)})
    req.content_type = "multipart/form-data"
    assert req.body == data
    assert req.form_all == {"a": ["1"]}
    assert req.files["f"].read() == b"xyz"
    assert req.body == {"a": "1"}


@pytest.mark.parametrize("kwargs", [
    {"max_part": -1}, {"max_field": "10"}, {"max_parts": True}, {"spool_after": None},
])
def test_form_conf_checked(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfError, match="FormConf"):
        FormConf(**kwargs)


def test_form_conf_from_env() -> None:
    conf = FormConf.from_env({"CLINK_FORM_MAX_PART": "10", "CLINK_FORM_SPOOL_AFTER": " 5 "})
    assert (conf.max_part, conf.spool_after, conf.max_parts) == (10, 5, 1000)
    with pytest.raises(ConfError, match="CLINK_FORM_MAX_FIELD must be a whole number"):
        FormConf.from_env({"CLINK_FORM_MAX_FIELD": "lots"})


def test_multipart_body_error_is_a_400() -> None:
    assert MultipartBodyError("x").status == 400


class _Broken(io.RawIOBase):
    def __init__(self, error: OSError) -> None:
        self.error = error

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        raise self.error


@pytest.mark.parametrize(("error", "status"), [
    (ConnectionResetError(104, "Connection reset by peer"), 400),
    (TimeoutError("timed out"), 408),
])
@pytest.mark.parametrize("ctype", [CTYPE, "application/json", "application/octet-stream"])
def test_a_connection_broken_during_the_body_is_4xx_not_a_500(
    error: OSError, status: int, ctype: str, caplog: pytest.LogCaptureFixture
) -> None:
    from clink_core.http.body import read_input

    with pytest.raises(Exception) as raised:
        read_input(_Broken(error), 10)
    assert raised.value.status == status  # type: ignore[attr-defined]
    req = Request({"CONTENT_TYPE": ctype, "CONTENT_LENGTH": "100",
                   "wsgi.input": _Broken(error)})
    req.content_type = ctype.partition(";")[0]
    with pytest.raises(Exception) as raised:
        req.form_all if ctype == CTYPE else req.body  # noqa: B018
    assert raised.value.status == status  # type: ignore[attr-defined]
    assert "could not be read" in str(raised.value) or "in time" in str(raised.value)


@pytest.mark.parametrize("port", ["9" * 5000, "65536", "-1", "", "8o"])
def test_ports_a_client_chooses(port: str) -> None:
    req = Request({"SERVER_PORT": port, "REMOTE_PORT": port})
    assert (req.server_port, req.remote_port) == (None, None)
    assert Request({"SERVER_PORT": "8080", "REMOTE_PORT": 5555}).remote_port == 5555
