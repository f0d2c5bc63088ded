"""Checks on header values and addresses, shared by SmtpConf and SmtpSv."""

from __future__ import annotations

import re

# Line breaks (CR, LF and what str.splitlines() also splits on) and other control
# characters have no place in a header value: they are how headers get injected.
_BAD_HEADER_CHARS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")
# A plain addr-spec: local@domain, no spaces, quotes, brackets or separators.
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+")


def header_problem(value: str) -> str | None:
    """Say why ``value`` cannot go in a header (a line break, a control character), or None."""
    m = _BAD_HEADER_CHARS.search(value)
    if m is None:
        return None
    char = m.group()
    kind = "a line break (CR/LF)" if char in "\r\n" else f"the control character {char!r}"
    return f"contains {kind}"


def address_problem(value: str) -> str | None:
    """Say why ``value`` is not a plain ``local@domain`` address, or None."""
    problem = header_problem(value)
    if problem:
        return problem
    if not _ADDRESS.fullmatch(value):
        return "is not an e-mail address of the form local@domain"
    domain = value.rpartition("@")[2]
    if domain.startswith(".") or domain.endswith(".") or ".." in domain:
        return "has a malformed domain"
    return None
