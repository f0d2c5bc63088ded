"""AccCtl (/acc: registration, the account, passwords) and AuthCtl (/auth/token)."""

from __future__ import annotations

import logging
from typing import Any

from clink_core import AppConf, Controller, mapper, stamp
from clink_core.plugin import (
    MIME_URL_ENCODE,
    CompiledSchema,
    ExistError,
    FormatError,
    Http400Error,
    Http401Error,
    Http403Error,
    Http429Error,
    Http503Error,
    NonExistError,
)
from clink_smtp import SmtpAddressError, SmtpError, SmtpHeaderError, SmtpSv
from clink_template import TemplateSv

from .acc import AccSv
from .conf import AuthConf
from .error import (
    BadCredentialsError,
    InvalidTokenError,
    LoginThrottledError,
    OAuthError,
    TokenExpiredError,
)
from .guard import require_auth
from .handler import AUTH_PATH, NO_STORE, TOKEN_ROUTE
from .mail import AuthMail, format_date
from .model import acc as acc_model
from .model import auth as auth_model
from .oauth import OAuthSv, challenge

logger = logging.getLogger("clink.auth")

_TOKEN_PWD = CompiledSchema(auth_model.post_token_pwd)
_TOKEN_RTOKEN = CompiledSchema(auth_model.post_token_rtoken)

#: Exactly the fields of the manual's ``get_me_body``.
ME_FIELDS = tuple(acc_model.get_me_body["required"])
#: Seconds a client is told to wait when mail cannot be sent.
MAIL_RETRY_AFTER = "60"
#: An RFC 6749 §5.2 error body, as the token endpoint answers every error (OpenAPI).
OAUTH_ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {
        "error": {
            "enum": ["invalid_request", "invalid_grant", "unsupported_grant_type",
                     "slow_down", "temporarily_unavailable", "server_error"],
        },
        "error_description": {"type": "string"},
    },
}


def me_body(acc: dict[str, Any]) -> dict[str, Any]:
    """An account as ``GET /acc/me`` answers it: ``get_me_body``'s fields, nothing else."""
    return {
        "_id": str(acc["_id"]),
        "name": acc["name"],
        "email": acc["email"],
        "phone": acc.get("phone"),
        "created_date": acc["created_date"],
        "modified_date": acc["modified_date"],
        "last_action": acc["last_action"],
    }


@stamp(AppConf, AuthConf, AccSv, OAuthSv, SmtpSv, TemplateSv)
@mapper.path("/acc")
class AccCtl(Controller):
    """Manage accounts: register with a mailed code, read the account, change or reset a password.

    Bodies are checked against the manual's schemas (400 naming the field,
    never echoing it); a name or phone already taken is 409, an unknown code
    404, an expired one 410. A taken e-mail address is answered like a free
    one (204): its owner is mailed instead, so addresses cannot be enumerated.
    """

    def __init__(
        self,
        app_conf: AppConf,
        auth_conf: AuthConf,
        acc_sv: AccSv,
        oauth_sv: OAuthSv,
        smtp_sv: SmtpSv,
        tpl_sv: TemplateSv,
    ) -> None:
        self.app_conf = app_conf
        self.auth_conf = auth_conf
        self.acc_sv = acc_sv
        self.oauth_sv = oauth_sv
        self.mail = AuthMail(auth_conf, smtp_sv, tpl_sv)

    @mapper.post("/reg/code")
    @mapper.body(acc_model.post_reg_code_body)
    @mapper.response(204, None, "a mail went to the address: a code (the name, email and phone "
                                "are held), or, if the address is taken, a notice to its owner")
    @mapper.response(400, None, "the body breaks the schema, or no mail can go to the address")
    @mapper.response(409, None, "the name or phone is taken (never said of the address)")
    @mapper.response(503, None, "the mail could not be sent; try again (Retry-After)")
    def post_reg_code(self, req: Any, res: Any) -> None:
        """Mail a registration code; the name, email and phone are held until it expires.

        An address that an account or a pending registration has is not
        revealed: the answer is the same 204, the name and phone are held the
        same way (``AccSv.hold_reg``), and the address gets a notice instead of
        a code. Both paths hash the password, store one record and send one mail.
        """
        body = req.body
        email = body["email"]
        try:
            spec = self.acc_sv.mk_reg_code(body["name"], body["pwd"], email, body.get("phone"))
        except ExistError as e:
            if "email" not in e.indexes:
                raise  # names and phones are public: 409
            # Held like a registration, so a later request for the name cannot tell.
            held = self.acc_sv.hold_reg(body["name"], body.get("phone"))
            self._send_reg_mail("reg_taken", email, held.code, notice=True)
        else:
            self._send_reg_mail(
                "reg_code", email, spec.code, name=body["name"],
                exp_date=format_date(spec.exp_date),
            )
        res.status = 204

    def _send_reg_mail(
        self, mail: str, email: str, code: str, notice: bool = False, **values: Any
    ) -> None:
        """Send a registration mail now; a failure drops the registration (or hold) of
        ``code``. A ``notice`` does not show the code: it only holds the name."""
        if not notice:
            values["code"] = code
        try:
            self.mail.send(mail, email, **values)
        except (SmtpAddressError, SmtpHeaderError):
            self.acc_sv.cancel_reg_code(code)
            raise Http400Error("email: no mail can be sent to this address") from None
        except SmtpError:
            logger.exception("could not send the %s mail", mail)
            self.acc_sv.cancel_reg_code(code)
            raise Http503Error(
                "the registration mail could not be sent; try again later",
                {"Retry-After": MAIL_RETRY_AFTER},
            ) from None

    @mapper.post("/reg")
    @mapper.body(acc_model.post_reg)
    @mapper.response(204, None, "the account is active")
    @mapper.response(400, None, "the body breaks the schema")
    @mapper.response(404, None, "unknown or used code")
    @mapper.response(409, None, "the name, email or phone was taken meanwhile")
    @mapper.response(410, None, "the code has expired")
    def post_reg(self, req: Any, res: Any) -> None:
        """Activate the account of a registration code."""
        body = req.body
        acc = self.acc_sv.cf_reg_code(body["code"])
        self.mail.notify("reg_done", acc["email"], name=acc["name"])
        res.status = 204

    @mapper.get("/me")
    @mapper.response(200, acc_model.get_me_body, "the account")
    @mapper.response(401, None, "no valid access token (WWW-Authenticate says why)")
    @require_auth
    def get_me(self, req: Any, res: Any) -> None:
        """The account of the bearer token: exactly ``get_me_body``'s fields."""
        acc = self.acc_sv.find_id(req.context.account.id)
        if acc is None:
            raise Http401Error(
                "the account of this access token no longer exists",
                challenge("invalid_token", "the account no longer exists"),
            )
        res.body = me_body(acc)
        res.header.update(NO_STORE)

    @mapper.put("/me/pwd")
    @mapper.response(204, None, "the password is changed")
    @mapper.response(400, None, "the body breaks the schema")
    @mapper.response(401, None, "no valid access token (WWW-Authenticate says why)")
    @mapper.response(403, None, "old_pwd is not the account's password")
    @mapper.response(429, None, "too many wrong passwords; try again later (Retry-After)")
    @require_auth  # checked before the body
    @mapper.body(acc_model.put_pwd)
    def put_me_pwd(self, req: Any, res: Any) -> None:
        """Change the password (the old one is needed); signs out every refresh token."""
        body = req.body
        acc = self.acc_sv.find_id(req.context.account.id)
        if acc is None:
            raise Http401Error(
                "the account of this access token no longer exists",
                challenge("invalid_token", "the account no longer exists"),
            )
        try:
            self.acc_sv.login(acc["name"], body["old_pwd"], req.client_addr)
        except BadCredentialsError:
            raise Http403Error("old_pwd is not the account's password") from None
        except LoginThrottledError as e:
            raise Http429Error(str(e), {"Retry-After": str(e.retry_after)}) from None
        self.acc_sv.ch_pwd(acc["_id"], body["new_pwd"])
        self.mail.notify(
            "pwd_changed", acc["email"], name=acc["name"], date=format_date(self.acc_sv.clock())
        )
        res.status = 204

    @mapper.post("/pwd/code")
    @mapper.body(acc_model.post_rpwd_code)
    @mapper.response(204, None, "accepted, whether or not an account has the address")
    @mapper.response(400, None, "the body breaks the schema")
    def post_pwd_code(self, req: Any, res: Any) -> None:
        """Mail a reset code to an account's address; 204 whether or not one has it.

        The work (lookup, code, mail) runs in the background, so neither the
        answer nor its timing tells whether the address belongs to an account.
        """
        body = req.body
        self.mail.background(self._send_rpwd_code, body["email"])
        res.status = 204

    def _send_rpwd_code(self, email: str) -> None:
        try:
            spec = self.acc_sv.mk_rpwd_code(email)
        except NonExistError:
            return
        acc = self.acc_sv.find_email(email)
        if acc is None:  # removed meanwhile
            return
        self.mail.send(
            "rpwd_code", acc["email"], name=acc["name"], code=spec.code,
            exp_date=format_date(spec.exp_date),
        )

    @mapper.post("/pwd")
    @mapper.body(acc_model.post_rpwd)
    @mapper.response(204, None, "the password is reset")
    @mapper.response(400, None, "the body breaks the schema")
    @mapper.response(404, None, "unknown or used code")
    @mapper.response(410, None, "the code has expired")
    def post_pwd(self, req: Any, res: Any) -> None:
        """Set a new password with a reset code; signs out every refresh token."""
        body = req.body
        acc_id = self.acc_sv.cf_rpwd_code(body["code"], body["new_pwd"])
        acc = self.acc_sv.find_id(acc_id)
        if acc is not None:
            self.mail.notify(
                "pwd_reset", acc["email"], name=acc["name"],
                date=format_date(self.acc_sv.clock()),
            )
        res.status = 204


def _token_doc(method: Any) -> Any:
    """OpenAPI for the token endpoint: either grant's body, the pair, OAuth2 error bodies.

    The body is only documented (``check=False``): ``_token`` checks it, answering
    OAuth2 errors rather than the kernel's 400.
    """
    method = mapper.body(
        {"oneOf": [auth_model.post_token_pwd, auth_model.post_token_rtoken]}, check=False
    )(method)
    for status, text in (
        (400, "invalid_request, invalid_grant (wrong password, bad refresh token) or "
              "unsupported_grant_type"),
        (429, "slow_down: too many failed logins from this client (Retry-After)"),
        ("4XX", "invalid_request (413 body too large, 415 wrong content type)"),
        (503, "temporarily_unavailable: the database is down (Retry-After)"),
        ("5XX", "server_error"),
    ):
        method = mapper.response(status, OAUTH_ERROR, text)(method)
    return mapper.response(200, auth_model.res_bearer_token, "a token pair")(method)


@stamp(OAuthSv, AccSv, SmtpSv, TemplateSv)
@mapper.path(AUTH_PATH)
class AuthCtl(Controller):
    """The token endpoint: ``POST /auth/token`` with the password or refresh_token grant.

    Takes JSON (the manual) or ``application/x-www-form-urlencoded`` (RFC 6749).
    Errors are RFC 6749 §5.2 bodies ``{"error", "error_description"}``; every
    answer carries ``Cache-Control: no-store``.
    """

    def __init__(
        self, oauth_sv: OAuthSv, acc_sv: AccSv, smtp_sv: SmtpSv, tpl_sv: TemplateSv
    ) -> None:
        self.oauth_sv = oauth_sv
        self.acc_sv = acc_sv
        self.smtp_sv = smtp_sv
        self.tpl_sv = tpl_sv

    @mapper.post(TOKEN_ROUTE)
    @_token_doc
    def post_token(self, req: Any, res: Any) -> None:
        """A token pair, from a JSON body."""
        self._token(req, res)

    @mapper.post(TOKEN_ROUTE, MIME_URL_ENCODE)
    @_token_doc
    def post_token_form(self, req: Any, res: Any) -> None:
        """A token pair, from a form body (RFC 6749 §4.3.2, §6)."""
        self._token(req, res)

    def _token(self, req: Any, res: Any) -> None:
        body = req.body
        if not isinstance(body, dict):
            raise OAuthError("invalid_request", "the body must be a JSON object or a form")
        for name, value in body.items():
            if isinstance(value, list) and req.content_type == MIME_URL_ENCODE:
                raise OAuthError("invalid_request", f"parameter {name!r} is repeated")
        grant = body.get("grant_type")
        if grant == "password":
            schema = _TOKEN_PWD
        elif grant == "refresh_token":
            schema = _TOKEN_RTOKEN
        elif isinstance(grant, str):
            raise OAuthError(
                "unsupported_grant_type",
                "grant_type must be 'password' or 'refresh_token'",
            )
        else:
            raise OAuthError("invalid_request", "grant_type is missing or not a string")
        try:
            schema.check("body", body)
        except FormatError as e:
            raise OAuthError("invalid_request", f"body{e.pointer} {e.detail}") from None
        try:
            if grant == "password":
                tokens = self.oauth_sv.mktoken_pwd(
                    body["username"], body["password"], req.client_addr
                )
            else:
                tokens = self.oauth_sv.mktoken_rtoken(body["refresh_token"])
        except BadCredentialsError:
            raise OAuthError("invalid_grant", "wrong username or password") from None
        except LoginThrottledError as e:
            raise OAuthError(
                "slow_down", str(e), 429, {"Retry-After": str(e.retry_after)}
            ) from None
        except TokenExpiredError:
            raise OAuthError("invalid_grant", "the refresh token has expired") from None
        except InvalidTokenError as e:
            raise OAuthError("invalid_grant", e.reason) from None
        res.body = tokens
        res.header.update(NO_STORE)
