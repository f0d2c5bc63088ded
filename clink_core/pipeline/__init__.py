"""The request pipeline: the level table, hook specifications, the compiler and the loop."""

from .error import PipelineError, PluginLoadError, PluginNameError
from .hookspecs import ClinkSpec
from .levels import ERROR_PATH, LEVEL_HOOKS, LEVELS, NORMAL_PATH, SINGLE_LEVELS, Level
from .markers import PROJECT, hookimpl, hookspec

__all__ = [
    "ERROR_PATH",
    "LEVELS",
    "LEVEL_HOOKS",
    "NORMAL_PATH",
    "PROJECT",
    "SINGLE_LEVELS",
    "ClinkSpec",
    "Level",
    "PipelineError",
    "PluginLoadError",
    "PluginNameError",
    "hookimpl",
    "hookspec",
]
