"""The probe of flat schemas (``dflow.probe``) answers exactly as the plain path does.

Every bad value of a random flat schema is checked by a ``CompiledSchema`` with its
probe and by one without (jsonschema-rs's errors explain): same ``FormatError`` (every
field of the 400 body, its text), the first time (the sentence learnt) and after.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clink_core.dflow import CompiledSchema, FormatError, control
from clink_core.dflow.explain import Explainer
from clink_core.dflow.probe import UNSURE, FlatProbe
from clink_core.dflow.values import within

BOOK_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "author"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-zA-Z0-9 ]{2,32}$"},
        "author": {"type": "string", "pattern": "^[a-zA-Z0-9 ]{2,32}$"},
    },
}
WORDED = ({"name": "Dead Note"}, {}, {"name": "ab", "author": "cd", "x": 1, "y": 2})
NAMES = ["a", "b", "c/d~e", "é" * 50]

types = st.sampled_from(["string", "integer", "number", "boolean", "null", "array", "object"])
small = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([0.5, 2.0, "x", "ab"])
leaf_keywords: dict[str, Any] = {
    "type": types | st.lists(types, min_size=1, max_size=3, unique=True),
    "pattern": st.sampled_from(["^[a-z]+$", "x", "^.{2,3}$"]),
    "minLength": st.integers(0, 3),
    "maxLength": st.integers(0, 3),
    "format": st.sampled_from(["email", "date", "ipv4"]),
    "minimum": st.integers(-2, 2) | st.just(0.5),
    "maximum": st.integers(-2, 2),
    "exclusiveMinimum": st.integers(-2, 2),
    "exclusiveMaximum": st.just(1.5),
    "multipleOf": st.sampled_from([1, 2, 0.5]),
    "enum": st.lists(small, min_size=1, max_size=3),
    "const": small,
    "minItems": st.integers(0, 2),
    "maxItems": st.integers(0, 2),
    "uniqueItems": st.booleans(),
    "minProperties": st.integers(0, 2),
    "maxProperties": st.integers(0, 2),
    "title": st.just("a title"),
}


@st.composite
def leaves(draw: Any) -> Any:
    chosen = draw(st.lists(st.sampled_from(sorted(leaf_keywords)), max_size=4, unique=True))
    leaf = {k: draw(leaf_keywords[k]) for k in chosen}
    return leaf or draw(st.just(True) | st.just({}))


@st.composite
def flat_schemas(draw: Any) -> Any:
    schema: dict[str, Any] = {}
    if draw(st.booleans()):
        schema["type"] = draw(st.sampled_from(["object", ["object"], ["object", "array"]]))
    names = draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True))
    schema["properties"] = {n: draw(leaves()) for n in names}
    required = draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True))
    extra = draw(st.sampled_from([None, True, False]))
    if extra is not None:
        schema["additionalProperties"] = extra
    if extra is False:  # else no probe (jsonschema-rs's wording of that case is its own)
        required = [r for r in required if r in names]
    if required:
        schema["required"] = required
    if draw(st.booleans()):
        schema["minProperties"] = draw(st.integers(0, 3))
    if draw(st.integers(0, 5)) == 0:
        schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return schema


keys = st.sampled_from([*NAMES, "z", "\x01"])
scalars = (
    st.none() | st.booleans() | st.integers(-4, 4) | st.floats(-3, 3, allow_nan=False)
    | st.text(max_size=4) | st.sampled_from(["a@b.io", "2024-01-31", "1.2.3.4", "Dead Note!"])
)
values = st.recursive(
    scalars, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(keys, kids, max_size=4),
    max_leaves=8,
)
bodies = values | st.dictionaries(keys, values, max_size=5)


def outcome(schema: CompiledSchema, value: Any) -> Any:
    """What ``check`` does: ``None`` or every field of the error it raises."""
    try:
        schema.check("body", value)
    except FormatError as e:
        return (str(e), repr(e), e.http_message(), e.errors, e.truncated)
    return None


def plain(schema: Any) -> CompiledSchema:
    compiled = CompiledSchema(schema)
    compiled._explainer._probe = None  # type: ignore[attr-defined]
    return compiled


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flat_schemas(), st.lists(bodies, min_size=1, max_size=4))
def test_probe_answers_as_the_plain_path(schema: Any, batch: list[Any]) -> None:
    fast = CompiledSchema(schema)
    assert fast._explainer._probe is not None  # type: ignore[attr-defined]
    slow = plain(schema)
    for value in batch + batch:  # the second time, sentences come from what was learnt
        assert outcome(fast, value) == outcome(slow, value)


@settings(max_examples=200, deadline=None)
@given(bodies)
def test_book_schema(value: Any) -> None:
    fast, slow = CompiledSchema(BOOK_SCHEMA), plain(BOOK_SCHEMA)
    assert outcome(fast, value) == outcome(slow, value)
    assert outcome(fast, value) == outcome(slow, value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flat_schemas(), bodies, st.sampled_from([1, 3, 256]), st.booleans())
def test_find_vouches_only_for_what_a_scan_would_pass(
    schema: Any, value: Any, budget: int, guard: bool
) -> None:
    """``find`` with a budget answers as without one, or ``UNSURE``; when it vouches, the
    scan it stands in for (``clean_within`` / ``within``) passes."""
    probe = CompiledSchema(schema)._explainer._probe  # type: ignore[attr-defined]
    try:
        alone = probe.find(value)
    except Exception:  # a value jsonschema-rs cannot read: never asked of the probe
        return
    vouched = probe.find(value, budget, guard)
    if vouched is UNSURE:
        return
    assert vouched == alone
    assert (control.clean_within(value, budget) if guard else within(value, budget))


def test_find_is_unsure_of_what_it_does_not_scan() -> None:
    probe = CompiledSchema(BOOK_SCHEMA)._explainer._probe  # type: ignore[attr-defined]
    bad = {"name": "Dead Note!", "author": "Death"}
    assert probe.find(bad, 256, True) == probe.find(bad) == ("keyword", "name", "pattern")
    for value in (
        {"name": "a\x00b", "author": "Death"},  # control character in a value
        {"name": "a\tb", "author": "Death"},  # isprintable() refuses a tab: the scan decides
        {"name": "Dead Note!", "author": "Death", "\x01": 1},  # ... and in a key
        {"name": "Dead Note!", "author": ["Death"]},  # nested
        {"name": "Dead Note!", "author": "Death", 1: 2},  # a key of another type
        {"name": "x", "author": "y", **{f"k{i}": i for i in range(300)}},  # over the budget
        ["Dead Note!"],
    ):
        assert probe.find(value, 256, True) is UNSURE, value
    assert probe.find({"name": "a\x00b", "author": "Death"}, 256, False) is not UNSURE


def test_bench_body_once_learnt_needs_no_jsonschema_rs_error(monkeypatch: Any) -> None:
    compiled = CompiledSchema(BOOK_SCHEMA)
    bad = {"name": "Dead Note!", "author": "Death"}
    first = outcome(compiled, bad)
    expected = [outcome(plain(BOOK_SCHEMA), v) for v in WORDED]

    def boom(*args: Any) -> None:
        raise AssertionError("the plain path ran")

    monkeypatch.setattr(Explainer, "_plain", boom)
    assert outcome(compiled, bad) == first
    assert first[2] == {
        "name": "body", "pointer": "/name", "rule": "pattern",
        "detail": "must match pattern '^[a-zA-Z0-9 ]{2,32}$'",
        "errors": [{"name": "body", "pointer": "/name", "rule": "pattern",
                    "detail": "must match pattern '^[a-zA-Z0-9 ]{2,32}$'"}],
        "truncated": False,
    }
    # required and additionalProperties are worded without the plain path at all
    assert [outcome(compiled, v) for v in WORDED] == expected


def test_several_violations_and_big_values_take_the_plain_path() -> None:
    compiled = CompiledSchema(BOOK_SCHEMA)
    for value in (
        {"name": "!", "author": "!"},
        {"name": "a\x00b", "author": "Death"},
        {"name": "Dead Note!", "author": "Death", **{f"k{i}": i for i in range(300)}},
        ({"name": "x"},),
    ):
        assert outcome(compiled, value) == outcome(plain(BOOK_SCHEMA), value)


def test_only_flat_schemas_get_a_probe() -> None:
    def probe(schema: Any) -> Any:
        return CompiledSchema(schema)._explainer._probe  # type: ignore[attr-defined]

    assert probe(BOOK_SCHEMA) is not None
    assert probe({"type": "object"}) is not None
    for schema in (
        True,
        {"type": "object", "properties": {"a": {"$ref": "#/$defs/x"}}, "$defs": {"x": {}}},
        {"properties": {"a": {"items": {"type": "string"}}}},
        {"properties": {"a": {"x-clink-allow-control": True}}},
        {"patternProperties": {"^a": {"type": "string"}}},
        {"additionalProperties": {"type": "string"}},
        {"properties": {"a": False}},
        {"properties": {"a": {}}, "required": ["b"], "additionalProperties": False},
        {"required": ["b"], "additionalProperties": False},
        {"$schema": "http://json-schema.org/draft-04/schema#",
         "properties": {"a": {"minimum": 1, "exclusiveMinimum": True}}},
    ):
        assert probe(schema) is None, schema
    assert FlatProbe.build({"properties": {"a": {"pattern": "("}}}, lambda s: 1 / 0) is None


def test_400_message_bytes() -> None:
    """The message's keys in the order the 400 body has always had (bytes, not dict equality)."""
    import json

    one = FormatError("book", {}, None, "/name", "pattern", "must match")
    assert json.dumps(one.http_message()) == (
        '{"name": "book", "pointer": "/name", "rule": "pattern", "detail": "must match", '
        '"errors": [{"name": "book", "pointer": "/name", "rule": "pattern", '
        '"detail": "must match"}], "truncated": false}'
    )
    try:
        CompiledSchema(BOOK_SCHEMA).check("book", {"author": "!"})
    except FormatError as e:
        assert json.dumps(e.http_message()) == (
            '{"name": "book", "pointer": "", "rule": "required", '
            '"detail": "is missing required properties: \'name\'", "errors": ['
            '{"name": "book", "pointer": "", "rule": "required", '
            '"detail": "is missing required properties: \'name\'"}, '
            '{"name": "book", "pointer": "/author", "rule": "pattern", '
            '"detail": "must match pattern \'^[a-zA-Z0-9 ]{2,32}$\'"}], "truncated": false}'
        )
    else:
        raise AssertionError("not refused")
