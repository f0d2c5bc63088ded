"""The application object and plugin discovery."""

from .app import App
from .error import AppStateError
from .plugins import GROUP, PluginInfo, describe_plugins, plugin_entry_points

__all__ = ["GROUP", "App", "AppStateError", "PluginInfo", "describe_plugins", "plugin_entry_points"]
