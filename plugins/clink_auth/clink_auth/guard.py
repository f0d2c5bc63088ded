"""Route guards: ``@require_auth`` and ``@require_group('admin')`` on controller methods.

    @stamp()
    @mapper.path('/book')
    class BookCtl(Controller):
        @mapper.get('/mine')
        @require_auth
        def mine(self, req, res):
            res.body = {'owner': str(req.account.id)}     # a Principal

        @mapper.delete('/item')
        @require_group('admin')
        def remove(self, req, res): ...

No or a bad bearer token: 401 with ``WWW-Authenticate``; an account outside
the group: 403. Guarded methods carry ``mapper.secured("bearer")``, so the
app's OpenAPI document lists them with bearer security. The plugin's level-3
``AuthReqHandler`` puts the app's ``OAuthSv`` on each request for the guards
(a controller with an ``oauth_sv`` attribute works without it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from clink_core import mapper, stamp
from clink_core.error.http import Http403Error
from clink_core.iface import ILv3Handler

from .conf import check_acc_name
from .error import AuthSetupError
from .model import std
from .oauth import OAuthSv
from .type import Principal

F = TypeVar("F", bound=Callable[..., Any])


def _oauth_sv(ctl: Any, req: Any) -> OAuthSv:
    sv = getattr(req, "oauth_sv", None) or getattr(ctl, "oauth_sv", None)
    if sv is None:
        raise AuthSetupError(
            f"{type(ctl).__qualname__} uses a route guard but this app has no OAuthSv: "
            "install the clink_auth plugin and add an AuthConf (or set CLINK_AUTH_JWT_KEY ...)"
        )
    return sv  # type: ignore[no-any-return]


def authenticate(ctl: Any, req: Any) -> Principal:
    """Authenticate ``req`` and set ``req.account``; 401 when it carries no valid token."""
    principal = _oauth_sv(ctl, req).authen_principal(req)
    req.account = principal
    return principal


def require_auth(method: F) -> F:
    """Let only requests with a valid access token in; ``req.account`` is their ``Principal``.

    The token is checked from its signature alone: no database access.
    """

    @functools.wraps(method)
    def guarded(self: Any, req: Any, res: Any) -> Any:
        authenticate(self, req)
        return method(self, req, res)

    return mapper.secured("bearer")(guarded)  # type: ignore[return-value]


def require_group(group_name: str) -> Callable[[F], F]:
    """Let only members of ``group_name`` in (401 without a valid token, 403 outside the group).

    Membership is read from the database on each request, so removing an
    account from a group takes effect at once.
    """
    if not isinstance(group_name, str) or not check_acc_name(group_name):
        raise ValueError(
            f"require_group takes a group name matching {std.acc_name['pattern']}, "
            f"got {group_name!r}"
        )

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def guarded(self: Any, req: Any, res: Any) -> Any:
            sv = _oauth_sv(self, req)
            principal = sv.authen_principal(req)
            req.account = principal
            if not sv.acc_sv.in_group(principal.id, group_name):
                raise Http403Error(req, f"only members of group {group_name!r} may do this")
            return method(self, req, res)

        return mapper.secured("bearer")(guarded)  # type: ignore[return-value]

    return decorate


@stamp(OAuthSv)
class AuthReqHandler(ILv3Handler):
    """Level 3: gives each request the app's ``OAuthSv`` (``req.oauth_sv``) for the guards.

    One attribute per request; tokens are checked only by guarded methods.
    """

    def __init__(self, oauth_sv: OAuthSv) -> None:
        self.oauth_sv = oauth_sv

    def handle(self, req: Any, res: Any) -> None:
        req.oauth_sv = self.oauth_sv
