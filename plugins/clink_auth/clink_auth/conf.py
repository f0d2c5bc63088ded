"""AuthConf: the manual's authorization configuration, checked when it is created."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from clink_core import Primitive
from clink_core.plugin import ConfError
from clink_smtp import SmtpConf

#: Symmetric algorithms a token may be signed with; the key is a shared secret.
JWT_ALGORITHMS = ("HS256", "HS384", "HS512")
#: The shortest ``jwt_key`` accepted, in bytes (512 bits: the output size of HS512).
MIN_JWT_KEY_BYTES = 64

_PWD = re.compile(r"^.{6,32}$")
_EMAIL = re.compile(
    r"^[a-zA-Z0-9-._]{1,64}@[a-zA-Z0-9\[]{1}[a-zA-Z0-9.-:]{1,61}[a-zA-Z0-9\]]{1}$"
)
_NAME = re.compile(r"^[a-z0-9-]{2,32}$")
_KEY_HINT = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"


def _positive_int(label: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfError(f"AuthConf {label} must be a positive integer, got {value!r}")
    return value


class AuthConf(Primitive):
    """Authorization configuration: the root account, its mail server, token keys and times.

    The first six arguments and the two lifetimes are the manual's:

    - ``root_pwd``, ``root_email``: the ``root`` account created on first load
      (the password must match the manual's ``acc_pwd``: 6 to 32 characters);
    - ``root_email_pwd``, ``root_email_server``, ``root_email_server_port``: the
      SMTP login and server mail is sent through, from ``root_email``
      (``root_email_pwd`` may be ``None`` for a server without login);
    - ``jwt_key``: the secret tokens are signed with, at least 64 bytes;
    - ``token_time`` and ``rtoken_time``: lifetimes of access and refresh tokens
      in seconds (4 hours and 30 days).

    Keyword-only additions: ``code_time`` (lifetime of registration and reset
    codes, 1 hour), ``jwt_alg`` (``HS512``; ``HS256``/``HS384`` allowed),
    ``jwt_issuer`` and ``jwt_audience`` (the ``iss``/``aud`` claims; the same
    key and the same names accept each other's tokens), the login throttle
    (``login_max_fails``: 5 failed logins of one account name from one client
    address within ``login_fail_window``, 900 seconds, lock that name for that
    address for the rest of the window; ``login_client_max_fails``: 20 failed
    logins of any names from one address lock the address;
    ``login_client_max_checks``: 100 password checks, failed or not, from one
    address), ``smtp_security``,
    ``smtp_timeout`` and ``smtp_ca_file`` (see ``clink_smtp.SmtpConf``),
    ``argon2_time_cost``, ``argon2_memory_cost`` (KiB) and
    ``argon2_parallelism`` (the password hash; RFC 9106's second recommended
    option by default) and ``mail_dir`` (a folder whose ``*.txt`` files replace
    the shipped mail templates of the same name).

    ``smtp_conf`` is the ``SmtpConf`` built from these values; the plugin adds
    it to the app unless the app (or ``CLINK_SMTP_HOST``) gives its own.
    Every bad value raises ``ConfError`` naming it; secrets are never echoed.
    """

    def __init__(
        self,
        root_pwd: str,
        root_email: str,
        root_email_pwd: str | None,
        root_email_server: str,
        root_email_server_port: int,
        jwt_key: str | bytes,
        token_time: int = 14400,
        rtoken_time: int = 2592000,
        *,
        code_time: int = 3600,
        jwt_alg: str = "HS512",
        jwt_issuer: str = "clink-auth",
        jwt_audience: str = "clink-auth",
        login_max_fails: int = 5,
        login_fail_window: int = 900,
        login_client_max_fails: int = 20,
        login_client_max_checks: int = 100,
        smtp_security: str = "starttls",
        smtp_timeout: float = 10,
        smtp_ca_file: str | os.PathLike[str] | None = None,
        argon2_time_cost: int = 3,
        argon2_memory_cost: int = 65536,
        argon2_parallelism: int = 4,
        mail_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        if not isinstance(root_pwd, str) or not _PWD.match(root_pwd):
            raise ConfError(
                "AuthConf root_pwd must be a string of 6 to 32 characters (the manual's "
                "acc_pwd), so that root can log in through POST /auth/token"
            )
        if not isinstance(root_email, str) or not _EMAIL.match(root_email):
            raise ConfError(f"AuthConf root_email must be an e-mail address, got {root_email!r}")
        if root_email_pwd == "":
            root_email_pwd = None
        if root_email_pwd is not None and not isinstance(root_email_pwd, str):
            raise ConfError("AuthConf root_email_pwd must be a string, or None for no SMTP login")
        if isinstance(jwt_key, str):
            key = jwt_key.encode("utf-8")
        elif isinstance(jwt_key, (bytes, bytearray)):
            key = bytes(jwt_key)
        else:
            raise ConfError(
                f"AuthConf jwt_key must be str or bytes, got {type(jwt_key).__name__}"
            )
        if len(key) < MIN_JWT_KEY_BYTES:
            raise ConfError(
                f"AuthConf jwt_key is {len(key)} bytes; it must be at least "
                f"{MIN_JWT_KEY_BYTES} bytes of random data (a weak key lets anyone forge "
                f"tokens); {_KEY_HINT}"
            )
        if jwt_alg not in JWT_ALGORITHMS:
            raise ConfError(
                f"AuthConf jwt_alg must be one of {', '.join(JWT_ALGORITHMS)}, got {jwt_alg!r}"
            )
        for label, value in (("jwt_issuer", jwt_issuer), ("jwt_audience", jwt_audience)):
            if not isinstance(value, str) or not value:
                raise ConfError(f"AuthConf {label} must be a non-empty string, got {value!r}")
        self.root_pwd = root_pwd
        self.root_email = root_email.lower()
        self.root_email_pwd = root_email_pwd
        self.root_email_server = root_email_server
        self.root_email_server_port = root_email_server_port
        self.jwt_key = key
        self.token_time = _positive_int("token_time", token_time)
        self.rtoken_time = _positive_int("rtoken_time", rtoken_time)
        self.code_time = _positive_int("code_time", code_time)
        self.jwt_alg = jwt_alg
        self.jwt_issuer = jwt_issuer
        self.jwt_audience = jwt_audience
        self.login_max_fails = _positive_int("login_max_fails", login_max_fails)
        self.login_fail_window = _positive_int("login_fail_window", login_fail_window)
        self.login_client_max_fails = _positive_int(
            "login_client_max_fails", login_client_max_fails
        )
        self.login_client_max_checks = _positive_int(
            "login_client_max_checks", login_client_max_checks
        )
        self.argon2_time_cost = _positive_int("argon2_time_cost", argon2_time_cost)
        self.argon2_memory_cost = _positive_int("argon2_memory_cost", argon2_memory_cost)
        self.argon2_parallelism = _positive_int("argon2_parallelism", argon2_parallelism)
        if self.argon2_memory_cost < 8 * self.argon2_parallelism:
            raise ConfError(
                "AuthConf argon2_memory_cost must be at least 8 KiB per lane (8 * "
                f"argon2_parallelism = {8 * self.argon2_parallelism}), got {argon2_memory_cost}"
            )
        if mail_dir is not None:
            mail_dir = os.fspath(mail_dir)
            if not os.path.isdir(mail_dir):
                raise ConfError(f"AuthConf mail_dir {mail_dir!r} is not a directory")
        self.mail_dir: str | None = mail_dir
        try:
            self.smtp_conf = SmtpConf(
                root_email_server,
                root_email_server_port,
                self.root_email,
                root_email_pwd,
                security=smtp_security,
                timeout=smtp_timeout,
                ca_file=smtp_ca_file,
            )
        except ConfError as e:
            raise ConfError(f"AuthConf mail settings (root_email_*, smtp_*): {e}") from None

    def __repr__(self) -> str:
        return (
            f"AuthConf(root_pwd=***, root_email={self.root_email!r}, root_email_pwd="
            f"{'***' if self.root_email_pwd else None}, root_email_server="
            f"{self.root_email_server!r}, root_email_server_port={self.root_email_server_port!r}, "
            f"jwt_key=***, token_time={self.token_time}, rtoken_time={self.rtoken_time}, "
            f"code_time={self.code_time}, jwt_alg={self.jwt_alg!r})"
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AuthConf:
        """Build from ``CLINK_AUTH_*`` variables (empty ones count as unset).

        Required: ``CLINK_AUTH_ROOT_PWD``, ``CLINK_AUTH_ROOT_EMAIL``,
        ``CLINK_AUTH_ROOT_EMAIL_SERVER``, ``CLINK_AUTH_JWT_KEY``. Optional:
        ``CLINK_AUTH_ROOT_EMAIL_PWD``, ``CLINK_AUTH_ROOT_EMAIL_SERVER_PORT``
        (587, or 465 with ``tls``, 25 with ``none``), ``CLINK_AUTH_TOKEN_TIME``,
        ``CLINK_AUTH_RTOKEN_TIME``, ``CLINK_AUTH_CODE_TIME``, ``CLINK_AUTH_JWT_ALG``,
        ``CLINK_AUTH_JWT_ISSUER``, ``CLINK_AUTH_JWT_AUDIENCE``,
        ``CLINK_AUTH_LOGIN_MAX_FAILS``, ``CLINK_AUTH_LOGIN_FAIL_WINDOW``,
        ``CLINK_AUTH_LOGIN_CLIENT_MAX_FAILS``, ``CLINK_AUTH_LOGIN_CLIENT_MAX_CHECKS``,
        ``CLINK_AUTH_SMTP_SECURITY``, ``CLINK_AUTH_SMTP_TIMEOUT``,
        ``CLINK_AUTH_SMTP_CA_FILE``, ``CLINK_AUTH_ARGON2_TIME_COST``,
        ``CLINK_AUTH_ARGON2_MEMORY_COST``, ``CLINK_AUTH_ARGON2_PARALLELISM``,
        ``CLINK_AUTH_MAIL_DIR``.
        """
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(f"CLINK_AUTH_{name}")
            return value if value else None

        def need(name: str, what: str) -> str:
            value = get(name)
            if value is None:
                raise ConfError(f"CLINK_AUTH_{name} is not set: it is {what}")
            return value

        def number(name: str, convert: Any = int) -> Any:
            raw = get(name)
            if raw is None:
                return None
            try:
                return convert(raw)
            except ValueError:
                raise ConfError(f"CLINK_AUTH_{name} must be a number, got {raw!r}") from None

        root_pwd = need("ROOT_PWD", "the password of the root account")
        root_email = need("ROOT_EMAIL", "the root account's address, mail is sent from it")
        server = need("ROOT_EMAIL_SERVER", "the SMTP server mail is sent through")
        jwt_key = need("JWT_KEY", f"the secret tokens are signed with ({_KEY_HINT})")
        security = (get("SMTP_SECURITY") or "starttls").strip().lower()
        port = number("ROOT_EMAIL_SERVER_PORT")
        if port is None:
            port = {"tls": 465, "none": 25}.get(security, 587)
        kwargs: dict[str, Any] = {"smtp_security": security}
        for name, key in (
            ("TOKEN_TIME", "token_time"), ("RTOKEN_TIME", "rtoken_time"),
            ("CODE_TIME", "code_time"), ("LOGIN_MAX_FAILS", "login_max_fails"),
            ("LOGIN_FAIL_WINDOW", "login_fail_window"),
            ("LOGIN_CLIENT_MAX_FAILS", "login_client_max_fails"),
            ("LOGIN_CLIENT_MAX_CHECKS", "login_client_max_checks"),
            ("ARGON2_TIME_COST", "argon2_time_cost"),
            ("ARGON2_MEMORY_COST", "argon2_memory_cost"),
            ("ARGON2_PARALLELISM", "argon2_parallelism"),
        ):
            value = number(name)
            if value is not None:
                kwargs[key] = value
        timeout = number("SMTP_TIMEOUT", float)
        if timeout is not None:
            kwargs["smtp_timeout"] = timeout
        for name, key in (
            ("JWT_ALG", "jwt_alg"), ("JWT_ISSUER", "jwt_issuer"),
            ("JWT_AUDIENCE", "jwt_audience"), ("SMTP_CA_FILE", "smtp_ca_file"),
            ("MAIL_DIR", "mail_dir"),
        ):
            value = get(name)
            if value is not None:
                kwargs[key] = value
        return cls(root_pwd, root_email, get("ROOT_EMAIL_PWD"), server, port, jwt_key, **kwargs)


def check_acc_name(value: str) -> bool:
    """Whether ``value`` is an account (or group) name of the manual's form."""
    return isinstance(value, str) and _NAME.match(value) is not None
