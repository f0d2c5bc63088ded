"""Confirmation codes: ``ABCD-EFGH-IJKL-MNOP`` from ``secrets``, stored only as an HMAC.

16 letters of 26 carry 75 bits, so a keyed SHA-256 (no salt, no slow hash) is
enough to make a stolen database useless for confirming anything, and it
lets the code be looked up by its hash in one indexed query.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

_LETTERS = string.ascii_uppercase


def make_code() -> str:
    """A fresh code such as ``QXJM-ARTD-PLWE-ZKNB``."""
    letters = "".join(secrets.choice(_LETTERS) for _ in range(16))
    return "-".join(letters[i : i + 4] for i in range(0, 16, 4))


class CodeHasher:
    """Hashes codes with HMAC-SHA256 under a key derived from the JWT key."""

    def __init__(self, jwt_key: bytes) -> None:
        self._key = hmac.new(jwt_key, b"clink-auth/confirm-code/v1", hashlib.sha256).digest()

    def __call__(self, code: str) -> str:
        """The hex hash of ``code``; case does not matter (codes are read back by people)."""
        return hmac.new(self._key, code.upper().encode("ascii"), hashlib.sha256).hexdigest()
