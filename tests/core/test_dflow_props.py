"""Properties of ``CompiledSchema.check`` over random JSON values (hypothesis)."""

from __future__ import annotations

import json
import unicodedata

import jsonschema_rs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clink_core.dflow import CompiledSchema, FormatError
from clink_core.dflow.error import MAX_ERRORS

#: every submitted string value starts with it; no schema or sentence holds it.
MARK = "\u00a7"

SCHEMAS = [
    {"type": "object", "additionalProperties": False, "required": ["name", "author"],
     "properties": {"name": {"type": "string", "pattern": "^[a-zA-Z0-9 ]{2,32}$"},
                    "author": {"type": "string", "minLength": 2, "maxLength": 16},
                    "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "uniqueItems": True}}},
    {"anyOf": [{"type": "string", "format": "email"},
               {"type": "object", "required": ["a"], "properties": {"a": {"const": 1}}},
               {"type": "array", "maxItems": 2}]},
    {"$defs": {"n": {"type": "number", "minimum": 0, "multipleOf": 0.5}},
     "type": "object", "properties": {"n": {"$ref": "#/$defs/n"}},
     "additionalProperties": {"type": ["string", "null"]}, "propertyNames": {"maxLength": 4},
     "dependentRequired": {"n": ["m"]}},
    {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}],
     "items": {"type": "object", "properties": {"raw": {"x-clink-allow-control": True}},
               "unevaluatedProperties": {"type": "boolean"}}},
    {"oneOf": [{"type": "integer"}, {"type": "number"}, {"not": {"type": "null"}}]},
    True,
]
COMPILED = [CompiledSchema(s) for s in SCHEMAS]

keys = st.sampled_from(["name", "author", "tags", "a", "n", "m", "raw", "long_key"]) | st.text(
    st.characters(blacklist_characters=MARK), max_size=5
)
strings = st.text(max_size=12).map(lambda s: MARK + s)
scalars = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | strings
)
values = st.recursive(
    scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(keys, kids, max_size=4),
    max_leaves=15,
)


def has_control(value) -> bool:
    """An oracle for the rule, independent of the implementation."""
    def bad(text: str) -> bool:
        return any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in text)

    if isinstance(value, str):
        return bad(value)
    if isinstance(value, dict):
        return any(bad(k) or has_control(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_control(v) for v in value)
    return False


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(range(len(SCHEMAS))), values)
def test_check_raises_only_format_errors_that_never_quote_values(i, value):
    try:
        COMPILED[i].check("body", value)
    except FormatError as e:
        message = e.http_message()
        text = json.dumps(message, ensure_ascii=False)
        assert MARK not in text
        assert MARK not in str(e) and MARK not in repr(e.args)
        assert 1 <= len(message["errors"]) <= MAX_ERRORS
        first = message["errors"][0]
        assert first == {k: message[k] for k in ("name", "pointer", "rule", "detail")}
        assert all(entry["name"] == "body" for entry in message["errors"])
        assert isinstance(message["truncated"], bool)
        assert e.value is value
        ok = False
    else:
        ok = True
    if i != 3:  # no opt-out below the root: valid iff jsonschema-rs agrees and no controls
        validator = jsonschema_rs.validator_for(SCHEMAS[i], validate_formats=True)
        try:
            expected = validator.is_valid(value)
        except ValueError:  # a lone surrogate: not UTF-8, so jsonschema-rs cannot read it
            expected = False
        assert ok == (expected and not has_control(value))
