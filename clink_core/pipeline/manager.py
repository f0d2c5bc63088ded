"""The plugin manager of an app: pluggy's, taught how handler objects register.

A handler object (an ``ILvNHandler`` instance, or the ``Router``) is registered
as a pluggy plugin itself: its ``handle`` method implements the hook of its
``level``, with its class's ``tryfirst``/``trylast``. Module plugins register
their ``@hookimpl`` functions as usual.
"""

from __future__ import annotations

from typing import Any

import pluggy

from ..iface.pipe import IPipeHandler
from .hookspecs import ClinkSpec
from .levels import LEVELS
from .markers import PROJECT


class PluginManager(pluggy.PluginManager):
    """One per ``App``: the registry of hook implementations (not the request path)."""

    def __init__(self) -> None:
        super().__init__(PROJECT)
        self.add_hookspecs(ClinkSpec)

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        if name == "handle" and isinstance(plugin, IPipeHandler):
            hook = LEVELS[plugin.level].hook
            if hook is None:
                return None
            return {
                "specname": hook,
                "tryfirst": plugin.tryfirst,
                "trylast": plugin.trylast,
                "wrapper": False,
                "hookwrapper": False,
                "optionalhook": False,
                "historic": False,
            }
        return super().parse_hookimpl_opts(plugin, name)
