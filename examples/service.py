"""The manual's Service example: one service shared by two controllers.

Deviation: ids come from ``secrets`` instead of bson's ObjectId, so the example needs no
MongoDB driver.
"""

import secrets

from _serve import serve

from clink_core import App, AppConf, Controller, Request, Response, Service, Version, mapper, stamp
from clink_core.mime.type import MIME_PLAINTEXT

conf = AppConf(
    "book-api", "MIT License", Version(0, 1, 0), "Hell Corporation", "1st, Hell street"
)
app = App(conf)


@stamp(AppConf)
class PubService(Service):
    def __init__(self, app_conf):
        self._app_conf = app_conf

    def publish(self, type, content):
        parts = (
            "Id: ", secrets.token_hex(12), "\n",
            "Type: ", type, "\n",
            "Content:\n\n", content, "\n\n",
            self._app_conf.name, " v", str(self._app_conf.version), "\n",
            self._app_conf.org_name, "\n",
            self._app_conf.org_addr,
        )
        return "".join(parts)


@stamp(PubService)
@mapper.path("/newsparer")
class NewsCtl(Controller):
    def __init__(self, pub_sv):
        self._pub_sv = pub_sv

    @mapper.post("/", MIME_PLAINTEXT)
    def publish(self, req: Request, res: Response):
        content = req.body.decode("utf-8")
        pub = self._pub_sv.publish("NEWSPAPER", content)
        res.body = pub.encode("utf-8")
        res.content_type = MIME_PLAINTEXT


@stamp(PubService)
@mapper.path("/magazine")
class MagazineCtl(Controller):
    def __init__(self, pub_sv):
        self._pub_sv = pub_sv

    @mapper.post("/", MIME_PLAINTEXT)
    def publish(self, req: Request, res: Response):
        content = req.body.decode("utf-8")
        pub = self._pub_sv.publish("MAGAZINE", content)
        res.body = pub.encode("utf-8")
        res.content_type = MIME_PLAINTEXT


app.add_ctl(NewsCtl)
app.add_ctl(MagazineCtl)
app.load()

if __name__ == "__main__":
    serve(app)
