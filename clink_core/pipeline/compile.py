"""Compiling pluggy's hook implementations into plain per-level callables.

pluggy is the registry, not the hot path: at ``load()`` every level becomes
a tuple of callables in pluggy's call order (tryfirst, normal, trylast;
newest registered first within each), or the single winner for [1] levels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

from .adapter import DIRECT
from .error import PipelineError
from .hookspecs import LEVEL_HOOKS, SINGLE_LEVELS


def _positional(impl: Any, spec_args: tuple[str, ...]) -> Callable[..., Any]:
    direct = getattr(impl.function, DIRECT, None)
    if direct is not None:
        return direct  # type: ignore[no-any-return]
    func = impl.function
    if tuple(impl.argnames) == spec_args:
        return func  # type: ignore[no-any-return]
    # A hook function that takes a subset of the hook's arguments, by name.
    picks = tuple(spec_args.index(n) for n in impl.argnames)

    def call(*args: Any) -> Any:
        return func(*[args[i] for i in picks])

    return call


def compile_level(pm: pluggy.PluginManager, level: int) -> tuple[Callable[..., Any], ...]:
    """The callables of ``level`` in call order."""
    caller = getattr(pm.hook, LEVEL_HOOKS[level])
    spec_args = tuple(caller.spec.argnames)
    funcs = []
    for impl in reversed(caller.get_hookimpls()):
        if impl.hookwrapper or impl.wrapper:
            raise PipelineError(
                f"plugin {impl.plugin_name!r}: {LEVEL_HOOKS[level]} is a pipeline level; "
                "wrapper=True/hookwrapper=True implementations are not supported there"
            )
        funcs.append(_positional(impl, spec_args))
    return tuple(funcs)


def compile_levels(pm: pluggy.PluginManager) -> dict[int, Any]:
    """Every level: a tuple of callables, or for [1] levels the winning callable."""
    levels: dict[int, Any] = {}
    for level in LEVEL_HOOKS:
        funcs = compile_level(pm, level)
        if level in SINGLE_LEVELS:
            if not funcs:
                raise PipelineError(f"level {level} ({LEVEL_HOOKS[level]}) has no handler")
            levels[level] = funcs[0]
        else:
            levels[level] = funcs
    return levels
