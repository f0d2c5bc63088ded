"""Find the one violation of a bad value without jsonschema-rs's errors (flat object schemas).

jsonschema-rs builds each error with messages this package never shows (~2.5 µs, more in
a real request), and a bad body usually breaks one rule. For a *flat* schema, an object
whose properties' subschemas hold only value keywords (``type``, ``pattern``, ``minLength``,
``enum``...), ``FlatProbe.find`` locates the violations itself: ``required`` and
``additionalProperties: false`` in Python, each value keyword by a validator compiled
for that keyword alone (``is_valid``, ~0.2 µs, asked only of a property that fails its
whole subschema). It answers only when it finds exactly one violation; anything else
(several, none, a value that is not a plain JSON object or scalar) is left to the
explainer's plain path, which reads jsonschema-rs's errors.

A schema with any other keyword (``$ref``, ``items``, ``patternProperties``, an
``x-`` extension, draft 4's boolean ``exclusiveMinimum``...) gets no probe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: keywords that judge the value they apply to, with no subschema: probed one by one.
VALUE_KEYWORDS = frozenset({
    "type", "enum", "const", "pattern", "minLength", "maxLength", "format", "minimum",
    "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems",
    "uniqueItems", "minProperties", "maxProperties",
})
#: keywords that judge nothing (an unknown keyword is refused: a later draft may judge it).
ANNOTATIONS = frozenset({
    "title", "description", "default", "examples", "$comment", "deprecated", "readOnly",
    "writeOnly",
})
#: the root's structural keywords, checked here in Python.
_ROOT = frozenset({"$schema", "properties", "required", "additionalProperties"})
_LEAF_KEYS = VALUE_KEYWORDS | ANNOTATIONS
_ROOT_KEYS = _LEAF_KEYS | _ROOT
#: the scalar types a probe reads as jsonschema-rs does (subclasses take the plain path).
_PLAIN = frozenset({dict, list, str, int, float, bool, type(None)})


def _is_object(value: Any) -> bool:
    # PERF: the usual root ``"type": "object"``, without a call into Rust
    return type(value) is dict


_ABSENT: Any = object()

IsValid = Callable[[Any], bool]
Probes = tuple[tuple[str, IsValid, type], ...]
#: what ``find`` reports: ``("keyword", property or None, keyword)``,
#: ``("required", missing names)`` or ``("additionalProperties", extra names)``.
Hit = tuple[str, Any, Any]
#: ``find``'s answer when it cannot vouch for the value's size and strings (its ``budget``).
UNSURE: Hit = ("unsure", None, None)


class _Never:
    """The type of no value: a probe's ``sure`` type when Python cannot tell."""


#: ``"type": name`` -> the Python type every draft calls that (bool is not int here).
_SURE = {"string": str, "integer": int, "boolean": bool, "null": type(None), "array": list,
         "object": dict}


def _probes(node: dict[str, Any], compile_one: Callable[[Any], Any], draft: Any) -> Any:
    """``(keyword, is_valid, sure)`` for each value keyword of ``node``, in schema order.

    A value of exactly type ``sure`` passes without the call (a ``"type"`` keyword).
    """
    out: list[tuple[str, IsValid, type]] = []
    for kw, written in node.items():
        if kw in VALUE_KEYWORDS:
            if kw in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(written, bool):
                return None  # draft 4: depends on its sibling
            sure = _SURE.get(written, _Never) if kw == "type" and type(written) is str else _Never
            if sure is dict:
                out.append((kw, _is_object, sure))  # ``find`` reads only the types of ``_PLAIN``
                continue
            one = {kw: written} if draft is None else {"$schema": draft, kw: written}
            out.append((kw, compile_one(one).is_valid, sure))
    return tuple(out)


class FlatProbe:
    """The probes of one flat schema; ``build`` returns ``None`` for any other schema."""

    __slots__ = (
        "_closed", "_names", "_printable_names", "_props", "_required", "_root",
        "_root_of_dict",
    )

    def __init__(
        self, root: Probes, required: tuple[str, ...], closed: bool,
        props: tuple[tuple[str, IsValid | None, Probes], ...],
        names: frozenset[str],
    ) -> None:
        self._root = root
        #: the root's probes a dict may fail (``"type": "object"`` it passes).
        self._root_of_dict = tuple(p for p in root if p[1] is not _is_object)
        self._required = required
        self._closed = closed  # additionalProperties: false
        #: ``(name, is_valid of its subschema, its probes)``; ``None``: no whole-subschema
        #: check first (``true``, or one probe that is not a plain type test).
        self._props = props
        self._names = names  # every property the schema names
        #: whether ``find`` may vouch for the names it finds present without looking at them.
        self._printable_names = all(n.isprintable() for n in names)

    @classmethod
    def build(cls, schema: Any, compile_one: Callable[[Any], Any]) -> FlatProbe | None:
        """The probe of ``schema``, or ``None`` if it is not flat (or a probe fails to compile).

        ``compile_one(schema)`` compiles a validator with the options of the real one.
        """
        try:
            return cls._build(schema, compile_one)
        except Exception:  # no probe: the plain path explains
            return None

    @classmethod
    def _build(cls, schema: Any, compile_one: Callable[[Any], Any]) -> FlatProbe | None:
        if not isinstance(schema, dict) or not schema.keys() <= _ROOT_KEYS:
            return None
        draft = schema.get("$schema")
        if draft is not None and not isinstance(draft, str):
            return None
        props = schema.get("properties", {})
        required = schema.get("required", [])
        allowed = schema.get("additionalProperties", True)
        if not (isinstance(props, dict) and isinstance(required, list)
                and isinstance(allowed, bool)) or not all(isinstance(r, str) for r in required):
            return None
        if allowed is False and ("properties" not in schema or not set(required) <= props.keys()):
            # jsonschema-rs words these its own way (a present property named "missing",
            # each extra property a ``false`` schema): its errors explain
            return None
        root = _probes(schema, compile_one, draft)
        if root is None:
            return None
        leaves: list[tuple[str, IsValid | None, Probes]] = []
        for name, sub in props.items():
            if sub is True:
                leaves.append((name, None, ()))  # counted, never fails
                continue
            if not isinstance(sub, dict) or not sub.keys() <= _LEAF_KEYS:
                return None
            probes = _probes(sub, compile_one, draft)
            if probes is None:
                return None
            if sum(sure is _Never for _, _, sure in probes) <= 1:
                # PERF: at most one call into Rust per value anyway: the probes judge it
                leaves.append((name, None, probes))
                continue
            whole = sub if draft is None else {**sub, "$schema": draft}
            leaves.append((name, compile_one(whole).is_valid, probes))
        return cls(root, tuple(required), allowed is False, tuple(leaves),
                   frozenset(props))

    def find(self, value: Any, budget: int = 0, guard: bool = False) -> Hit | None:
        """The one violation of ``value`` (known to be invalid); ``None``: not exactly one.

        With a ``budget``, ``find`` also vouches, in the same pass, for what the explainer
        needs before it may trust one violation: ``value`` is a flat object of at most
        ``budget`` scalar values (``values.within``) and, with ``guard``, no string or
        property name in it holds a control character (``control.clean``). When it cannot
        (a nested value, a string ``isprintable()`` refuses, a key the schema does not
        name), it returns ``UNSURE``: the caller scans ``value`` itself and asks again
        without.
        """
        # PERF: every bad body of a flat schema comes here: C-level key checks first, and
        # the per-keyword probes only for a property that fails its subschema. The scan
        # rides on the same loop (a separate ``control.clean_within`` pass cost ~3.5k
        # instructions for the benchmark's two-property body).
        if type(value) is not dict:
            if budget:
                return UNSURE
            if type(value) not in _PLAIN:
                return None  # a tuple, a subclass...: as jsonschema-rs reads it, not here
            failed = [kw for kw, ok, _ in self._root if not ok(value)]
            return ("keyword", None, failed[0]) if len(failed) == 1 else None
        if budget and (len(value) > budget or (guard and not self._printable_names)):
            return UNSURE
        hit: Hit | None = None
        count = 0
        for kw, ok, _ in self._root_of_dict:
            if not ok(value):
                count += 1
                hit = ("keyword", None, kw)
        # PERF: ``in`` per name, not ``keys() >= set`` (3x the instructions for a few names)
        for r in self._required:
            if r not in value:
                count += 1
                hit = ("required", [r for r in self._required if r not in value], None)
                break
        present = 0
        get = value.get
        for name, valid, probes in self._props:
            x = get(name, _ABSENT)
            if x is not _ABSENT:
                present += 1
                if budget:
                    tx = type(x)
                    if tx is str:
                        if guard and not x.isprintable():
                            return UNSURE
                    elif tx is not int and tx is not float and tx is not bool and x is not None:
                        return UNSURE
                if valid is None or not valid(x):
                    for kw, ok, sure in probes:
                        if type(x) is not sure and not ok(x):
                            count += 1
                            hit = ("keyword", name, kw)
        if len(value) > present:  # keys the schema does not name
            if budget:
                return UNSURE  # not looked at in this loop: ``control.clean_within`` scans them
            if self._closed:
                names = self._names
                count += 1
                hit = ("additionalProperties", [k for k in value if k not in names], None)
        return hit if count == 1 else None
