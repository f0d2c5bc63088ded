"""Finding plugins: entry points of the ``clink.plugins`` group, or named modules."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from ..pipeline.error import PluginLoadError

GROUP = "clink.plugins"


@dataclass
class PluginInfo:
    """An installed plugin as ``clink plugins`` lists it."""

    name: str
    target: str
    dist: str
    version: str
    error: str | None


def plugin_entry_points() -> list[EntryPoint]:
    """The installed ``clink.plugins`` entry points, by name."""
    return sorted(entry_points(group=GROUP), key=lambda ep: ep.name)


def load_entry_point(ep: EntryPoint) -> Any:
    """Import the plugin ``ep`` names; a failure raises ``PluginLoadError`` naming it."""
    try:
        return ep.load()
    except Exception as e:
        raise PluginLoadError(ep.name, ep.value, e) from e


def import_plugin(spec: str) -> Any:
    """Import a plugin given as ``"module"`` or ``"module:attr"``."""
    module_name, _, attr = spec.partition(":")
    try:
        obj = importlib.import_module(module_name)
        return getattr(obj, attr) if attr else obj
    except Exception as e:
        raise PluginLoadError(spec, spec, e) from e


def describe_plugins() -> list[PluginInfo]:
    """Every installed plugin with its distribution and whether it imports."""
    infos = []
    for ep in plugin_entry_points():
        dist = getattr(ep, "dist", None)
        error = None
        try:
            load_entry_point(ep)
        except PluginLoadError as e:
            error = f"{type(e.cause).__name__}: {e.cause}"
        infos.append(
            PluginInfo(
                ep.name,
                ep.value,
                dist.name if dist else "?",
                dist.version if dist else "?",
                error,
            )
        )
    return infos
