"""Finding plugins: entry points of the ``clink.plugins`` group, resolved from names.

Nothing is loaded because it is installed: an app gets the plugins it names
(``App(conf, plugins=[...])``, ``AppConf(plugins=[...])`` or ``CLINK_PLUGINS``).
``"*"`` names every installed plugin, unless ``CLINK_DISABLE_PLUGIN_AUTOLOAD``
is set. A name may be the entry point's (``clink_log``), its short form
(``log``), the distribution's (``clink-log``) or the package's; it resolves to
exactly one entry point or is refused.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..pipeline.error import PluginLoadError, PluginNameError
from ..type.conf import parse_names

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

GROUP = "clink.plugins"
#: every installed plugin, where a list of names is expected.
ALL = "*"
#: environment variables read when the app's configuration names no plugins.
PLUGINS_ENV = "CLINK_PLUGINS"
DISABLE_AUTOLOAD_ENV = "CLINK_DISABLE_PLUGIN_AUTOLOAD"


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
    # PERF: importlib.metadata costs ~20 ms at import; only apps that look plugins up pay.
    from importlib.metadata import entry_points

    return sorted(entry_points(group=GROUP), key=lambda ep: ep.name)


def load_entry_point(ep: EntryPoint) -> Any:
    """Import the plugin ``ep`` names; a failure raises ``PluginLoadError`` naming it."""
    try:
        return ep.load()
    except Exception as e:
        raise PluginLoadError(ep.name, ep.value, e) from e


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _ep_keys(ep: EntryPoint) -> set[str]:
    """Every name ``ep`` answers to, normalised."""
    keys = {_norm(ep.name), _norm(ep.value.partition(":")[0].partition(".")[0])}
    dist = getattr(ep, "dist", None)
    if dist is not None:
        keys.add(_norm(dist.name))
    return keys | {k[len("clink_"):] for k in keys if k.startswith("clink_")}


def find_entry_point(name: str, eps: Iterable[EntryPoint] | None = None) -> EntryPoint | None:
    """The one installed entry point ``name`` names, ``None`` if none; ambiguity raises."""
    eps = plugin_entry_points() if eps is None else list(eps)
    key = _norm(name)
    exact = [ep for ep in eps if ep.name == name]
    found = exact or [ep for ep in eps if key in _ep_keys(ep)]
    if len(found) > 1:
        raise PluginNameError(
            f"plugin name {name!r} is ambiguous: it names the entry points "
            + ", ".join(f"{ep.name} ({ep.value})" for ep in found)
            + "; use the entry point's full name"
        )
    return found[0] if found else None


def entry_point_of_package(package: ModuleType) -> EntryPoint | None:
    """The installed entry point whose module lies in ``package``, if any."""
    prefix = package.__name__
    for ep in plugin_entry_points():
        module = ep.value.partition(":")[0]
        if module == prefix or module.startswith(prefix + "."):
            return ep
    return None


def resolve_name(spec: str) -> tuple[str, Any]:
    """``(registration name, plugin object)`` for a plugin given by name.

    Installed entry points first; a ``"module"`` or ``"module:attr"`` that is
    no entry point is imported. Unknown names raise ``PluginNameError``.
    """
    ep = find_entry_point(spec)
    if ep is not None:
        return ep.name, load_entry_point(ep)
    module_name, _, attr = spec.partition(":")
    try:
        obj = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and (module_name == e.name or module_name.startswith(e.name + ".")):
            installed = ", ".join(ep.name for ep in plugin_entry_points()) or "none"
            raise PluginNameError(
                f"no clink plugin named {spec!r}: it is no installed entry point of the "
                f"{GROUP!r} group (installed: {installed}) and no importable module"
            ) from None
        raise PluginLoadError(spec, spec, e) from e
    except Exception as e:
        raise PluginLoadError(spec, spec, e) from e
    try:
        return spec, getattr(obj, attr) if attr else obj
    except AttributeError as e:
        raise PluginLoadError(spec, spec, e) from e


def configured_names(
    conf_plugins: Iterable[str] | None, env: Mapping[str, str] | None = None
) -> list[str]:
    """The plugin names an app loads: its configuration's, else ``CLINK_PLUGINS``.

    ``"*"`` expands to every installed entry point unless
    ``CLINK_DISABLE_PLUGIN_AUTOLOAD`` is set (then it names none).
    """
    env = os.environ if env is None else env
    if conf_plugins is None:
        conf_plugins = parse_names(env.get(PLUGINS_ENV))
    names = list(conf_plugins or ())
    if not names:
        return []
    if ALL in names:
        names = [n for n in names if n != ALL]
        if not env.get(DISABLE_AUTOLOAD_ENV):
            names += [ep.name for ep in plugin_entry_points() if ep.name not in names]
    return names


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
