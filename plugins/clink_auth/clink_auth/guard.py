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
``guard_route``, which puts a handle holding the app's ``OAuthSv`` in front:
it checks the token (and the groups), puts the ``Principal`` in
``req.context.account`` and then calls what the route called before (the
method, or the kernel's contract wrapper checking the declared query and body,
which so runs after the token check). Nothing is looked up per request. A
guarded method reached any other way (the app does not load the clink_auth
plugin, or nothing authenticated the request) raises ``AuthSetupError``: a 500
whose log line names the plugin, never an open route.
"""

from __future__ import annotations

import asyncio
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
from .type import Principal
from .wstoken import is_websocket_route, websocket_authen

F = TypeVar("F", bound=Callable[..., Any])
#: The stamp key of a guarded method.
GUARD_KEY = "clink_auth.guard"
#: Set on a controller instance whose guarded routes ``guard_route`` put a token check in front of.
OPEN_KEY = "_clink_auth_guarded"
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
        # Reached through a contract wrapper (declared query or body) that guard_route put
        # its check in front of: open only on a controller guard_route opened, for a
        # request it authenticated.
        if self.__dict__.get(OPEN_KEY) and req.context.get("account").__class__ is Principal:
            return target(self, req, res)
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
    endpoint = getattr(route, "endpoint", route.handle)
    func = getattr(endpoint, "__func__", endpoint)
    guard: Guard | None = read_stamp(func, GUARD_KEY)
    if guard is not None and guard.wrapper is not func:
        raise AuthSetupError(
            f"route {route}: {getattr(func, '__qualname__', func)} wraps a clink_auth guard; "
            "put @require_auth/@require_group above every decorator that wraps the method, "
            "right under the @mapper route decorators"
        )
    return guard


def guard_route(route: Route, oauth_sv: OAuthSv) -> bool:
    """Put a token (and group) check through ``oauth_sv`` in front of a guarded route.

    Returns whether the route is guarded. When the route calls its method
    directly, the new handle calls the method itself (one call less per
    request); when the kernel wrapped it to check its declared query and body,
    the new handle calls that wrapper, so a request without a valid token is a
    401 before its body is looked at. The handle is a method of the same
    controller carrying the method's stamps, so the OpenAPI document and
    ``clink routes`` show it as before.
    """
    guard = route_guard(route)
    if guard is None:
        return False
    endpoint = getattr(route, "endpoint", route.handle)
    ctl = getattr(endpoint, "__self__", None)
    if ctl is None:
        raise AuthSetupError(
            f"route {route}: clink_auth guards go on controller methods, not on {endpoint!r}"
        )
    authen: Callable[[Any], Principal] = oauth_sv.authen_principal
    if is_websocket_route(route):  # the token may come in a subprotocol or the query
        authen = websocket_authen(authen)
    groups = guard.groups
    in_group = oauth_sv.acc_sv.in_group
    if route.handle is endpoint:
        method = guard.method  # PERF: straight to the method, past the fail-closed wrapper
    else:
        checked = route.handle  # the contract wrapper: it ends in the guard's wrapper
        ctl.__dict__[OPEN_KEY] = True

        def method(self: Any, req: Any, res: Any) -> Any:
            return checked(req, res)

    handle: Callable[..., Any]
    if groups and is_websocket_route(route):

        async def handle_ws_groups(self: Any, req: Any, res: Any) -> Any:
            # A connection lives on the event loop: the membership queries go to a thread.
            principal = req.context.account = authen(req)
            loop = asyncio.get_running_loop()
            for group in groups:
                if not await loop.run_in_executor(None, in_group, principal.id, group):
                    raise Http403Error(f"only members of group {group!r} may do this")
            return await method(self, req, res)

        handle = handle_ws_groups
    elif groups:

        def handle_groups(self: Any, req: Any, res: Any) -> Any:
            principal = req.context.account = authen(req)
            for group in groups:
                if not in_group(principal.id, group):
                    raise Http403Error(f"only members of group {group!r} may do this")
            return method(self, req, res)

        handle = handle_groups
    else:

        def handle_token(self: Any, req: Any, res: Any) -> Any:
            req.context.account = authen(req)
            return method(self, req, res)

        handle = handle_token

    functools.update_wrapper(handle, guard.wrapper)
    route.handle = types.MethodType(handle, ctl)
    return True
