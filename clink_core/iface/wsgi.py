"""The WSGI interface."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


class IWsgi:
    """A WSGI application (PEP 3333)."""

    def __call__(
        self, wsgi_env: dict[str, Any], wsgi_send: Callable[..., Any]
    ) -> Iterable[bytes]:
        raise NotImplementedError
