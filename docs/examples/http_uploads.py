"""multipart/form-data uploads: fields, declared files, limits."""

from clink_core import App, AppConf, Controller, Request, Response, mapper
from clink_core.http import FormConf, upload
from clink_core.testing import Client

FIELDS = {"type": "object", "required": ["title"],
          "properties": {"title": {"type": "string", "minLength": 1}}}


@mapper.path("/book")
class CoverCtl(Controller):
    @mapper.body(FIELDS)  # the text fields, checked like a JSON body
    @upload("cover", media_types=("image/png", "image/jpeg"))  # a required file
    @mapper.post("/cover", "multipart/form-data")
    def cover(self, req: Request, res: Response) -> None:
        cover = req.files["cover"]  # name, filename, content_type, size, stream
        res.status = 201
        res.body = {"title": req.form["title"], "file": cover.filename,
                    "type": cover.content_type, "bytes": cover.size,
                    "starts": cover.stream.read(4).decode("latin-1")}


app = App(AppConf("covers", max_body=10 * 1024 * 1024))  # the whole body
app.add_prim(FormConf(max_part=2 * 1024 * 1024, spool_after=256 * 1024))  # one file
app.add_ctl(CoverCtl)
client = Client(app)


def form(*parts: tuple[str, bytes, str | None, str | None]) -> bytes:
    out = b""
    for name, data, filename, ctype in parts:
        head = f'--XyZ\r\nContent-Disposition: form-data; name="{name}"'
        head += f'; filename="{filename}"' if filename else ""
        head += f"\r\nContent-Type: {ctype}" if ctype else ""
        out += (head + "\r\n\r\n").encode() + data + b"\r\n"
    return out + b"--XyZ--\r\n"


CTYPE = "multipart/form-data; boundary=XyZ"
png = b"\x89PNG" + b"\0" * 1000
res = client.post("/book/cover", content_type=CTYPE,
                  data=form(("title", b"Dune", None, None), ("cover", png, "c.png", "image/png")))
assert res.status == 201, res.json
assert res.json == {"title": "Dune", "file": "c.png", "type": "image/png", "bytes": 1004,
                    "starts": "\x89PNG"}

missing = client.post("/book/cover", content_type=CTYPE, data=form(("title", b"Dune", None, None)))
assert (missing.status, missing.json["message"]) == (400, "form file 'cover' is required")

gif = client.post("/book/cover", content_type=CTYPE,
                  data=form(("title", b"x", None, None), ("cover", b"GIF8", "c.gif", "image/gif")))
assert gif.status == 415

huge = client.post("/book/cover", content_type=CTYPE,
                   data=form(("cover", b"\0" * (3 * 1024 * 1024), "big.png", "image/png")))
assert huge.status == 413 and "larger than 2097152 bytes" in huge.json["message"]

broken = client.post("/book/cover", content_type=CTYPE, data=b"--XyZ\r\nno end")
assert broken.status == 400 and broken.json["message"].startswith("malformed multipart")

doc = app.openapi()["paths"]["/book/cover"]["post"]["requestBody"]["content"]
assert doc["multipart/form-data"]["schema"]["properties"]["cover"] == {
    "type": "string", "format": "binary"}
print("uploads: ok")
