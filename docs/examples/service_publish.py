"""Service: logic two controllers share, created once by the injector (the manual's service.py).

The manual's example made its ids with bson's ObjectId; the kernel has no MongoDB
dependency, so this one numbers the publications.
"""

import itertools

from clink_core import App, AppConf, Controller, Request, Response, Service, Version, mapper, stamp
from clink_core.mime.type import MIME_PLAINTEXT
from clink_core.testing import Client


@stamp(AppConf)
class PubSv(Service):
    def __init__(self, app_conf: AppConf) -> None:
        self._app_conf = app_conf
        self._ids = itertools.count(1)

    def publish(self, kind: str, content: str) -> str:
        conf = self._app_conf
        return (f"Id: {next(self._ids)}\nType: {kind}\nContent:\n\n{content}\n\n"
                f"{conf.name} v{conf.version}\n{conf.org_name}\n{conf.org_addr}")


@stamp(PubSv)
@mapper.path("/newspaper")
class NewsCtl(Controller):
    def __init__(self, pub_sv: PubSv) -> None:
        self._pub_sv = pub_sv

    @mapper.post("", MIME_PLAINTEXT)
    def publish(self, req: Request, res: Response) -> None:
        res.body = self._pub_sv.publish("NEWSPAPER", req.body.decode("utf-8")).encode("utf-8")
        res.content_type = MIME_PLAINTEXT  # not JSON: a bytes body is sent as it is


@stamp(PubSv)
@mapper.path("/magazine")
class MagazineCtl(Controller):
    def __init__(self, pub_sv: PubSv) -> None:
        self._pub_sv = pub_sv

    @mapper.post("", MIME_PLAINTEXT)
    def publish(self, req: Request, res: Response) -> None:
        res.body = self._pub_sv.publish("MAGAZINE", req.body.decode("utf-8")).encode("utf-8")
        res.content_type = MIME_PLAINTEXT


conf = AppConf("book-api", "MIT", Version(0, 1, 0), "Hell Corporation", "1st, Hell street")
app = App(conf)
app.add_ctl(NewsCtl)
app.add_ctl(MagazineCtl)
app.load()

if __name__ == "__main__":
    client = Client(app)
    res = client.post("/newspaper", data="This is awesome newspaper", content_type="text/plain")
    assert res.status == 200 and res.content_type == "text/plain"
    assert res.text == ("Id: 1\nType: NEWSPAPER\nContent:\n\nThis is awesome newspaper\n\n"
                        "book-api v0.1.0\nHell Corporation\n1st, Hell street")
    res = client.post("/magazine", data="This is awesome magazine", content_type="text/plain")
    assert res.text.startswith("Id: 2\nType: MAGAZINE\n")  # one PubSv serves both controllers
    print("service: ok")
