"""Errors of the auth services and the OAuth2 error answer.

The service errors extend the manual's data-flow errors where the manual
names one (``NonExistError``, ``ExpiredError``, ``FormatError``), so code
written against the manual catches them; the controllers turn them into the
right HTTP answer (401 with ``WWW-Authenticate``, an OAuth2 error body, ...).
No message holds a password, a code or a token.
"""

from __future__ import annotations

from clink_core.plugin import ExpiredError, FormatError, HttpError, NonExistError


class AuthError(Exception):
    """Base of the auth errors that have no data-flow counterpart."""


class InvalidTokenError(FormatError):
    """A token is malformed, wrongly signed, of the wrong kind or for someone else.

    ``reason`` is a short sentence safe to show (it never holds the token).
    """

    def __init__(self, reason: str) -> None:
        super().__init__("token", None, None, "", "token", reason)
        self.reason = reason

    def __str__(self) -> str:
        return f"invalid token: {self.reason}"


class TokenRevokedError(InvalidTokenError):
    """A refresh token was retired (used), revoked, or belongs to a revoked family."""


class TokenExpiredError(ExpiredError):
    """A token's ``exp`` has passed."""

    def __init__(self, kind: str = "token") -> None:
        super().__init__({kind: None})
        self.kind = kind

    def __str__(self) -> str:
        return f"the {self.kind} has expired"


class BadCredentialsError(NonExistError):
    """No account has this name and password (which one is wrong is not said)."""

    def __init__(self) -> None:
        super().__init__({"name": None, "password": None})

    def __str__(self) -> str:
        return "wrong account name or password"


class LoginThrottledError(AuthError):
    """A login refused before its password is checked (``throttle``); ``retry_after`` seconds
    to wait. ``reason`` says which limit was reached, without naming the client."""

    def __init__(self, retry_after: int, reason: str = "too many failed logins") -> None:
        self.retry_after = retry_after
        self.reason = reason
        super().__init__(f"{reason}; try again in {retry_after} s")


class RootAccountError(AuthError):
    """The root account cannot be created (its e-mail address belongs to another account)."""


class AuthSetupError(AuthError):
    """A route guard cannot work: the clink_auth plugin is not loaded in the app, has no
    ``AuthConf``, or the guard is wrapped by another decorator."""


class OAuthError(HttpError):
    """An OAuth2 error answer (RFC 6749 §5.2): ``{"error": ..., "error_description": ...}``.

    ``error`` is the RFC's code (``invalid_request``, ``invalid_grant``,
    ``unsupported_grant_type``, ...); the plugin's level-7 handler renders the
    body with ``Cache-Control: no-store``. ``status`` defaults to 400.
    """

    def __init__(
        self,
        error: str,
        description: str,
        status: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, description, headers)
        self.error = error
        self.description = description

    def __str__(self) -> str:
        return f"{self.status} {self.error}: {self.description}"
