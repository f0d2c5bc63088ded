"""Application: configuration, components, load, serve; what an app refuses and when."""

from clink_core import (
    App,
    AppConf,
    AppStateError,
    Controller,
    Request,
    Response,
    Service,
    Version,
    mapper,
    stamp,
)
from clink_core.testing import Client

# Step 1: the configuration, a primitive every component may ask for.
conf = AppConf("book-api", "MIT", Version(1, 2, 0), "Hell Corporation", "1st, Hell street",
               max_body=64 * 1024)


# Step 2: the components: a service and a controller that uses it.
@stamp(AppConf)
class AboutSv(Service):
    def __init__(self, app_conf: AppConf) -> None:
        self._conf = app_conf

    def about(self) -> dict[str, str]:
        return {"name": self._conf.name, "version": str(self._conf.version),
                "org": self._conf.org_name}


@stamp(AboutSv)
@mapper.path("/about")
class AboutCtl(Controller):
    def __init__(self, about_sv: AboutSv) -> None:
        self._about_sv = about_sv

    @mapper.get("")
    def get(self, req: Request, res: Response) -> None:
        res.body = self._about_sv.about()


# Step 3: the app; add the controller (its service comes through the stamp), then load.
app = App(conf)
app.add_ctl(AboutCtl)
app.load()  # creates every component, builds the routes, compiles the pipeline

if __name__ == "__main__":
    assert Client(app).get("/about").json == {
        "name": "book-api", "version": "1.2.0", "org": "Hell Corporation"}

    # An App is a WSGI callable: any WSGI server serves it (gunicorn module:app).
    statuses: list[str] = []
    body = app({"REQUEST_METHOD": "GET", "PATH_INFO": "/about", "wsgi.input": None},
               lambda status, headers, exc_info=None: statuses.append(status))
    assert statuses == ["200 OK"] and b"book-api" in b"".join(body)

    # Everything is added before load(): afterwards the app refuses, saying so.
    try:
        app.add_ctl(AboutCtl)
    except AppStateError as e:
        assert "after load()" in str(e)
    else:
        raise AssertionError("a controller was added after load()")

    # The same configuration from the environment (what a deployment sets).
    env_conf = AppConf.from_env({"CLINK_APP_NAME": "book-api", "CLINK_APP_VERSION": "1.2.0",
                                 "CLINK_MAX_BODY": "65536", "CLINK_PLUGINS": "log,cors"})
    assert (env_conf.name, str(env_conf.version), env_conf.max_body, env_conf.plugins) == (
        "book-api", "1.2.0", 65536, ("log", "cors"))

    # close() lets the plugins finish (flush logs, send queued mail); it runs at exit too.
    app.close()
    print("application: ok")
