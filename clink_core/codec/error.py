"""Errors of data conversion."""

from __future__ import annotations

from typing import Any

from ..error.http import Http400Error


class JsonBodyError(Http400Error):  # type: ignore[misc,valid-type]
    """A request body that is not acceptable JSON (answered 400)."""


class FormBodyError(Http400Error):  # type: ignore[misc,valid-type]
    """An url-encoded request body that cannot be decoded (answered 400)."""


class JsonSerializeError(TypeError):
    """A response body JSON cannot represent (answered 500; the log names the type)."""

    def __init__(self, body: Any, cause: Exception) -> None:
        self.body_type = type(body)
        super().__init__(
            f"response body of type {self.body_type.__name__} cannot be serialised to JSON: {cause}"
        )
