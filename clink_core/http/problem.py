"""RFC 9457 problem details: the error body of ``AppConf(error_format="problem")``.

    {"type": "about:blank", "title": "Not Found", "status": 404,
     "detail": "no route for path /x", "instance": "/x"}

sent as ``application/problem+json``. A validation error (``FormatError``)
adds its violations as the extension members ``errors`` and ``truncated``;
a message that is a dict contributes its members as extensions.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ..error.http import STATUS_LINES

#: members an extension may not replace.
RESERVED = frozenset({"type", "title", "status", "detail", "instance"})


def title_of(status: int) -> str:
    """The status phrase (``"Not Found"``): the title of an ``about:blank`` problem."""
    return STATUS_LINES[status].partition(" ")[2]


def problem_body(
    status: int,
    message: Any = None,
    instance: str | None = None,
    extensions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The problem object of an error: ``message`` is the detail when it is a str; a dict
    message's members and ``extensions`` are extension members."""
    body: dict[str, Any] = {"type": "about:blank", "title": title_of(status), "status": status}
    if isinstance(message, str):
        body["detail"] = message
    if instance is not None:
        body["instance"] = instance if instance.isascii() else quote(instance, safe="/")
    if isinstance(message, dict):
        body.update((k, v) for k, v in message.items() if k not in RESERVED)
    elif message is not None and not isinstance(message, str):
        body["message"] = message
    if extensions:
        body.update((k, v) for k, v in extensions.items() if k not in RESERVED)
    return body
