"""Level 6's one-pass header check (``handler.send``) answers exactly as the full check.

``send`` vouches for a field in one pass (a name seen valid before, a plain printable
ASCII str value) and hands anything else to ``check_names``/``check_values``. These
tests compare it with the reference: the full check of every field, then every field
sent in order after Content-Type and Content-Length; or ``HeaderValueError``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clink_core.handler.send import make_send, send
from clink_core.http.app_headers import AppHeaders
from clink_core.http.header import GOOD_NAMES, HeaderValueError, check_names, check_values
from clink_core.type.request import Request
from clink_core.type.response import Response

_KNOWN = [*sorted(GOOD_NAMES)[:8], "X-Request-Id", "Access-Control-Allow-Origin"]
_NAMES = st.one_of(
    st.sampled_from(_KNOWN),
    st.from_regex(r"X-[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}", fullmatch=True),  # valid, new
    st.sampled_from(["", "Bad Name", "Bad:Name", "Caf\u00e9", "X\r\nY", "a\tb"]),
    st.integers(0, 3),  # not a str
)
_VALUES = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40),
    st.text(st.characters(max_codepoint=0x2FF), max_size=12),  # HTAB, controls, Latin-1, beyond
    st.sampled_from(["a\tb", "caf\u00e9", "x\r\nSet-Cookie: a=b", "\x7f", "\u20ac", ""]),
    st.integers(0, 3),
    st.none(),
)


def _request(method: str = "GET") -> Any:
    req: Any = object.__new__(Request)
    req.method = method
    req.env = {}
    return req


def _sent(
    header: dict[Any, Any], body: Any = b"{}", status: int = 200,
    app: AppHeaders | None = None, fields: tuple[tuple[str, str], ...] = (),
) -> Any:
    res = Response()
    res.status = status
    res.body = body
    res.header.update(header)
    res.fields = list(fields)
    got: list[Any] = []
    sender = send if app is None else make_send(app)
    try:
        sender(_request(), res, lambda line, headers: got.append((line, headers)))
    except HeaderValueError as e:
        return ("refused", str(e))
    [(line, headers)] = got
    return (line, headers)


def _reference(
    header: dict[Any, Any], body: bytes = b"{}", status: int = 200,
    app: AppHeaders | None = None, fields: tuple[tuple[str, str], ...] = (),
) -> Any:
    try:
        check_names(header)
        check_values(header)
    except HeaderValueError as e:
        return ("refused", str(e))
    base = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    line = {200: "200 OK", 204: "204 No Content"}[status]
    if status == 204:
        base = []
    own = {name.lower() for name in header}
    kept = [f for f in (app.fields if app else ()) if f[0].lower() not in own]
    return (line, [*base, *header.items(), *kept, *fields])


_APPS = st.sampled_from([
    None,
    AppHeaders([("Access-Control-Allow-Origin", "*")]),
    AppHeaders([("X-Content-Type-Options", "nosniff"), ("vary", "Origin")]),
])
_FIELDS = st.sampled_from([(), (("Set-Cookie", "a=1"),), (("X-Request-Id", "r"), ("Link", "<a>"))])


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_NAMES, _VALUES, max_size=5), st.sampled_from([200, 204]), _APPS,
       _FIELDS)
def test_the_one_pass_check_sends_and_refuses_as_the_full_check(header, status, app, fields):
    """Also with app-wide fields (after the response's own, unless it names one, in any
    case) and ``res.fields`` (last, as they are)."""
    names_before = set(GOOD_NAMES)
    expected = _reference(header, status=status, app=app, fields=fields)
    GOOD_NAMES.clear()  # the reference learned names: start send from the same set
    GOOD_NAMES.update(names_before)
    assert _sent(header, status=status, app=app, fields=fields) == expected


@pytest.mark.parametrize("value", ["a\r\nb", "a\nb", "\x00", "\x7f", "\u0100x", 5, None])
def test_a_bad_value_after_good_fields_is_refused_and_named(value):
    header = {"X-Request-Id": "id-1", "Access-Control-Allow-Origin": "*", "Vary": value}
    kind, message = _sent(header)
    assert kind == "refused" and "'Vary'" in message


def test_htab_and_latin1_pass_the_full_check_and_keep_the_order():
    header = {"X-Request-Id": "id-1", "Link": "a\tb", "Content-Language": "caf\u00e9",
              "Vary": "Origin"}
    line, headers = _sent(header)
    assert line == "200 OK"
    assert headers == [("Content-Type", "application/json"), ("Content-Length", "2"),
                       *header.items()]


def test_a_new_valid_name_is_sent_and_learned():
    name = "X-Fast-Path-Test-Name"
    GOOD_NAMES.discard(name)
    _line, headers = _sent({"X-Request-Id": "r", name: "v"})
    assert headers[-2:] == [("X-Request-Id", "r"), (name, "v")]
    assert name in GOOD_NAMES
