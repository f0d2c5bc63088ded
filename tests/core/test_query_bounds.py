"""The query contract's plain-bounds shortcut accepts exactly what the validator accepts."""

from __future__ import annotations

import jsonschema_rs
from hypothesis import given, settings
from hypothesis import strategies as st

from clink_core.routing.query import _bounds_check

numbers = st.one_of(
    st.integers(-5, 5), st.floats(-5, 5, allow_nan=False).map(lambda f: round(f, 1))
)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(["integer", "number"]),
    st.dictionaries(
        st.sampled_from(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]),
        numbers, max_size=4,
    ),
    numbers,
)
def test_bounds_shortcut_agrees_with_the_validator(kind, bounds, value):
    schema = {"type": kind, **bounds}
    accepts = _bounds_check(schema)
    assert accepts is not None
    if kind == "integer":
        value = int(value)
    assert bool(accepts(value)) == jsonschema_rs.validator_for(schema).is_valid(value)


def test_other_schemas_take_no_shortcut():
    assert _bounds_check({"type": "integer", "multipleOf": 2}) is None
    assert _bounds_check({"type": "string"}) is None
    assert _bounds_check({"type": "integer", "minimum": True}) is None
    assert _bounds_check({"type": ["integer", "null"]}) is None
