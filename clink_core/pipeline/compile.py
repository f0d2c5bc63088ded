"""Compiling pluggy's hook implementations into plain per-level callables.

pluggy is the registry, not the hot path: at ``load()`` every level becomes
a tuple of callables in pluggy's call order (tryfirst, normal, trylast;
newest registered first within each), or the single winner for [1] levels.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pluggy

from .error import PipelineError
from .levels import LEVELS

#: marks a callable that returns an awaitable (an ``async def`` handler, adapted).
ASYNC_MARK = "_clink_async"


def is_async(func: Any) -> bool:
    """Whether calling ``func`` gives an awaitable: an ``async def`` handler."""
    return inspect.iscoroutinefunction(func) or bool(getattr(func, ASYNC_MARK, False))


def _positional(impl: Any, spec_args: tuple[str, ...]) -> Callable[..., Any]:
    func = impl.function
    if tuple(impl.argnames) == spec_args:
        return func  # type: ignore[no-any-return]
    # An implementation that takes a subset of the hook's arguments, by name.
    picks = tuple(spec_args.index(n) for n in impl.argnames)

    def call(*args: Any) -> Any:
        return func(*[args[i] for i in picks])

    if is_async(func):
        setattr(call, ASYNC_MARK, True)
    return call


def compile_level(pm: pluggy.PluginManager, hook: str) -> tuple[Callable[..., Any], ...]:
    """The callables of the level ``hook`` names, in call order."""
    caller = getattr(pm.hook, hook)
    spec_args = tuple(caller.spec.argnames)
    funcs = []
    for impl in reversed(caller.get_hookimpls()):
        if impl.hookwrapper or impl.wrapper:
            raise PipelineError(
                f"plugin {impl.plugin_name!r}: {hook} is a pipeline level; "
                "wrapper=True/hookwrapper=True implementations are not supported there"
            )
        funcs.append(_positional(impl, spec_args))
    return tuple(funcs)


def compile_levels(pm: pluggy.PluginManager) -> dict[int, Any]:
    """Every hooked level: a tuple of callables, or for [1] levels the winning callable."""
    levels: dict[int, Any] = {}
    for level in LEVELS:
        if level.hook is None:
            continue
        funcs = compile_level(pm, level.hook)
        if level.single:
            if not funcs:
                raise PipelineError(f"level {level.number} ({level.hook}) has no handler")
            levels[level.number] = funcs[0]
        else:
            levels[level.number] = funcs
    return levels
