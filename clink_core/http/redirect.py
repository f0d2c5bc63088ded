"""Redirect locations: absolute URLs and root-relative paths only, no open redirects."""

from __future__ import annotations

import re
from urllib.parse import quote

#: the statuses ``res.redirect`` sends.
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: schemes a browser would run or render instead of following.
_REFUSED_SCHEMES = frozenset({"javascript", "data", "vbscript"})
#: what stays as it is when a location is percent-encoded (RFC 3986 reserved and '%').
_SAFE = "!#$%&'()*+,/:;=?@[]~"


class RedirectError(ValueError):
    """A redirect the kernel refuses to send: a bad status or an unsafe location."""


def check_status(status: int) -> int:
    """``status`` when it is a redirect status, else ``RedirectError``."""
    if status not in REDIRECT_STATUSES or isinstance(status, bool):
        raise RedirectError(
            f"redirect status must be one of 301, 302, 303, 307, 308, got {status!r}"
        )
    return status


def check_location(location: str, allow_scheme_relative: bool = False) -> str:
    """The ``Location`` value for ``location``: a root-relative path (``/book/item``) or an
    absolute URL (``https://example.org/x``), non-ASCII percent-encoded.

    A scheme-relative ``//host/x`` is refused unless ``allow_scheme_relative``: built
    from input, it sends the client to any host (an open redirect). A backslash is
    refused too (browsers read ``/\\host`` as ``//host``), and so are relative
    paths, control characters and the ``javascript:``/``data:`` schemes.
    """
    if not isinstance(location, str) or not location:
        raise RedirectError(f"redirect location must be a non-empty str, got {location!r}")
    if _CONTROL.search(location):
        raise RedirectError("redirect location holds CR/LF or a control character: refused")
    if "\\" in location:
        raise RedirectError(
            "redirect location holds a backslash (browsers read /\\host as //host): "
            "percent-encode it as %5C"
        )
    if location.startswith("//"):
        if not allow_scheme_relative:
            raise RedirectError(
                f"redirect location {location[:40]!r} is scheme-relative (//host): it can send "
                "the client to any host; give an absolute URL or a /path, or pass "
                "allow_scheme_relative=True"
            )
    elif not location.startswith("/"):
        scheme = _SCHEME.match(location)
        if scheme is None:
            raise RedirectError(
                f"redirect location {location[:40]!r} is relative: give a root-relative path "
                "(/book/item) or an absolute URL (https://host/path)"
            )
        name = scheme.group()[:-1].lower()
        if name in _REFUSED_SCHEMES:
            raise RedirectError(f"redirect location with the {name}: scheme is refused")
        if name in ("http", "https") and not location[len(name) + 1:].startswith("//"):
            raise RedirectError(
                f"redirect location {location[:40]!r}: an {name} URL needs a host ({name}://host/...)"
            )
    if not location.isascii() or " " in location:
        location = quote(location, safe=_SAFE)
    return location
