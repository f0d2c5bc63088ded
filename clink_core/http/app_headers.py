"""Header fields every response of an app carries (``App.add_response_header``).

Why a kernel feature rather than a level-5 handler that fills ``res.header``: a
constant field (``Access-Control-Allow-Origin: *``, ``X-Content-Type-Options:
nosniff``) is the same on every response, so it is checked once, when it is
added, and the sending level appends the prepared fields in one C-level step. A
handler would cost a call per request and the sending level's check of every
field it set (~3.4k instructions for the first field of a response, ~1.4k for
each further one: about 0.5 µs for CORS's two). Litestar's app-level
``response_headers`` are the same idea.

A response that sets one of these names in ``res.header`` (any letter case)
sends its own value instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..com.type import Primitive
from .header import GOOD_NAMES, MAX_GOOD_NAMES, HeaderValueError, check_header

#: fields the sending level makes from the response itself.
RESERVED = frozenset({"content-type", "content-length"})


class AppHeaders(Primitive):
    """The header fields an app adds to every response (normal and error answers, HEAD,
    304, streams and files): ``fields``, ``(name, value)`` pairs in the order added.

    ``App.load()`` adds it to the injector: a level-6 handler that replaces the
    kernel's takes it with ``@stamp(AppHeaders)`` and sends ``kept(res.header)``.
    """

    def __init__(self, fields: Iterable[tuple[str, str]] = ()) -> None:
        checked: dict[str, tuple[str, str]] = {}
        for name, value in fields:
            check_header(name, value)
            key = name.lower()
            if key in RESERVED:
                raise HeaderValueError(
                    f"{name!r} cannot be an app-wide header: the kernel sends it from "
                    "res.content_type and the body of each response"
                )
            if key in checked:
                raise HeaderValueError(
                    f"the app already sends {checked[key][0]!r}: "
                    f"{checked[key][1]!r}; add each header name once"
                )
            checked[key] = (name, value)
        #: the fields, checked: what the sending level appends as they are.
        self.fields: tuple[tuple[str, str], ...] = tuple(checked.values())
        #: their names, lower-case: a response that sets one sends its own value.
        self.lowered = frozenset(checked)
        #: names found valid that are none of these (in any case): the sending level's
        #: fast check, so a response naming one of the app's fields takes its slow path.
        self.good = {name for name in GOOD_NAMES if name.lower() not in self.lowered}

    @classmethod
    def default(cls) -> AppHeaders:
        """An app that adds no field."""
        return NO_APP_HEADERS

    def kept(self, header: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        """The fields a response whose own fields are ``header`` still gets.

        Names of ``header`` found valid (in ``GOOD_NAMES``) that are not the app's join
        ``good``, so the next response naming them takes the fast check."""
        fields = self.fields
        if not fields:
            return fields
        lowered = self.lowered
        own = {name.lower(): name for name in header}
        good = self.good
        for key, name in own.items():
            if key not in lowered and name in GOOD_NAMES and len(good) < MAX_GOOD_NAMES:
                good.add(name)
        if lowered.isdisjoint(own):
            return fields
        return tuple(field for field in fields if field[0].lower() not in own)


#: the app-wide fields of an app that adds none (what the injector uses then).
NO_APP_HEADERS = AppHeaders()
