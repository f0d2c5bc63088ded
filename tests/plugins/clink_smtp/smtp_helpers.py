"""Helpers of the SMTP tests: the test account, a recording handler, an authenticator."""

from __future__ import annotations

from typing import Any

from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"
USER = "app@example.com"
PASSWORD = "s3cret-pa55"


class Recorder:
    """aiosmtpd handler: keeps each envelope; refuses recipients at refused.example."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    # handled=False: aiosmtpd itself answers 535 on failure (the default,
    # handled=True, means "I already answered" and the client would wait).
    return AuthResult(success=ok, handled=False)
