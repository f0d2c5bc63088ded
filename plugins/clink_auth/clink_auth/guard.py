"""Route guards: ``@require_auth`` and ``@require_group('admin')`` on controller methods.

    @mapper.path('/book')
    class BookCtl(Controller):
        @mapper.get('/mine')
        @require_auth
        def mine(self, req, res):
            res.body = {'owner': str(req.context.account.id)}     # a Principal

        @mapper.delete('/item')
        @require_group('admin')
        def remove(self, req, res): ...

No or a bad bearer token: 401 with ``WWW-Authenticate``; an account outside
the group: 403. The decorators only record what a method needs (a stamp,
and ``mapper.secured("bearer")`` for the OpenAPI document). At ``load()``
the plugin's ``clink_route`` hook hands each guarded route to
``guard_route``, which replaces its handle with one holding the app's
``OAuthSv``: it checks the token (and the groups), puts the ``Principal`` in
``req.context.account`` and calls the method. Nothing is looked up per
request. A guarded method reached any other way (the app does not load the
clink_auth plugin) raises ``AuthSetupError``: a 500 whose log line names the
plugin, never an open route.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from clink_core import mapper
from clink_core.plugin import Http403Error, Route, read_stamp, write_stamp

from .conf import check_acc_name
from .error import AuthSetupError
from .model import std
from .oauth import OAuthSv

F = TypeVar("F", bound=Callable[..., Any])
#: The stamp key of a guarded method.
GUARD_KEY = "clink_auth.guard"
#: How to enable the plugin, for error messages.
ENABLE_HINT = "App(conf, plugins=['auth']) or AppConf(plugins=['auth'])"


class Guard(NamedTuple):
    """What a guarded method needs: a valid access token and membership of ``groups``.

    ``method`` is the function the guard calls, ``wrapper`` the fail-closed one
    the decorator returned (the route's function when nothing wraps the guard).
    """

    groups: tuple[str, ...]
    method: Callable[..., Any]
    wrapper: Callable[..., Any]


def _guard(method: F, groups: tuple[str, ...]) -> F:
    inner: Guard | None = read_stamp(method, GUARD_KEY)
    target: Callable[..., Any] = method
    if inner is not None and inner.wrapper is method:  # stacked guards: one check for all
        groups = inner.groups + tuple(g for g in groups if g not in inner.groups)
        target = inner.method

    @functools.wraps(method)
    def guarded(self: Any, req: Any, res: Any) -> Any:
        raise AuthSetupError(
            f"{type(self).__qualname__}.{method.__name__} is guarded by clink_auth "
            f"(@require_auth/@require_group) but this app does not load the clink_auth "
            f"plugin, so the route is closed: enable it with {ENABLE_HINT} and add an AuthConf"
        )

    write_stamp(guarded, GUARD_KEY, Guard(groups, target, guarded))
    return mapper.secured("bearer")(guarded)  # type: ignore[return-value]


def require_auth(method: F) -> F:
    """Let only requests with a valid access token in; ``req.context.account`` is their
    ``Principal``. The token is checked from its signature alone: no database access."""
    return _guard(method, ())


def require_group(group_name: str) -> Callable[[F], F]:
    """Let only members of ``group_name`` in (401 without a valid token, 403 outside the group).

    Membership is read from the database on each request, so removing an
    account from a group takes effect at once. Stacked guards require every group.
    """
    if not isinstance(group_name, str) or not check_acc_name(group_name):
        raise ValueError(
            f"require_group takes a group name matching {std.acc_name['pattern']}, "
            f"got {group_name!r}"
        )

    def decorate(method: F) -> F:
        return _guard(method, (group_name,))

    return decorate


def route_guard(route: Route) -> Guard | None:
    """The guard of ``route``'s method, ``None`` for an open route.

    Raises ``AuthSetupError`` when another decorator wraps the guard (its
    check would run before the token's, or be skipped).
    """
    func = getattr(route.handle, "__func__", route.handle)
    guard: Guard | None = read_stamp(func, GUARD_KEY)
    if guard is not None and guard.wrapper is not func:
        raise AuthSetupError(
            f"route {route}: {getattr(func, '__qualname__', func)} wraps a clink_auth guard; "
            "put @require_auth/@require_group above every decorator that wraps the method "
            "(such as @mapper.body), right under the @mapper route decorator"
        )
    return guard


def guard_route(route: Route, oauth_sv: OAuthSv) -> bool:
    """Replace a guarded route's handle with one that authenticates through ``oauth_sv``.

    Returns whether the route is guarded. The new handle is a method of the same
    controller carrying the method's stamps, so the OpenAPI document and
    ``clink routes`` show it as before.
    """
    guard = route_guard(route)
    if guard is None:
        return False
    ctl = getattr(route.handle, "__self__", None)
    if ctl is None:
        raise AuthSetupError(
            f"route {route}: clink_auth guards go on controller methods, not on {route.handle!r}"
        )
    method = guard.method
    authen = oauth_sv.authen_principal
    groups = guard.groups
    if groups:
        in_group = oauth_sv.acc_sv.in_group

        def handle(self: Any, req: Any, res: Any) -> Any:
            principal = req.context.account = authen(req)
            for group in groups:
                if not in_group(principal.id, group):
                    raise Http403Error(f"only members of group {group!r} may do this")
            return method(self, req, res)
    else:

        def handle(self: Any, req: Any, res: Any) -> Any:
            req.context.account = authen(req)
            return method(self, req, res)

    functools.update_wrapper(handle, guard.wrapper)
    route.handle = types.MethodType(handle, ctl)
    return True
