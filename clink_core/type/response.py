"""The response a pipeline builds."""

from __future__ import annotations

from typing import Any

from ..mime.type import MIME_JSON


class Response:
    """Carries data of the response message from the application to the client.

    ``body`` may be bytes or str for the kernel to send; other objects (dict,
    list, ...) need a level-5 converter such as clink-json.
    """

    __slots__ = ("__dict__", "body", "content_type", "header", "status")

    def __init__(self) -> None:
        self.status: int = 200
        self.content_type: str | None = MIME_JSON
        self.header: dict[str, str] = {}
        self.body: Any = None
