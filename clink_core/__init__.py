"""Clink: a plugin-based microkernel for fast HTTP JSON APIs on WSGI."""

from .app import App, AppStateError
from .com import Component, Controller, Injector, Primitive, Service, find, stamp
from .pipeline import hookimpl
from .routing import Route, Router, mapper
from .type import AppConf, Request, Response, Version

__version__ = "0.1.0"

__all__ = [
    "App",
    "AppConf",
    "AppStateError",
    "Component",
    "Controller",
    "Injector",
    "Primitive",
    "Request",
    "Response",
    "Route",
    "Router",
    "Service",
    "Version",
    "__version__",
    "find",
    "hookimpl",
    "mapper",
    "stamp",
]
