"""Level 7: OAuth2 error bodies on the token endpoint (RFC 6749 §5.2)."""

from __future__ import annotations

from typing import Any

from clink_core.plugin import MIME_JSON, ILv7Handler

from .error import OAuthError

#: ``AuthCtl``'s path and its token route: the one place the token endpoint is named.
AUTH_PATH = "/auth"
TOKEN_ROUTE = "/token"
#: The token endpoint: every error there is answered the OAuth2 way.
TOKEN_PATH = AUTH_PATH + TOKEN_ROUTE
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_ERRORS = {429: "slow_down", 503: "temporarily_unavailable"}


def _description(message: Any) -> str:
    if isinstance(message, dict) and "detail" in message:  # a FormatError's message
        where = f"{message.get('name', '')}{message.get('pointer', '')}"
        return f"{where} {message['detail']}".strip()
    return str(message) if message is not None else "the request failed"


class OAuthErrorHandler(ILv7Handler):
    """Renders ``OAuthError`` as ``{"error", "error_description"}``, ``Cache-Control: no-store``.

    Errors raised on the token endpoint before its controller runs (malformed
    JSON, wrong content type, body too large, a database outage) get the same
    shape, keeping the status the kernel chose: ``invalid_request`` for 4xx,
    ``slow_down`` for 429, ``temporarily_unavailable`` for 503 and
    ``server_error`` for other 5xx. Runs last on level 7, after the kernel's
    and other plugins' handlers chose the status and headers.
    """

    trylast = True

    def handle(self, req: Any, res: Any, e: BaseException) -> None:
        if isinstance(e, OAuthError):
            res.status = e.status
            res.body = {"error": e.error, "error_description": e.description}
        else:
            path = getattr(req, "path", None)
            if not path or path.rstrip("/") != TOKEN_PATH:
                return
            status = res.status
            error = _ERRORS.get(status) or ("server_error" if status >= 500 else "invalid_request")
            message = res.body.get("message") if isinstance(res.body, dict) else None
            res.body = {"error": error, "error_description": _description(message)}
        res.content_type = MIME_JSON
        res.header.update(NO_STORE)
