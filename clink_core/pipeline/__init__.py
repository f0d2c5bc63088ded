"""The request pipeline: hook specifications, markers and the level compiler."""

from .adapter import register_handler
from .compile import compile_level, compile_levels
from .error import PipelineError, PluginLoadError
from .hookspecs import LEVEL_HOOKS, SINGLE_LEVELS, ClinkSpec
from .markers import PROJECT, hookimpl, hookspec

__all__ = [
    "LEVEL_HOOKS",
    "PROJECT",
    "SINGLE_LEVELS",
    "ClinkSpec",
    "PipelineError",
    "PluginLoadError",
    "compile_level",
    "compile_levels",
    "hookimpl",
    "hookspec",
    "register_handler",
]
