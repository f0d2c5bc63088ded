"""A test client over an ``App``, built on werkzeug's.

    client = Client(app)
    res = client.post("/book/item", json={"name": "Dune"})
    assert res.status == 201 and res.json["name"] == "Dune"
"""

from __future__ import annotations

import json as jsonlib
from typing import Any

from werkzeug.test import Client as WerkzeugClient

from .app.app import App


class ClientResponse:
    """A response as the client saw it."""

    def __init__(self, status: int, headers: dict[str, str], data: bytes) -> None:
        self.status = status
        #: header names as sent; look-ups through ``header()`` ignore case.
        self.headers = headers
        self.data = data

    def header(self, name: str) -> str | None:
        """A header's value, whatever the case of ``name``."""
        lower = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lower:
                return value
        return None

    @property
    def content_type(self) -> str | None:
        return self.header("Content-Type")

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")

    @property
    def json(self) -> Any:
        """The body parsed as JSON (``ValueError`` when it is not JSON)."""
        return jsonlib.loads(self.data)

    def __repr__(self) -> str:
        return f"<ClientResponse {self.status} {self.data[:60]!r}>"


class Client:
    """Sends requests to an app in-process; loads the app if it is not loaded."""

    def __init__(self, app: App) -> None:
        if not app.loaded:
            app.load()
        self._client = WerkzeugClient(app)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | str | None = None,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, Any] | str | None = None,
    ) -> ClientResponse:
        """Send one request. ``json`` encodes a JSON body; ``data`` is sent as is."""
        if json is not None:
            data = jsonlib.dumps(json)
            content_type = content_type or "application/json"
        res = self._client.open(
            path,
            method=method.upper(),
            data=data,
            content_type=content_type,
            headers=headers,
            query_string=query,
        )
        with res:
            return ClientResponse(res.status_code, dict(res.headers), res.get_data())

    def get(self, path: str, **kw: Any) -> ClientResponse:
        return self.request("GET", path, **kw)

    def head(self, path: str, **kw: Any) -> ClientResponse:
        return self.request("HEAD", path, **kw)

    def post(self, path: str, **kw: Any) -> ClientResponse:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> ClientResponse:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> ClientResponse:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> ClientResponse:
        return self.request("DELETE", path, **kw)

    def options(self, path: str, **kw: Any) -> ClientResponse:
        return self.request("OPTIONS", path, **kw)





class LiveServer:
    """Serves an app on a real socket for the length of a ``with``: the server of
    ``clink run`` (``clink_core.cli.serve``), threaded, with its ``limits``.

        with LiveServer(app) as server:
            urllib.request.urlopen(server.url + "/book/item")
    """

    def __init__(
        self, app: App, host: str = "127.0.0.1", port: int = 0, limits: Any = None
    ) -> None:
        if not app.loaded:
            app.load()
        self.app = app
        self.host = host
        self.port = port
        #: a ``clink_core.cli.serve.ServerLimits``; ``None``: the defaults of ``clink run``.
        self.limits = limits
        self._server: Any = None
        self._thread: Any = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> LiveServer:
        import threading

        from .cli.serve import make_server

        self._server = make_server(self.host, self.port, self.app, self.limits)
        self.port = self._server.server_port
        # A short poll interval so leaving the ``with`` takes milliseconds, not 0.5 s.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


__all__ = ["Client", "ClientResponse", "LiveServer"]
