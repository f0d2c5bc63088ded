"""Clink plugin: accounts, groups and OAuth2 tokens — the 2017 manual's API, secure end to end.

    from clink_auth import AuthConf
    app = App(AppConf("book-api"), plugins=["auth"])    # also loads mongo and smtp
    app.add_prim(MongoConf.from_env(), AuthConf.from_env())
    app.load()                                 # /acc/... and /auth/token are served

Services: ``AuthDbSv`` (collections and indexes), ``AccSv`` (accounts, codes,
groups, login throttling), ``OAuthSv`` (tokens). Controllers: ``AccCtl``,
``AuthCtl``. Route guards: ``require_auth``, ``require_group`` (the
authenticated ``Principal`` is ``req.context.account``). Schemas:
``clink_auth.model``.
"""

from . import model, plugin
from .acc import CHANGED_PASSWORD, REGISTERED, RESET_PASSWORD, ROOT_NAME, AccSv
from .authdb import DOC_SPECS, AuthDbSv
from .clock import Clock, FakeClock
from .code import make_code
from .conf import JWT_ALGORITHMS, MIN_JWT_KEY_BYTES, AuthConf
from .ctl import ME_FIELDS, AccCtl, AuthCtl, me_body
from .error import (
    AuthError,
    AuthSetupError,
    BadCredentialsError,
    InvalidTokenError,
    LoginThrottledError,
    OAuthError,
    RootAccountError,
    TokenExpiredError,
    TokenRevokedError,
)
from .guard import GUARD_KEY, Guard, guard_route, require_auth, require_group
from .handler import TOKEN_PATH, OAuthErrorHandler
from .mail import MAIL_NAMES, AuthMail
from .oauth import OAuthSv
from .throttle import LoginThrottle, client_key
from .token import ACCESS, REFRESH, TokenCodec
from .type import ConfirmCodeSpec, Principal

__version__ = "0.1.0"

__all__ = [
    "ACCESS",
    "CHANGED_PASSWORD",
    "DOC_SPECS",
    "GUARD_KEY",
    "JWT_ALGORITHMS",
    "MAIL_NAMES",
    "ME_FIELDS",
    "MIN_JWT_KEY_BYTES",
    "REFRESH",
    "REGISTERED",
    "RESET_PASSWORD",
    "ROOT_NAME",
    "TOKEN_PATH",
    "AccCtl",
    "AccSv",
    "AuthConf",
    "AuthCtl",
    "AuthDbSv",
    "AuthError",
    "AuthMail",
    "AuthSetupError",
    "BadCredentialsError",
    "Clock",
    "ConfirmCodeSpec",
    "FakeClock",
    "Guard",
    "InvalidTokenError",
    "LoginThrottle",
    "LoginThrottledError",
    "OAuthError",
    "OAuthErrorHandler",
    "OAuthSv",
    "Principal",
    "RootAccountError",
    "TokenCodec",
    "TokenExpiredError",
    "TokenRevokedError",
    "__version__",
    "client_key",
    "guard_route",
    "make_code",
    "me_body",
    "model",
    "plugin",
    "require_auth",
    "require_group",
]
