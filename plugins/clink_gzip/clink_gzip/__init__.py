"""Clink plugin: gzip-compressed JSON and text responses."""

from . import plugin
from .conf import GzipConf
from .encoding import accepts_gzip
from .handler import ResGzipHandler

__all__ = ["GzipConf", "ResGzipHandler", "accepts_gzip", "plugin"]
