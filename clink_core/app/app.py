"""The application: components, plugins and routes, assembled into a pipeline at ``load()``."""

from __future__ import annotations

import atexit
import logging
import os
import sys
import weakref
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

from ..codec.json import dumps
from ..com.find import find
from ..com.injector import Injector
from ..com.type import Controller
from ..error.handlers import ErrorHandler, check_handler
from ..error.http import STATUS_LINES
from ..handler import KERNEL_HANDLERS
from ..handler.err_http import INTERNAL_MESSAGE, error_body
from ..http.app_headers import AppHeaders
from ..iface.pipe import IPipeHandler
from ..iface.wsgi import IWsgi
from ..pipeline.compile import compile_levels
from ..pipeline.error import PipelineError
from ..pipeline.manager import PluginManager
from ..pipeline.run import WsgiRunner, build_runner
from ..routing.router import Router
from ..type.conf import AppConf
from ..type.context import Context
from ..type.request import Request
from ..type.response import Response
from .error import AppStateError
from .kernel import bind_kernel
from .plugins import configured_names, entry_point_of_package, plugin_entry_points, resolve_name

logger = logging.getLogger("clink.error")
_BARE_500 = dumps(error_body(500, INTERNAL_MESSAGE))
BARE_500 = (
    STATUS_LINES[500],
    [("Content-Type", "application/json"), ("Content-Length", str(len(_BARE_500)))],
    _BARE_500,
)


#: every loaded app, closed at interpreter exit (weakly held: tests make many).
_loaded_apps: weakref.WeakSet[App] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for app in list(_loaded_apps):
        try:
            app.close()
        except Exception:
            logger.exception("closing %s at exit failed", app.conf.name)


#: the process whose multiprocessing exit already closes the apps.
_finalized_pid: int | None = None


def _close_at_process_exit() -> None:
    """Close the apps when a ``multiprocessing`` child ends, too: such a process (a
    granian worker) leaves by ``os._exit`` without running ``atexit`` handlers, which
    would lose the buffered log lines and the queued mail at every stop."""
    global _finalized_pid
    # PERF: a multiprocessing child has imported multiprocessing already; other
    # processes do not pay for importing it.
    mp = sys.modules.get("multiprocessing")
    pid = os.getpid()
    if mp is None or _finalized_pid == pid or mp.parent_process() is None:
        return
    _finalized_pid = pid
    import multiprocessing.util

    multiprocessing.util.Finalize(None, _close_all, exitpriority=10)


def _not_loaded(wsgi_env: dict[str, Any], wsgi_send: Callable[..., Any]) -> Any:
    """What an app serves before ``load()``: a logged, bare JSON 500."""
    logger.error("the application is not loaded: call app.load() before serving it")
    status, headers, body = BARE_500
    wsgi_send(status, list(headers))
    return [body]


class App(IWsgi):
    """An HTTP API: add controllers, services, handlers and plugins, ``load()``, serve.

    ``plugins`` are plugin modules or objects (holding ``@hookimpl`` functions),
    packages that ship one, or names of installed plugins (``"clink_log"``,
    ``"log"``, ``"clink-log"``). Besides those, the app loads the installed
    plugins ``conf.plugins`` names, or when that is ``None`` those
    ``CLINK_PLUGINS`` names; ``entrypoints=True`` loads every installed plugin
    and ``entrypoints=False`` none but ``plugins``. Nothing is loaded only
    because it is installed.
    """

    def __init__(
        self,
        conf: AppConf,
        plugins: Iterable[Any] = (),
        entrypoints: bool | None = None,
    ) -> None:
        if not isinstance(conf, AppConf):
            raise TypeError(f"App takes an AppConf, got {type(conf).__name__}")
        self.conf = conf
        self.injector = Injector()
        self.injector.add_prim(conf)
        self.router = Router()
        self.router.check_responses = bool(conf.check_responses)
        #: the WebSocket routes (``@mapper.websocket``), served by ``app.asgi``.
        self.ws_router = Router()
        self.pm = PluginManager()
        self._handler_types: list[type] = list(KERNEL_HANDLERS)
        self.injector.add_coms(self._handler_types)
        self._ctl_types: list[type] = []
        self._openapi_paths: tuple[str, str | None] | None = None
        self._health_paths: tuple[str | None, str | None] | None = None
        #: paths the app serves itself (OpenAPI, health), left out of the OpenAPI document.
        self._internal_paths: list[str] = []
        #: exception class -> handler (``add_error_handler``), handed to level 7 at load().
        self._error_handlers: dict[type, ErrorHandler] = {}
        #: ``req.context`` attributes plugins declared (``declare_context``).
        self._context_names: list[str] = []
        #: the fields every response carries (``add_response_header``).
        self._app_headers: list[tuple[str, str]] = []
        self._loaded = False
        self._closed = False
        self._asgi: Any = None
        self._run: WsgiRunner = _not_loaded
        #: set by ``load()``: the compiled levels, and the request and response types.
        self.levels: dict[int, Any] = {}
        self.request_type: type[Request] = Request
        self.response_type: type[Response] = Response
        self.bare_500 = BARE_500
        for plugin in plugins:
            self.add_plugin(plugin)
        if entrypoints is None:
            names = configured_names(conf.plugins)
        elif entrypoints:
            names = configured_names(["*"])
        else:
            names = []
        for name in names:
            self.add_plugin(name)

    # -- adding ---------------------------------------------------------------
    def _check_open(self, what: str) -> None:
        if self._loaded:
            raise AppStateError(f"cannot {what} after load(): add everything before loading")

    @property
    def loaded(self) -> bool:
        """Whether ``load()`` has run."""
        return self._loaded

    @property
    def plugin_names(self) -> list[str]:
        """The names of the plugins registered (the kernel's handlers left out)."""
        return [
            name for name, plugin in self.pm.list_name_plugin()
            if plugin is not None and not isinstance(plugin, (IPipeHandler, Router))
        ]

    def add_plugin(self, plugin: Any, name: str | None = None) -> None:
        """Register a plugin: a module/object with ``@hookimpl`` functions, a package
        that ships one (found through its entry point), or an installed plugin's name.

        A plugin module may list the plugins it needs in ``requires`` (names); they
        are added first. An object that implements no clink hook is refused.
        """
        self._check_open("add a plugin")
        if isinstance(plugin, str):
            name, plugin = resolve_name(plugin)
        elif isinstance(plugin, ModuleType) and not self._implements_hooks(plugin):
            ep = entry_point_of_package(plugin)
            if ep is not None:
                name, plugin = ep.name, ep.load()
        if self.pm.is_registered(plugin):
            return
        if not self._implements_hooks(plugin):
            raise PipelineError(
                f"{plugin!r} is not a clink plugin: it implements no clink hook "
                "(@hookimpl functions named clink_setup, clink_pre_main, ...) and no "
                "installed plugin's entry point lies in it"
            )
        for required in getattr(plugin, "requires", ()):
            self.add_plugin(required)
        if name is None:
            name = getattr(plugin, "__name__", None)
            if name is None or self.pm.has_plugin(name):
                name = None  # pluggy makes one up
        self.pm.register(plugin, name=name)

    def _implements_hooks(self, plugin: Any) -> bool:
        return any(self.pm.parse_hookimpl_opts(plugin, attr) is not None for attr in dir(plugin))

    def add_handler(self, handler_type: type) -> None:
        """Add a handler class (``ILvNHandler``); created by the injector at ``load()``."""
        self._check_open("add a handler")
        if not isinstance(handler_type, type) or not issubclass(handler_type, IPipeHandler):
            raise PipelineError(
                f"{handler_type!r} is not a handler: extend one of ILv0Handler..ILv9Handler"
            )
        if getattr(handler_type, "level", 4) == 4:
            raise PipelineError(
                f"{handler_type.__qualname__}: level 4 handlers are controller methods; "
                "use add_ctl"
            )
        self.injector.add_com(handler_type)
        self._handler_types.append(handler_type)

    def add_handlers(self, handler_types: Iterable[type]) -> None:
        """Add several handler classes."""
        for handler_type in handler_types:
            self.add_handler(handler_type)

    def add_ctl(self, ctl_type: type) -> None:
        """Add a controller class; its mapped methods become routes at ``load()``."""
        self._check_open("add a controller")
        self.injector.add_com(ctl_type)
        self._ctl_types.append(ctl_type)

    def add_ctls(self, module: ModuleType) -> None:
        """Add every controller class ``module`` holds."""
        for ctl_type in find(module, Controller):
            self.add_ctl(ctl_type)

    def add_com(self, com_type: type) -> None:
        """Add a component class (a service, usually)."""
        self._check_open("add a component")
        self.injector.add_com(com_type)

    def add_coms(self, com_types: Iterable[type]) -> None:
        """Add several component classes."""
        for com_type in com_types:
            self.add_com(com_type)

    def add_prim(self, *prims: Any) -> None:
        """Add primitive instances (configurations)."""
        self._check_open("add a primitive")
        for prim in prims:
            self.injector.add_prim(prim)

    def add_default_prim(
        self, prim_type: type, make: Callable[[], Any] | None = None
    ) -> None:
        """Add ``make()`` (default ``prim_type.from_env()``) unless the app has a ``prim_type``.

        For plugins: the app's own configuration wins, and the default is only
        built (the environment only read) when it is needed.
        """
        if not self.injector.has_prim(prim_type):
            self.add_prim(make() if make is not None else prim_type.from_env())  # type: ignore[attr-defined]

    def add_converter(
        self,
        name: str,
        regex: str,
        convert: Callable[[str], Any],
        schema: dict[str, Any] | None = None,
    ) -> None:
        """Teach route templates ``{x:name}``: a segment matching ``regex``, given to the
        handler as ``convert(text)`` in ``req.params`` (``ValueError``: no match, a 404).

        ``schema`` is the value's JSON schema in the OpenAPI document (default: a
        string). A plugin may add converters in ``clink_setup``.
        """
        self._check_open("add a converter")
        self.router.add_converter(name, regex, convert, schema)

    def add_error_handler(self, exc_type: type[BaseException], handler: ErrorHandler) -> None:
        """Answer exceptions of ``exc_type`` (and its subclasses) with ``handler(req, res, e)``,
        which sets ``res`` (status, body, headers) or raises an ``HttpError`` to render.

        The handler of the nearest class in the exception's MRO runs, in place of the
        kernel's rendering; a second handler for the same class replaces the first.
        """
        self._check_open("add an error handler")
        check_handler(exc_type, handler)
        self._error_handlers[exc_type] = handler

    def declare_context(self, *names: str) -> None:
        """Declare ``req.context`` attributes set on every request (a plugin's, in
        ``clink_setup``): the app's context then holds them in slots and every request
        gets its context as it arrives. Other attributes can still be set.

        Raises ``ContextNameError`` for a name that is not an identifier or is one of
        ``Context``'s own (``get``).
        """
        self._check_open("declare req.context attributes")
        Context.check_names(names)  # now, where the plugin calls, not at load()
        self._context_names.extend(names)

    def add_response_header(self, name: str, value: str) -> None:
        """Send the header field ``name: value`` on every response of the app (normal and
        error answers, HEAD, 304, streams, files), unless a response sets ``name`` in
        ``res.header`` itself (any letter case): security headers, CORS's
        ``Access-Control-Allow-Origin: *``. Checked now: a bad name or value, a name
        added before, or ``Content-Type``/``Content-Length`` raise ``HeaderValueError``.
        """
        self._check_open("add an app-wide response header")
        fields = [*self._app_headers, (name, value)]
        AppHeaders(fields)  # checks the new field against the others, now
        self._app_headers = fields

    def enable_openapi(
        self, spec_path: str = "/openapi.json", docs_path: str | None = "/docs"
    ) -> None:
        """Serve the OpenAPI 3.1 document at ``spec_path`` and a docs page at ``docs_path``.

        Both are built once at ``load()``; ``docs_path=None`` serves the document only.
        """
        self._check_open("enable OpenAPI")
        self._openapi_paths = (spec_path, docs_path)

    def enable_health(
        self, liveness: str | None = "/healthz", readiness: str | None = "/readyz"
    ) -> None:
        """Serve ``GET liveness`` (200 while the process serves) and ``GET readiness``
        (200, or 503 naming the failing checks plugins register with
        ``clink_health_checks``); ``None`` leaves one out. Neither is in OpenAPI.
        """
        self._check_open("enable health endpoints")
        self._health_paths = (liveness, readiness)

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document of the loaded app's routes."""
        from ..openapi import build_document

        if not self._loaded:
            raise AppStateError("the OpenAPI document is built from routes: call load() first")
        internal = set(self._internal_paths)
        routes = [r for r in self.router.routes if r.path not in internal]
        return build_document(self.conf, routes)

    # -- loading --------------------------------------------------------------
    def load(self) -> None:
        """Create every component, build the routes and compile the pipeline."""
        if self._loaded:
            raise AppStateError("the application is already loaded")
        pm = self.pm
        pm.hook.clink_setup(app=self)
        if self._app_headers:
            app_headers = AppHeaders(self._app_headers)
            self.injector.add_prim(app_headers)
            status, headers, body = BARE_500
            self.bare_500 = (status, [*headers, *app_headers.fields], body)
        self.injector.load()
        # Registered newest-last so that, within a priority, handlers run in the
        # order they were added (pluggy calls the newest registration first).
        for handler_type in reversed(self._handler_types):
            name = f"handler:{handler_type.__module__}.{handler_type.__qualname__}"
            pm.register(self.injector.ref(handler_type), name=name)
        pm.register(self.router, name="clink:router")
        pm.check_pending()
        for ctl_type in self._ctl_types:
            ctl: Any = self.injector.ref(ctl_type)
            self.router.add_ctl(ctl)
            self.ws_router.add_websockets(ctl)
        for route in (*self.router.routes, *self.ws_router.routes):
            pm.hook.clink_route(app=self, route=route)
        self.ws_router.compile()
        if self._openapi_paths is not None:
            from ..openapi import build_document, openapi_routes

            document = build_document(self.conf, self.router.routes)
            extra = openapi_routes(document, *self._openapi_paths)
            self.router.add_routes(extra)
            self._internal_paths += [r.path for r in extra]
        if self._health_paths is not None:
            from ..health import health_routes

            extra = health_routes(pm.hook.clink_health_checks(app=self), *self._health_paths)
            self.router.add_routes(extra)
            self._internal_paths += [r.path for r in extra]
        self.router.compile()
        levels = self.levels = compile_levels(pm)
        context = Context.with_names(self._context_names) if self._context_names else None
        request_type = self.request_type = Request.for_app(self.conf, context)
        bind_kernel(self.injector, levels, request_type, self._error_handlers)
        self._run = build_runner(levels, request_type, self.response_type, self.bare_500)
        self._loaded = True
        _loaded_apps.add(self)
        _close_at_process_exit()

    # -- stopping -------------------------------------------------------------
    def close(self) -> None:
        """Let the plugins finish (``clink_shutdown``: flush logs, send queued mail, close
        database clients); once. Called at interpreter exit for every loaded app, and by
        the ASGI lifespan's shutdown."""
        if self._closed or not self._loaded:
            return
        self._closed = True
        self.pm.hook.clink_shutdown(app=self)

    # -- serving over ASGI ------------------------------------------------------
    @property
    def asgi(self) -> Any:
        """The ASGI 3 application serving this app (``uvicorn module:app.asgi``): the same
        controllers, plugins and levels, async handlers awaited (``clink_core.asgi``)."""
        if self._asgi is None:
            from ..asgi import AsgiApp

            self._asgi = AsgiApp(self)
        return self._asgi

    # -- serving --------------------------------------------------------------
    def __call__(self, wsgi_env: dict[str, Any], wsgi_send: Callable[..., Any]) -> Any:
        return self._run(wsgi_env, wsgi_send)


__all__ = ["App", "plugin_entry_points"]
