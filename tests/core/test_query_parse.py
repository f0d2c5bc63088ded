"""``parse_query`` decodes exactly what ``urllib.parse.parse_qsl`` decodes."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clink_core.error.http import Http400Error
from clink_core.type.query import has_bad_percent, parse_query


def reference(query: str) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True, errors="strict"):
        result.setdefault(name, []).append(value)
    return result


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab=&+%2C3A9é;x \x00", max_size=30))
def test_parse_query_agrees_with_parse_qsl(query):
    try:
        expected = reference(query)
    except UnicodeDecodeError:
        expected = None
    if has_bad_percent(query):
        with pytest.raises(Http400Error, match="invalid percent-encoding"):
            parse_query(query)
    elif expected is None:
        with pytest.raises(Http400Error, match="not valid UTF-8"):
            parse_query(query)
    else:
        assert parse_query(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("page=2&size=10", {"page": ["2"], "size": ["10"]}),
        ("a=1&a=2&b", {"a": ["1", "2"], "b": [""]}),
        ("a+b=c+d&&=x", {"a b": ["c d"], "": ["x"]}),
        ("q=%C3%A9t%C3%A9", {"q": ["été"]}),
        ("", {}),
    ],
)
def test_parse_query_examples(query, expected):
    assert parse_query(query) == expected


def test_bad_utf8_names_what_was_parsed():
    with pytest.raises(Http400Error, match="url-encoded body is not valid UTF-8"):
        parse_query("a=%FF", "url-encoded body")
