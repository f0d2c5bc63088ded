"""Handler interfaces of the pipeline levels (the manual's ``clink.iface.pipe``).

Subclass one, ``@stamp`` it with its dependencies, implement ``handle`` and
add it with ``app.add_handler``. Set ``tryfirst``/``trylast`` to move it to
the front or back of its level.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..com.type import Component


class IPipeHandler(Component):
    """Base of every level handler."""

    level: ClassVar[int]
    tryfirst: ClassVar[bool] = False
    trylast: ClassVar[bool] = False


class ILv0Handler(IPipeHandler):
    """Receive handling [1]."""

    level = 0

    def handle(self, req: Any, res: Any, env: dict[str, Any]) -> None:
        raise NotImplementedError


class ILv1Handler(IPipeHandler):
    """Pre-routing handling [n]."""

    level = 1

    def handle(self, req: Any, res: Any) -> None:
        raise NotImplementedError


class ILv2Handler(IPipeHandler):
    """Routing [1]: return the main handler of ``req``."""

    level = 2

    def handle(self, req: Any) -> Any:
        raise NotImplementedError


class ILv3Handler(IPipeHandler):
    """Pre-main handling [n]."""

    level = 3

    def handle(self, req: Any, res: Any) -> None:
        raise NotImplementedError


class ILv4Handler(IPipeHandler):
    """Main handling: symbolic; the main handlers are controller methods."""

    level = 4


class ILv5Handler(IPipeHandler):
    """Responding handling [n]."""

    level = 5

    def handle(self, req: Any, res: Any) -> None:
        raise NotImplementedError


class ILv6Handler(IPipeHandler):
    """Sending handling [1]: return the WSGI body iterable."""

    level = 6

    def handle(self, req: Any, res: Any, wsgi_send: Any) -> Any:
        raise NotImplementedError


class ILv7Handler(IPipeHandler):
    """Error handling [n]."""

    level = 7

    def handle(self, req: Any, res: Any, e: BaseException) -> None:
        raise NotImplementedError


class ILv8Handler(IPipeHandler):
    """Error logging handling [1]."""

    level = 8

    def handle(self, req: Any, res: Any, e: BaseException) -> None:
        raise NotImplementedError


class ILv9Handler(IPipeHandler):
    """Error sending handling [1]: return the WSGI body iterable."""

    level = 9

    def handle(self, req: Any, res: Any, wsgi_send: Any) -> Any:
        raise NotImplementedError
