"""The request a pipeline reads."""

from __future__ import annotations

import io
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..codec.error import FormBodyError
from ..error.http import Http400Error, Http413Error
from ..http.body import read_input
from ..http.stream import log_to_logger
from ..mime.type import MIME_MULTIPART_FORM, MIME_URL_ENCODE
from .client import Network, client_address
from .conf import DEFAULT_MAX_BODY, AppConf
from .context import Context
from .query import parse_query

if TYPE_CHECKING:
    from ..http.form import FormConf, UploadFile

#: marks a lazy attribute not computed yet.
_UNSET: Any = object()


class Request:
    """Carries data of the request from the client to the application.

    ``method``, ``path`` and ``content_type`` (the media type, lower-case, no
    parameters) are set when the request arrives; everything else is read from
    the WSGI environ on first access and can be assigned (a converter replaces
    ``body``). Header names are upper-case with underscores: ``USER_AGENT``.
    """

    # PERF: what every request sets lives in slots; a request that writes nothing
    # else (a GET) never allocates its instance dict.
    __slots__ = ("__dict__", "content_type", "env", "method", "path", "route", "start")

    #: path parameters of a templated route (``/book/{id:int}`` -> ``{"id": 42}``).
    params: dict[str, Any] = MappingProxyType({})  # type: ignore[assignment]

    # PERF: lazy values default to these class-level sentinels and, once computed,
    # live in the instance dict: a request pays only for what it reads, and a
    # first read costs a comparison, not an AttributeError (~0.5 µs).
    _args: dict[str, str] = _UNSET
    _args_all: dict[str, list[str]] = _UNSET
    _body: Any = _UNSET
    _content_length: int = _UNSET
    _header: dict[str, str] = _UNSET
    _query_str: str | None = _UNSET
    _context: Context = _UNSET
    _client_addr: str | None = _UNSET
    _cookies: dict[str, str] = _UNSET
    _form_all: dict[str, list[str]] = _UNSET
    _files_all: dict[str, list[UploadFile]] = _UNSET
    # Per app (``for_app``): the body limit and the proxies whose headers are believed.
    _max_body: int = DEFAULT_MAX_BODY
    _trusted: tuple[Network, ...] = ()
    _proxy_header: str = "X-Forwarded-For"
    # Per app (set at ``load()``): form limits, and the error-logging level that a
    # streamed response failing after its start reports to.
    _form_conf: FormConf | None = None  # None: FormConf()'s defaults
    _stream_log = staticmethod(log_to_logger)
    #: Per app: the context class made for every request as it arrives (its plugins
    #: declared attributes: ``App.declare_context``), or ``None``: ``context`` on first use.
    new_context: type[Context] | None = None

    def __init__(self, env: dict[str, Any] | None = None) -> None:
        self.env = env
        #: ``time.perf_counter()`` when the request arrived (set by the app), for
        #: every plugin that measures durations: one clock read per request.
        self.start: float | None = None
        #: the ``Route`` the router found (its ``path`` is the template), ``None`` before.
        self.route: Any = None
        self.method: str | None = None
        self.path: str | None = None
        self.content_type: str | None = None
        if self.new_context is not None:
            setattr(self, "context", self.new_context())  # noqa: B010 - the slot, not the property

    @classmethod
    def for_app(cls, conf: AppConf, context: type[Context] | None = None) -> type[Request]:
        """The request class of an app: ``conf``'s limits as class attributes, read for free.

        With a ``context`` class, ``context`` is a slot that whoever makes a request fills
        with ``new_context()`` (the runners, ``__init__``), not the lazy property.
        """
        # PERF: a slot read is C; the property is a Python call on every access (~1k
        # instructions each), which clink-log paid twice per request.
        return type(cls.__name__, (cls,), {
            "__slots__": () if context is None else ("context",),
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
            "_max_body": conf.max_body,
            "_trusted": conf.trusted_proxies,
            "_proxy_header": conf.proxy_header,
            "new_context": context,
        })

    @property
    def context(self) -> Context:
        """Per-request state of plugins and the application (``req.context.account``)."""
        context = self._context
        if context is _UNSET:
            context = self._context = Context()
        return context

    def _env(self, key: str, default: Any = None) -> Any:
        env = self.env
        return default if env is None else env.get(key, default)

    # -- query ----------------------------------------------------------------
    @property
    def query_str(self) -> str | None:
        """The raw query string, ``None`` when empty."""
        query = self._query_str
        if query is _UNSET:
            query = self._query_str = self._env("QUERY_STRING") or None
        return query

    @query_str.setter
    def query_str(self, value: str | None) -> None:
        self._query_str = value
        self._args = self._args_all = _UNSET

    @property
    def args_all(self) -> dict[str, list[str]]:
        """Every query argument: ``name -> [values]`` in the order sent."""
        args_all = self._args_all
        if args_all is _UNSET:
            query = self.query_str
            args_all = self._args_all = parse_query(query) if query else {}
        return args_all

    @args_all.setter
    def args_all(self, value: dict[str, list[str]]) -> None:
        self._args_all = value

    @property
    def args(self) -> dict[str, str]:
        """Query arguments, ``name -> value``; a repeated name gives its first value."""
        args = self._args
        if args is _UNSET:
            args = self._args = {k: v[0] for k, v in self.args_all.items()}
        return args

    @args.setter
    def args(self, value: dict[str, str]) -> None:
        self._args = value

    # -- headers --------------------------------------------------------------
    @property
    def header(self) -> dict[str, str]:
        """Request headers, names upper-case with underscores (``USER_AGENT``).

        A header sent several times arrives as one value joined by commas (the
        WSGI server joins them); ``header_values`` splits such lists.
        """
        header = self._header
        if header is _UNSET:
            env = self.env or {}
            header = {k[5:]: v for k, v in env.items() if k[:5] == "HTTP_"}
            for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                if env.get(key):
                    header[key] = env[key]
            self._header = header
        return header

    @header.setter
    def header(self, value: dict[str, str]) -> None:
        self._header = value

    @property
    def cookies(self) -> dict[str, str]:
        """The request's cookies, ``name -> value`` (parsed from ``Cookie`` on first use;
        a name sent twice keeps its first value)."""
        cookies = self._cookies
        if cookies is _UNSET:
            from ..http.cookie import parse_cookies  # PERF: imported when first used

            cookies = self._cookies = parse_cookies(self._env("HTTP_COOKIE"))
        return cookies

    def header_values(self, name: str) -> list[str]:
        """Every value of a list-valued header, e.g. ``X_TAG: a, b`` -> ``["a", "b"]``."""
        raw = self.header.get(name)
        if raw is None:
            return []
        return [part.strip() for part in raw.split(",") if part.strip()]

    # -- body -----------------------------------------------------------------
    @property
    def content_length(self) -> int:
        """Length of the body announced by the client, 0 when none."""
        length = self._content_length
        if length is _UNSET:
            raw = self._env("CONTENT_LENGTH")
            length = int(raw) if raw and raw.isascii() and raw.isdigit() else 0
            self._content_length = length
        return length

    @content_length.setter
    def content_length(self, value: int) -> None:
        self._content_length = value

    @property
    def body(self) -> Any:
        """Raw body bytes (``None`` when empty) until a converter replaces them."""
        body = self._body
        if body is _UNSET:
            body = self._body = self._read_body()
        return body

    @body.setter
    def body(self, value: Any) -> None:
        self._body = value

    def _read_body(self) -> bytes | None:
        env = self.env
        if env is None:
            return None
        stream = env.get("wsgi.input")
        length = self.content_length
        if length:
            data = read_input(stream, length) if stream is not None else b""
            if len(data) < length:
                raise Http400Error(
                    f"request body ended after {len(data)} of the {length} bytes "
                    "announced by Content-Length",
                )
            return data
        if stream is not None and env.get("wsgi.input_terminated"):
            limit = self._max_body
            data = read_input(stream, limit + 1)
            if len(data) > limit:
                raise Http413Error(f"request body is larger than {limit} bytes")
            return data or None
        return None

    # -- forms ----------------------------------------------------------------
    def _parse_form(self) -> None:
        """Fill ``_form_all`` and ``_files_all`` from a multipart or url-encoded body."""
        ctype = self.content_type
        files: dict[str, list[UploadFile]] = {}
        env = self.env
        body = self._body
        if ctype == MIME_MULTIPART_FORM and env is not None and (
            body is _UNSET or body is None or isinstance(body, bytes)
        ):
            from ..http.form import FormConf, parse_multipart  # PERF: imported when first used

            length = self.content_length
            if body is not _UNSET:  # read whole already (by a plugin): parsed from memory
                data = body or b""
                env = {**env, "wsgi.input": io.BytesIO(data), "wsgi.input_terminated": False}
                length = len(data)
            conf = self._form_conf or FormConf()
            form, files = parse_multipart(env, length, self._max_body, conf)
            self._body = {k: v[0] if len(v) == 1 else v for k, v in form.items()}
        elif ctype in (MIME_URL_ENCODE, MIME_MULTIPART_FORM):
            body = self.body
            if isinstance(body, dict):  # converted at level 3
                form = {k: list(v) if isinstance(v, list) else [v] for k, v in body.items()}
            elif isinstance(body, bytes):
                try:
                    text = body.decode("utf-8")
                except UnicodeDecodeError:
                    raise FormBodyError("url-encoded body is not valid UTF-8") from None
                form = parse_query(text, "url-encoded body", FormBodyError)
            else:
                form = {}
        else:
            form = {}
        self._form_all = form
        self._files_all = files

    @property
    def form_all(self) -> dict[str, list[str]]:
        """Every text field of a ``multipart/form-data`` or url-encoded body:
        ``name -> [values]`` in the order sent; ``{}`` for other bodies."""
        form = self._form_all
        if form is _UNSET:
            self._parse_form()
            form = self._form_all
        return form

    @property
    def form(self) -> dict[str, str]:
        """Text fields of a form body, ``name -> value``; a repeated name gives its first."""
        return {k: v[0] for k, v in self.form_all.items()}

    @property
    def files_all(self) -> dict[str, list[UploadFile]]:
        """Every file of a ``multipart/form-data`` body: ``field name -> [UploadFile]``."""
        files = self._files_all
        if files is _UNSET:
            self._parse_form()
            files = self._files_all
        return files

    @property
    def files(self) -> dict[str, UploadFile]:
        """Files of a ``multipart/form-data`` body, ``field name -> UploadFile`` (the first
        of a repeated name): ``name``, ``filename``, ``content_type``, ``size``, ``stream``."""
        return {k: v[0] for k, v in self.files_all.items()}

    # -- conditional requests -------------------------------------------------
    def precondition(
        self,
        etag: str | None = None,
        last_modified: Any = None,
        *,
        exists: bool | None = None,
    ) -> None:
        """Before a PUT, PATCH or DELETE changes a resource: ``Http412Error`` when the
        request's ``If-Match`` / ``If-Unmodified-Since`` / ``If-None-Match`` do not hold
        for the resource's current ``etag`` and ``last_modified``."""
        from ..http.conditional import precondition  # PERF: imported when first used

        precondition(self, etag, last_modified, exists=exists)

    # -- connection -----------------------------------------------------------
    @property
    def server_name(self) -> str | None:
        name: str | None = self._env("SERVER_NAME")
        return name

    @property
    def server_port(self) -> int | None:
        """The port the request came to (``None`` unless a number of 0 to 65535)."""
        return _port(self._env("SERVER_PORT"))

    @property
    def server_protocol(self) -> str | None:
        protocol: str | None = self._env("SERVER_PROTOCOL")
        return protocol

    @property
    def remote_addr(self) -> str | None:
        """The address of the peer that connected (a proxy, when there is one)."""
        addr: str | None = self._env("REMOTE_ADDR")
        return addr

    @property
    def client_addr(self) -> str | None:
        """The client's address: ``remote_addr``, or through the app's trusted proxies
        (``AppConf(trusted_proxies=..., proxy_header=...)``) the address they report."""
        addr = self._client_addr
        if addr is _UNSET:
            env = self.env
            addr = self._client_addr = (
                None if env is None else client_address(env, self._trusted, self._proxy_header)
            )
        return addr

    @property
    def remote_port(self) -> int | None:
        """The peer's port (``None`` unless a number of 0 to 65535); under ASGI, from the
        scope's ``client`` (``app.asgi`` leaves ``REMOTE_PORT`` out of the environ)."""
        port = self._env("REMOTE_PORT")
        if port is None:
            client = (self._env("asgi.scope") or {}).get("client")
            port = client[1] if client else None
        return _port(port)


def _port(value: Any) -> int | None:
    """A port number from the environ; gunicorn takes SERVER_PORT from the Host header,
    so a client chooses it: anything but 1 to 5 digits (int() refuses 4300) is None."""
    if value is None:
        return None
    text = str(value)
    if not (0 < len(text) <= 5 and text.isascii() and text.isdigit()):
        return None
    port = int(text)
    return port if port <= 65535 else None
