"""The hook clink-smtp adds, the primitive that takes its answer to ``SmtpSv``, and what a
send listener sees.

``clink_smtp_send_listeners(app)``: other plugins return *send listeners*:
callables ``listener(event: SmtpSendEvent)`` returning a context manager that
encloses one send (connection, TLS, login, message); an ``SmtpError`` raised by
the send passes through its ``__exit__``. clink-otel's make a ``CLIENT`` span of
each send. An implementation is marked ``@hookimpl(optionalhook=True)``, so its
plugin also loads in an app without clink-smtp; it need not import clink-smtp,
and clink-smtp never imports it.

The plugin's ``clink_setup`` adds an ``SmtpListeners`` primitive whose
``gather`` calls the hook; the injector gives it to ``SmtpSv``, which calls it
once, when it is created (after every plugin's ``clink_setup``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import pluggy

from clink_core import Primitive

from .error import SmtpError

hookspec = pluggy.HookspecMarker("clink")


class SmtpHookSpec:
    """Hook specifications clink-smtp adds to the app's plugin manager."""

    @hookspec
    def clink_smtp_send_listeners(self, app: Any) -> Any:
        """Return send listeners (``listener(SmtpSendEvent) -> context manager``) for the
        app's ``SmtpSv`` (a list, or ``None``); called once, when it is created."""


@dataclass(frozen=True)
class SmtpSendEvent:
    """One send, as listeners see it: the server, and counts rather than addresses."""

    host: str
    port: int
    security: str
    recipients: int
    message_id: str


#: what ``SmtpSv`` calls for each send.
SendListener = Callable[[SmtpSendEvent], AbstractContextManager[Any]]


@dataclass(frozen=True)
class SendFailure:
    """The last send's failure on the server's side: when (``time.time()``) and the error."""

    at: float
    error: SmtpError


class SmtpListeners(Primitive):
    """Send listeners for ``SmtpSv``: ``listeners``, then what ``gather()`` returns
    when the service is created.

    In an app the plugin adds one that gathers the ``clink_smtp_send_listeners``
    hook's answers; outside an app, ``SmtpSv(app_conf, conf, SmtpListeners([l]))``.
    """

    def __init__(
        self,
        listeners: Iterable[SendListener] = (),
        gather: Callable[[], Iterable[SendListener]] | None = None,
    ) -> None:
        self.listeners = tuple(listeners)
        self.gather = gather

    @classmethod
    def default(cls) -> SmtpListeners:
        """None: what the service gets in an app without the plugin loaded."""
        return cls()

    def all(self) -> list[SendListener]:
        """Every listener: the given ones, then the gathered ones."""
        found = list(self.listeners)
        if self.gather is not None:
            found.extend(self.gather())
        for listener in found:
            if not callable(listener):
                raise TypeError(
                    f"a clink_smtp_send_listeners listener must be callable "
                    f"(event -> context manager), got {listener!r}"
                )
        return found


def listeners_of(app: Any) -> list[SendListener]:
    """Every listener the app's plugins return from ``clink_smtp_send_listeners``."""
    found: list[SendListener] = []
    for group in app.pm.hook.clink_smtp_send_listeners(app=app):
        found.extend(group or ())
    return found
