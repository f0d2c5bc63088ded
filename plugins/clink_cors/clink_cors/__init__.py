"""Clink plugin: CORS headers and preflight answers."""

from . import plugin
from .conf import CorsConf
from .handler import ResCorsHandler, any_origin_fields

__all__ = ["CorsConf", "ResCorsHandler", "any_origin_fields", "plugin"]
