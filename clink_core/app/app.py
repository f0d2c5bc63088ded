"""The application: components, plugins and the compiled pipeline behind WSGI."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

import pluggy

from ..com.find import find
from ..com.injector import Injector
from ..com.type import Controller
from ..handler import KERNEL_HANDLERS
from ..handler.err_http import INTERNAL_MESSAGE, error_body
from ..iface.pipe import IPipeHandler
from ..iface.wsgi import IWsgi
from ..openapi import build_document, openapi_routes
from ..pipeline.adapter import register_handler
from ..pipeline.compile import compile_levels
from ..pipeline.error import PipelineError
from ..pipeline.hookspecs import ClinkSpec
from ..pipeline.markers import PROJECT
from ..routing.router import Router
from ..type.conf import AppConf
from ..type.request import Request
from ..type.response import Response
from .error import AppStateError
from .plugins import import_plugin, load_entry_point, plugin_entry_points

logger = logging.getLogger("clink.error")

_BARE_500 = json.dumps(error_body(500, INTERNAL_MESSAGE)).encode()
_BARE_500_HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(_BARE_500)))]


def _not_loaded(*args: Any) -> Any:
    raise AppStateError("the application is not loaded: call app.load() before serving it")


class App(IWsgi):
    """An HTTP API: add controllers, services, handlers and plugins, ``load()``, serve.

    ``plugins`` are modules or objects holding ``@hookimpl`` functions (or
    ``"module"`` strings). With ``entrypoints=True`` every installed plugin of
    the ``clink.plugins`` entry-point group is loaded too; tests pass
    ``entrypoints=False`` to get exactly the plugins they name.
    """

    def __init__(
        self,
        conf: AppConf,
        plugins: Iterable[Any] = (),
        entrypoints: bool = True,
    ) -> None:
        if not isinstance(conf, AppConf):
            raise TypeError(f"App takes an AppConf, got {type(conf).__name__}")
        self.conf = conf
        self.injector = Injector()
        self.injector.add_prim(conf)
        self.router = Router()
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(ClinkSpec)
        self._handler_types: list[type] = list(KERNEL_HANDLERS)
        self.injector.add_coms(self._handler_types)
        self._ctl_types: list[type] = []
        self._openapi_paths: tuple[str, str | None] | None = None
        self._openapi_route_paths: list[str] = []
        self._loaded = False
        # PERF: until load() compiles the levels, every request fails fast.
        self._recv: Callable[..., Any] = _not_loaded
        self._lv1: tuple[Callable[..., Any], ...] = ()
        self._route: Callable[..., Any] = _not_loaded
        self._lv3: tuple[Callable[..., Any], ...] = ()
        self._lv5: tuple[Callable[..., Any], ...] = ()
        self._send: Callable[..., Any] = _not_loaded
        self._lv7: tuple[Callable[..., Any], ...] = ()
        self._log_error: Callable[..., Any] = _not_loaded
        self._send_error: Callable[..., Any] = _not_loaded
        if entrypoints:
            for ep in plugin_entry_points():
                plugin = load_entry_point(ep)
                if not self.pm.is_registered(plugin):
                    self.pm.register(plugin, name=ep.name)
        for plugin in plugins:
            self.add_plugin(plugin)

    # -- adding ---------------------------------------------------------------
    def _check_open(self, what: str) -> None:
        if self._loaded:
            raise AppStateError(f"cannot {what} after load(): add everything before loading")

    @property
    def loaded(self) -> bool:
        """Whether ``load()`` has run."""
        return self._loaded

    def add_plugin(self, plugin: Any, name: str | None = None) -> None:
        """Register a plugin: a module/object with ``@hookimpl`` functions, or its name."""
        self._check_open("add a plugin")
        if isinstance(plugin, str):
            name = name or plugin
            plugin = import_plugin(plugin)
        if self.pm.is_registered(plugin):
            return
        if name is None and isinstance(plugin, ModuleType):
            name = plugin.__name__
        self.pm.register(plugin, name=name)

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
        """Add every stamped controller class ``module`` holds."""
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

    def enable_openapi(
        self, spec_path: str = "/openapi.json", docs_path: str | None = "/docs"
    ) -> None:
        """Serve the OpenAPI 3.1 document at ``spec_path`` and a docs page at ``docs_path``.

        Both are built once at ``load()``; ``docs_path=None`` serves the document only.
        """
        self._check_open("enable OpenAPI")
        self._openapi_paths = (spec_path, docs_path)

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document of the loaded app's routes."""
        if not self._loaded:
            raise AppStateError("the OpenAPI document is built from routes: call load() first")
        internal = set(self._openapi_route_paths)
        routes = [r for r in self.router.routes if r.path not in internal]
        return build_document(self.conf, routes)

    # -- loading --------------------------------------------------------------
    def load(self) -> None:
        """Create every component, build the routes and compile the pipeline."""
        if self._loaded:
            raise AppStateError("the application is already loaded")
        self.pm.hook.clink_setup(app=self)
        self.injector.load()
        # Registered newest-last so that, within a priority, handlers run in the
        # order they were added (pluggy calls the newest registration first).
        for handler_type in reversed(self._handler_types):
            handler: Any = self.injector.ref(handler_type)
            register_handler(
                self.pm,
                handler.handle,
                handler_type.level,  # type: ignore[attr-defined]
                f"handler:{handler_type.__module__}.{handler_type.__qualname__}",
                tryfirst=handler_type.tryfirst,  # type: ignore[attr-defined]
                trylast=handler_type.trylast,  # type: ignore[attr-defined]
            )
        register_handler(self.pm, self.router.handle, 2, "clink:router", trylast=True)
        self.pm.check_pending()
        for ctl_type in self._ctl_types:
            self.router.add_ctl(self.injector.ref(ctl_type))
        if self._openapi_paths is not None:
            document = build_document(self.conf, self.router.routes)
            extra = openapi_routes(document, *self._openapi_paths)
            self.router.add_routes(extra)
            self._openapi_route_paths = [r.path for r in extra]
        levels = compile_levels(self.pm)
        self._recv = levels[0]
        self._lv1 = levels[1]
        self._route = levels[2]
        self._lv3 = levels[3]
        self._lv5 = levels[5]
        self._send = levels[6]
        self._lv7 = levels[7]
        self._log_error = levels[8]
        self._send_error = levels[9]
        self._loaded = True

    # -- serving --------------------------------------------------------------
    def __call__(self, wsgi_env: dict[str, Any], wsgi_send: Callable[..., Any]) -> Any:
        req = Request.__new__(Request)  # PERF: level 0 fills it; skip __init__
        res = Response()
        try:
            self._recv(req, res, wsgi_env)
            for handle in self._lv1:
                handle(req, res)
            main = self._route(req)
            for handle in self._lv3:
                handle(req, res)
            main(req, res)
            for handle in self._lv5:
                handle(req, res)
            return self._send(req, res, wsgi_send)
        except Exception as e:
            return self._fail(req, res, e, wsgi_send)

    def _fail(
        self, req: Request, res: Response, e: Exception, wsgi_send: Callable[..., Any]
    ) -> Any:
        """The error path: levels 7, 5, 8, 9; a failure there gives a bare 500."""
        try:
            if not self._loaded:
                raise e
            for handle in self._lv7:
                handle(req, res, e)
            for handle in self._lv5:
                handle(req, res)
            self._log_error(req, res, e)
            return self._send_error(req, res, wsgi_send)
        except Exception as e2:
            logger.error(
                "error while answering %s %s (first error: %s: %s)",
                getattr(req, "method", None), getattr(req, "path", None), type(e).__name__, e,
                exc_info=(type(e2), e2, e2.__traceback__),
            )
            # No exc_info: some servers re-raise it even before headers went out.
            wsgi_send("500 Internal Server Error", list(_BARE_500_HEADERS))
            return [_BARE_500]
