"""The compiled template matcher against a plain recursive walk of the same trie."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from clink_core.routing import RoutePathError
from clink_core.routing.converter import DEFAULT_CONVERTERS
from clink_core.routing.matcher import TemplateMatcher, _Node
from clink_core.routing.template import Segment, Template, parse


def _convert(segment: Segment, text: str) -> list[Any] | None:
    m = segment.regex.fullmatch(text)
    if m is None:
        return None
    try:
        return [p.converter.convert(v) for p, v in zip(segment.params, m.groups(), strict=True)]
    except ValueError:
        return None


def _walk(node: _Node, segments: list[str], i: int, values: list[Any]) -> Any:
    """The reference: depth first, literal, then parameters in order, then the rest."""
    if i == len(segments):
        return node.entry
    text = segments[i]
    child = node.literal.get(text)
    if child is not None:
        found = _walk(child, segments, i + 1, values)
        if found is not None:
            return found
    for segment, child in node.params:
        converted = _convert(segment, text)
        if converted is None:
            continue
        mark = len(values)
        values.extend(converted)
        found = _walk(child, segments, i + 1, values)
        if found is not None:
            return found
        del values[mark:]
    for segment, entry in node.rest:
        converted = _convert(segment, "/".join(segments[i:]))
        if converted is not None:
            values.extend(converted)
            return entry
    return None


def reference(matcher: TemplateMatcher, segments: list[str]) -> Any:
    values: list[Any] = []
    found = _walk(matcher._root, segments, 0, values)
    if found is None:
        return None
    template, value = found
    names = [p.name for s in template.segments for p in s.params]
    return value, dict(zip(names, values, strict=True))


SEGMENTS = ["a", "b", "{}", "{:int}", "{:float}", "{:uuid}", "{}.{:int}", "x{:int}", "{:path}"]
TEXTS = ["a", "b", "", "1", "-2", "007", "1.5", "1e3", "a.1", "x7", "x", "a.b",
         "12345678123412341234123456789012", "ü"]


def build(specs: list[list[str]]) -> tuple[TemplateMatcher, list[Template]]:
    matcher = TemplateMatcher()
    added = []
    for spec in specs:
        parts = []
        for k, seg in enumerate(spec):
            parts.append(seg.replace("{}", f"{{s{k}}}").replace("{:", f"{{v{k}:")
                         .replace("}.{v", "}.{w"))
        path = "/" + "/".join(parts)
        try:
            template = parse(path, DEFAULT_CONVERTERS)
            matcher.add(template, path)
        except RoutePathError:
            continue
        added.append(template)
    return matcher, added


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=4), min_size=1,
             max_size=12),
    st.lists(st.lists(st.sampled_from(TEXTS), max_size=5), min_size=1, max_size=20),
)
def test_the_compiled_matcher_finds_what_the_trie_walk_finds(specs, paths):
    matcher, _ = build(specs)
    for segments in paths:
        assert matcher.match(segments) == reference(matcher, segments), segments


def test_adding_after_a_match_compiles_again():
    matcher = TemplateMatcher()
    matcher.add(parse("/a/{id:int}", DEFAULT_CONVERTERS), "first")
    assert matcher.match(["a", "1"]) == ("first", {"id": 1})
    assert matcher.match(["b", "1"]) is None
    matcher.add(parse("/b/{id:int}", DEFAULT_CONVERTERS), "second")
    assert matcher.match(["b", "1"]) == ("second", {"id": 1})


def test_many_literal_siblings_and_deep_templates_compile():
    matcher = TemplateMatcher()
    for i in range(200):
        matcher.add(parse(f"/t{i}/{{id:int}}", DEFAULT_CONVERTERS), i)
    deep = "/" + "/".join(f"{{p{k}:int}}" for k in range(60))
    matcher.add(parse(deep, DEFAULT_CONVERTERS), "deep")
    assert matcher.match(["t199", "5"]) == (199, {"id": 5})
    assert matcher.match(["t200", "5"]) is None
    found = matcher.match([str(k) for k in range(60)])
    assert found == ("deep", {f"p{k}": k for k in range(60)})
    assert matcher.match([str(k) for k in range(59)] + ["x"]) is None


def test_a_converter_raising_valueerror_is_no_match():
    matcher = TemplateMatcher()
    matcher.add(parse("/f/{x:float}", DEFAULT_CONVERTERS), "float")
    matcher.add(parse("/f/{x}", DEFAULT_CONVERTERS), "str")
    # 1e999 matches the float regex, then float() gives inf, which the converter refuses
    assert matcher.match(["f", "1e999"]) == ("str", {"x": "1e999"})
    assert matcher.match(["f", "2.5"]) == ("float", {"x": 2.5})
