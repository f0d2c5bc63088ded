"""Explain jsonschema-rs's errors: where, which rule, and a sentence that never quotes the value.

Each error of the compiled validator becomes a ``Found``: the instance path,
the failed keyword (``rule``) and a sentence built from the error's kind and
the keyword's value in the schema. jsonschema-rs's own ``message`` quotes the
submitted value, so it is never used. The first error reported is the one
jsonschema's ``best_match`` picks (the shallowest; inside ``anyOf``/``oneOf``
the deepest of the branch that fits), so 400 bodies read as they did when
jsonschema explained them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import jsonschema_rs

from . import control
from .error import MAX_ERRORS, FormatError, FormatViolation
from .index import SchemaIndex, parse_pointer, walk
from .probe import UNSURE, FlatProbe
from .values import Path, at, pointer, within

#: keywords whose failure is reported only when nothing more specific is (as jsonschema).
WEAK = frozenset({"anyOf", "oneOf"})
#: most values a body may hold for every error to be looked for; a bigger invalid body
#: reports the first error jsonschema-rs meets (jsonschema-rs builds all errors at once,
#: a few µs each, so an array of 100 000 bad items would cost seconds).
ERROR_SCAN_BUDGET = 256
_REFS = ("$ref", "$dynamicRef", "$recursiveRef")
_ITEM_KEYWORDS = frozenset({"items", "additionalItems", "unevaluatedItems"})
_PROPERTY_KEYWORDS = frozenset({"additionalProperties", "unevaluatedProperties"})
_MISSING_PROPS = "is missing required properties: "
_EXTRA = "has properties that are not allowed: "
_FALSE_KEYWORDS = frozenset({
    "items", "additionalItems", "unevaluatedItems", "additionalProperties",
    "unevaluatedProperties", "contains", "not", "then", "else",
})
_MISSING: Any = object()
#: kinds whose sentence quotes the keyword as written in the schema.
_WRITTEN = frozenset({
    "type", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "multipleOf", "enum", "const", "minItems", "maxItems",
    "minProperties", "maxProperties",
})
#: ``order`` of violations that are not jsonschema-rs's: after its errors on ties.
_LAST = (1 << 30,)


class Found:
    """One error, explained; ``context`` holds the errors of ``anyOf``/``oneOf`` branches.

    ``typed`` and ``order`` only break ties between errors at the same place, so
    they are worked out from the jsonschema-rs error when first asked for.
    """

    #: ``anyOf``/``oneOf``: the errors of the branches.
    context: Sequence[Found] = ()
    #: the property names a sentence lists (jsonschema-rs reports one error per missing or
    #: unexpected property; they are merged into one sentence after ``prefix``).
    names: Sequence[Any] = ()
    prefix = ""
    _typed: bool | None = None
    _order: tuple[int, ...] | None = None

    def __init__(
        self, path: Path, rule: str, detail: str, source: tuple[Any, Any, Any] | None = None
    ) -> None:
        # PERF: four attributes only; this runs for every error of every bad body.
        self.path = path
        self.rule = rule
        self.detail = detail
        self._source = source  # (explainer, jsonschema-rs error, checked value)

    @property
    def typed(self) -> bool:
        """jsonschema's ``_matches_type``: the value has a type its failing subschema names."""
        if self._typed is None:
            if self._source is None:
                self._typed = False
            else:
                explainer, error, value = self._source
                holder, _ = explainer.holder(error)
                self._typed = _typed(holder, at(value, self.path))
        return self._typed

    @property
    def order(self) -> tuple[int, ...]:
        """Where the failed keyword is written (jsonschema meets errors in this order)."""
        if self._order is None:
            if self._source is None:
                self._order = _LAST
            else:
                explainer, error, _ = self._source
                self._order = explainer.order(error.evaluation_path)
        return self._order

    def relevance(self) -> tuple[Any, ...]:
        """jsonschema's ``relevance``: the bigger, the better the match."""
        return (-len(self.path), _comparable(self.path), self.rule not in WEAK, False,
                not self.typed)


def _comparable(path: Path) -> tuple[tuple[bool, Any], ...]:
    return tuple((isinstance(p, int), p) for p in path)


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _key(name: Any, limit: int = 40) -> str:
    """A property name for a message (names are the client's, but bounded)."""
    text = str(name)
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _number(written: Any, fallback: Any) -> Any:
    """The limit as the schema writes it, unless it is not a number (draft 4's booleans)."""
    if isinstance(written, (int, float)) and not isinstance(written, bool):
        return written
    return fallback


def _type_names(kind: Any, written: Any) -> Any:
    if isinstance(written, (str, list)):
        return written
    types = list(kind.types)
    return types[0] if len(types) == 1 else types


_DETAILS: dict[str, Any] = {
    "type": lambda k, v: f"must be of type {_type_names(k, v)}",
    "pattern": lambda k, v: f"must match pattern {k.pattern!r}",
    "minLength": lambda k, v: f"must be at least {_number(v, k.limit)} characters long",
    "maxLength": lambda k, v: f"must be at most {_number(v, k.limit)} characters long",
    "minimum": lambda k, v: f"must be >= {_number(v, k.limit)}",
    "maximum": lambda k, v: f"must be <= {_number(v, k.limit)}",
    "exclusiveMinimum": lambda k, v: f"must be > {_number(v, k.limit)}",
    "exclusiveMaximum": lambda k, v: f"must be < {_number(v, k.limit)}",
    "multipleOf": lambda k, v: f"must be a multiple of {_number(v, k.multiple_of)}",
    "enum": lambda k, v: f"must be one of {_short(v if isinstance(v, list) else k.options)}",
    "const": lambda k, v: f"must equal {_short(k.expected_value if v is _MISSING else v)}",
    "format": lambda k, v: f"must be a valid {k.format}",
    "minItems": lambda k, v: f"must have at least {_number(v, k.limit)} items",
    "maxItems": lambda k, v: f"must have at most {_number(v, k.limit)} items",
    "uniqueItems": lambda k, v: "must not contain duplicate items",
    "minProperties": lambda k, v: f"must have at least {_number(v, k.limit)} properties",
    "maxProperties": lambda k, v: f"must have at most {_number(v, k.limit)} properties",
    "required": lambda k, v: f"{_MISSING_PROPS}{_key(k.property)}",
    "additionalProperties": lambda k, v: _EXTRA + ", ".join(_key(p) for p in k.unexpected[:10]),
    "unevaluatedProperties": lambda k, v: _EXTRA + ", ".join(_key(p) for p in k.unexpected[:10]),
    "additionalItems": lambda k, v: "has more items than allowed",
    "unevaluatedItems": lambda k, v: "has more items than allowed",
    "contains": lambda k, v: "must contain an item that matches its schema",
    "not": lambda k, v: "matches a schema it must not match",
    "falseSchema": lambda k, v: "is not allowed",
}


class Explainer:
    """Explains why a value fails one compiled schema, as a ``FormatError``."""

    __slots__ = ("_finder", "_index", "_known", "_probe", "_schema", "_validator")

    def __init__(
        self, validator: Any, index: SchemaIndex, finder: control.ControlFinder | None,
        probe: FlatProbe | None = None,
    ) -> None:
        self._validator = validator
        self._index = index
        self._schema = index.root
        self._finder = finder  # ``None``: the control-character rule is off
        self._probe = probe  # ``None``: not a flat schema, every error read from jsonschema-rs
        #: ``(property or None, keyword) -> (pointer, rule, detail)``: what the plain path said
        #: of that one violation (its sentence depends on the schema only).
        self._known: dict[tuple[Any, str], tuple[str, str, str]] = {}

    def explain(self, name: str, value: Any) -> FormatError | None:
        """The ``FormatError`` of ``value`` (named ``name``); ``None`` if it is fine after all.

        A flat schema's probe (``probe``) finds a value's one violation without
        jsonschema-rs's errors; anything else (several violations, none, a value it cannot
        vouch for) is explained from those errors (``_plain``). Both give the same error:
        a keyword's sentence is the one the plain path gave the first time.
        """
        probe = self._probe
        if probe is None:
            return self._plain(name, value)
        # PERF: the probe's path inline (a Python frame costs ~1.2k instructions, on every bad
        # body); no jsonschema-rs error is built (~2.5 µs each, with messages never shown).
        # A big value: the plain path reports its first error only, as truncated; control
        # characters: more violations (maybe allowed ones).
        guard = self._finder is not None
        hit = probe.find(value, ERROR_SCAN_BUDGET, guard)
        if hit is UNSURE:  # the probe could not vouch for the value: scanned here
            if not (
                control.clean_within(value, ERROR_SCAN_BUDGET) if guard
                else within(value, ERROR_SCAN_BUDGET)
            ):
                return self._plain(name, value)
            hit = probe.find(value)
        if hit is None:
            return self._plain(name, value)
        what, where, keyword = hit
        if what == "keyword":
            known = self._known.get((where, keyword))
            if known is None:
                return self._learn(name, value, where, keyword)
            at_pointer, rule, detail = known
        elif what == "required":  # as ``_merge_names`` words one or several
            at_pointer, rule = "", what
            detail = _MISSING_PROPS + ", ".join(_key(p) for p in where)
        else:  # additionalProperties: jsonschema-rs's one error lists them in value order
            at_pointer, rule = "", what
            detail = _EXTRA + ", ".join(_key(p) for p in where[:10])
        return FormatError(name, value, self._schema, at_pointer, rule, detail)

    def _learn(self, name: str, value: Any, where: Any, keyword: str) -> FormatError | None:
        """The plain path's error, its sentence kept when it is that one violation."""
        error = self._plain(name, value)
        expected = "" if where is None else pointer((where,))
        if (
            error is not None and error._errors is None and not error.truncated
            and error.pointer == expected and error.rule == keyword
        ):
            self._known[(where, keyword)] = (error.pointer, error.rule, error.detail)
        return error

    def _plain(self, name: str, value: Any) -> FormatError | None:
        """The explanation from jsonschema-rs's errors."""
        if within(value, ERROR_SCAN_BUDGET):
            errors = list(self._validator.iter_errors(value))
            truncated = False
        else:
            try:
                self._validator.validate(value)
                errors = []
            except jsonschema_rs.ValidationError as e:
                errors = [e]
            truncated = bool(errors)
        finder = self._finder
        # a big invalid body reports its first error only; the walk runs on dirty values only
        dirty = finder is not None and not (truncated and errors) and not control.clean(value)
        if len(errors) == 1 and not dirty and errors[0].kind.name not in WEAK:
            # PERF: the usual bad body, one plain error: no ranking, no intermediate objects
            path, rule, detail = self._describe(errors[0], value)
            error = FormatError(name, value, self._schema, pointer(path), rule, detail)
            if truncated:  # PERF: no keyword argument on the usual path
                error.truncated = True
            return error
        found = [self._found(e, value) for e in errors]
        if len(found) > 1:
            found = self._merge_names(found)
        if dirty:
            assert finder is not None
            found += [control_found(p, w) for p, w in finder.find(value, MAX_ERRORS)]
        if not found:
            return None  # the control characters are where the schema allows them
        return format_error(name, value, self._schema, found, truncated)

    def _describe(self, e: Any, value: Any) -> tuple[Path, str, str]:
        """Where an error is, its rule, and its sentence."""
        kind = e.kind
        name = kind.name
        path = tuple(e.instance_path)
        schema_path = e.schema_path
        last = schema_path[-1] if schema_path else None
        if name == "falseSchema":  # the keyword whose subschema is false, or just "false"
            # an item past prefixItems, a property past properties: reported on the container,
            # as jsonschema does
            if last in _ITEM_KEYWORDS and path and isinstance(path[-1], int):
                return path[:-1], last, "has more items than allowed"
            if last in _PROPERTY_KEYWORDS:  # jsonschema-rs names the object, not the property
                extra = _extra_keys(self.holder(e)[0], at(value, path))
                return path, last, _EXTRA + ", ".join(_key(k) for k in extra[:10])
            return path, last if last in _FALSE_KEYWORDS else "false", "is not allowed"
        rule = last if isinstance(last, str) else str(kind.keyword) if name == "custom" else name
        if name == "propertyNames":
            return path, rule, f"property names {self._describe(kind.error, value)[2]}"
        render = _DETAILS.get(name)
        if render is not None and name not in _WRITTEN:
            return path, rule, render(kind, _MISSING)
        written = self.holder(e)[1]
        if render is not None:
            return path, rule, render(kind, written)
        if written is _MISSING:
            return path, rule, f"fails rule {rule!r}"
        return path, rule, f"fails rule {rule!r} ({_short(written)})"

    def _found(self, e: Any, value: Any) -> Found:
        found = Found(*self._describe(e, value), (self, e, value))
        kind = e.kind
        name = kind.name
        if name in WEAK:
            found.context = [self._found(c, value) for branch in kind.context for c in branch]
        elif name == "required":
            found.prefix, found.names = _MISSING_PROPS, [kind.property]
        return found

    def holder(self, e: Any) -> tuple[Any, Any]:
        """The subschema holding the failed keyword, and the keyword's value."""
        if e.kind.name == "falseSchema" and not (e.schema_path and e.schema_path[-1] in (
            _ITEM_KEYWORDS | _PROPERTY_KEYWORDS
        )):
            return None, _MISSING
        location = e.absolute_keyword_location
        if location:
            uri, _, fragment = location.partition("#")
            resource = self._index.resource(uri)
            tokens: list[Any] = parse_pointer(fragment)
        else:
            resource = self._index.root
            tokens = list(e.schema_path)
        if resource is None or not tokens:
            return None, _MISSING
        holder = walk(resource, tokens[:-1])
        if isinstance(holder, dict) and tokens[-1] in holder:
            return holder, holder[tokens[-1]]
        return holder, _MISSING

    def order(self, evaluation_path: Iterable[Any]) -> tuple[int, ...]:
        """Positions of the keyword's path as written in the schema (up to a ``$ref``)."""
        node = self._index.root
        order = []
        for token in evaluation_path:
            if isinstance(node, dict):
                keys = list(node)
                order.append(keys.index(token) if token in node else len(keys))
                if token in _REFS:
                    break
                node = node.get(token)
            elif isinstance(node, list) and isinstance(token, int):
                order.append(token)
                node = node[token] if token < len(node) else None
            else:
                break
        return tuple(order)

    @staticmethod
    def _merge_names(found: list[Found]) -> list[Found]:
        """One violation per object and keyword, naming every missing (or extra) property."""
        merged: list[Found] = []
        seen: dict[tuple[Any, ...], Found] = {}
        for f in found:
            if f.names:
                key = (f.path, f.rule, f.order)
                first = seen.get(key)
                if first is not None:
                    first.names = [*first.names, *f.names]
                    continue
                seen[key] = f
            merged.append(f)
        for f in seen.values():
            names = f.names if f.prefix == _MISSING_PROPS else f.names[:10]
            f.detail = f.prefix + ", ".join(_key(p) for p in names)
        return merged


def _extra_keys(holder: Any, instance: Any) -> list[str]:
    """The properties of ``instance`` that ``holder``'s properties and patterns do not name."""
    holder = holder if isinstance(holder, dict) else {}
    props = holder.get("properties")
    props = props if isinstance(props, dict) else {}
    patterns = holder.get("patternProperties")
    searches = [control.pattern_search(p) for p in patterns] if isinstance(patterns, dict) else []
    if not isinstance(instance, dict):
        return []
    return [
        str(k) for k in instance
        if k not in props and not any(search(str(k)) for search in searches)
    ]


def _is_type(value: Any, name: Any) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, (list, tuple))
    if name == "string":
        return isinstance(value, str)
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, (int, float))
    return False


def _typed(holder: Any, value: Any) -> bool:
    """jsonschema's ``_matches_type``: the value has one of the holder's ``type``s."""
    if not isinstance(holder, dict) or "type" not in holder:
        return False
    expected = holder["type"]
    if isinstance(expected, str):
        return _is_type(value, expected)
    return isinstance(expected, list) and any(_is_type(value, t) for t in expected)


def control_found(path: Path, what: str) -> Found:
    """A violation of the control-character rule (``what``: ``"value"`` or ``"key"``)."""
    detail = control.KEY_DETAIL if what == "key" else control.VALUE_DETAIL
    return Found(path, control.RULE, detail)


def _settle(found: Found) -> Found:
    """jsonschema's ``best_match`` descent into ``anyOf``/``oneOf`` branches."""
    while found.context:
        ranked = sorted(found.context, key=Found.relevance)[:2]
        if len(ranked) == 2 and ranked[0].relevance() == ranked[1].relevance():
            return found
        found = ranked[0]
    return found


def format_error(
    name: str, value: Any, schema: Any, found: list[Found], truncated: bool
) -> FormatError:
    """The ``FormatError`` of these violations: the best match first, then by position."""
    if len(found) == 1:  # PERF: the usual bad body; nothing to rank
        best, rest = found[0], []
    else:
        # PERF: relevance without ``typed``; ties (same place) then go by ``order`` and ``typed``.
        # Raw paths compare: where two differ first they share a container, so str meets str
        # and int meets int.
        keyed = [((-len(f.path), f.path, f.rule not in WEAK), f) for f in found]
        top = max(k for k, _ in keyed)
        tied = [f for k, f in keyed if k == top]
        if len(tied) > 1:
            tied.sort(key=lambda f: f.order)
        best = max(tied, key=lambda f: not f.typed) if len(tied) > 1 else tied[0]
        keyed.sort(key=lambda kf: (-kf[0][0], kf[0][1]))  # shallow first, then by position
        rest = [f for _, f in keyed if f is not best]
    if not rest:
        best = _settle(best)
        return FormatError(
            name, value, schema, pointer(best.path), best.rule, best.detail, truncated=truncated
        )
    violations: list[FormatViolation] = []
    for f in (best, *rest):
        f = _settle(f)
        v = FormatViolation(name, pointer(f.path), f.rule, f.detail)
        if v not in violations:  # e.g. every item past prefixItems says the same
            violations.append(v)
    first = violations[0]
    return FormatError(
        name, value, schema, first.pointer, first.rule, first.detail,
        errors=violations, truncated=truncated,
    )
