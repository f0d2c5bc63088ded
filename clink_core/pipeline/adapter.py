"""Registering handler objects as pluggy hook implementations.

``app.add_handler(X)`` ends up here: the handler's ``handle`` is wrapped in
a proxy with the hook's exact signature (so pluggy validates and can call
it), and the proxy remembers ``handle`` so the compiler can use the bound
method itself: the adapter costs nothing per request.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pluggy

from .hookspecs import LEVEL_HOOKS
from .markers import hookimpl

DIRECT = "__clink_direct__"


def _proxy(handle: Callable[..., Any], argnames: tuple[str, ...]) -> Callable[..., Any]:
    if argnames == ("req",):

        def proxy(req: Any) -> Any:
            return handle(req)
    elif argnames == ("req", "res"):

        def proxy(req: Any, res: Any) -> Any:  # type: ignore[misc]
            return handle(req, res)
    elif argnames == ("req", "res", "env"):

        def proxy(req: Any, res: Any, env: Any) -> Any:  # type: ignore[misc]
            return handle(req, res, env)
    elif argnames == ("req", "res", "wsgi_send"):

        def proxy(req: Any, res: Any, wsgi_send: Any) -> Any:  # type: ignore[misc]
            return handle(req, res, wsgi_send)
    elif argnames == ("req", "res", "e"):

        def proxy(req: Any, res: Any, e: Any) -> Any:  # type: ignore[misc]
            return handle(req, res, e)
    else:  # pragma: no cover - every level hook has one of the signatures above
        raise AssertionError(argnames)
    setattr(proxy, DIRECT, handle)
    return proxy


def register_handler(
    pm: pluggy.PluginManager,
    handle: Callable[..., Any],
    level: int,
    name: str,
    *,
    tryfirst: bool = False,
    trylast: bool = False,
) -> None:
    """Register ``handle`` as an implementation of ``level``'s hook under ``name``."""
    hook_name = LEVEL_HOOKS[level]
    spec = getattr(pm.hook, hook_name).spec
    assert spec is not None
    proxy = hookimpl(tryfirst=tryfirst, trylast=trylast)(_proxy(handle, tuple(spec.argnames)))
    pm.register(SimpleNamespace(**{hook_name: proxy}), name=name)
