"""Errors of the WSGI layer."""

from __future__ import annotations

from typing import Any


class WsgiResBodyError(TypeError):
    """The response body is of a type the sending level cannot write."""

    def __init__(self, body: Any) -> None:
        self.body_type = type(body)
        name = self.body_type.__name__
        super().__init__(
            f"response body of type {name} cannot be sent: the sending level writes "
            f"bytes, str or None. No level-5 handler converted the {name}; install "
            "the converter plugin (clink-json for dict/list bodies: pip install clink-json) "
            "or set res.body to bytes"
        )
