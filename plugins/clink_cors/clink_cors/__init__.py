"""Clink plugin: CORS headers and preflight answers."""

from . import plugin
from .conf import CorsConf
from .handler import ResCorsHandler

__all__ = ["CorsConf", "ResCorsHandler", "plugin"]
