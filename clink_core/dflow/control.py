"""The control-character rule: strings and property names hold no control characters.

Every string in a checked value, and every object property name, is refused
when it holds a Unicode control character (category Cc: U+0000 to U+001F and
U+007F to U+009F) other than tab, line feed and carriage return. NUL and its
kind end up in stored records, log lines and terminals where they truncate or
forge text; nobody types them in a form.

A subschema with ``"x-clink-allow-control": true`` lets its part of the value
(the string, or everything inside the object or array) hold them. The opt-out
counts wherever the subschema describes the part: through ``properties``,
``patternProperties``, ``additionalProperties``, ``items``, ``prefixItems``,
``$ref``, and the branches of ``allOf``/``anyOf``/``oneOf``/``then``/``else``
(any branch that opts out is enough). On the root schema it turns the rule off.

The rule is checked after jsonschema-rs, on the value itself; a violation is
reported with rule ``control-characters`` at the string's pointer (at the
object's pointer for a property name), never with the text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .index import SchemaIndex
from .values import JSON_SCALARS, Path, within

#: the schema keyword that lets a part of the value hold control characters.
OPT_OUT = "x-clink-allow-control"
#: the ``rule`` of a violation.
RULE = "control-characters"
VALUE_DETAIL = "must not contain control characters (other than tab, line feed, carriage return)"
KEY_DETAIL = "has property names with control characters"

_search = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]").search

Schemas = list[tuple[Any, str]]


def has_control(text: str) -> bool:
    """Whether ``text`` holds a refused control character."""
    # PERF: isprintable() is C and true for almost every real string; the regex only runs
    # on the rest (tabs, newlines, non-ASCII spaces, and the real offenders).
    return not text.isprintable() and _search(text) is not None


def clean(value: Any) -> bool:
    """Whether no string and no property name in ``value`` holds a refused control character.

    Raises ``TypeError`` for what JSON has not (a set, a date, a non-string key...).
    """
    # PERF: this runs on every valid check; strings inside containers are tested in the loop
    # rather than by a call per string (0.4 µs for a two-field object).
    t = type(value)
    if t is dict:
        for k, x in value.items():
            if type(k) is not str and not isinstance(k, str):
                raise TypeError(f"a {type(k).__name__} property name")
            if not k.isprintable() and _search(k):
                return False
            tx = type(x)
            if tx is str:
                if not x.isprintable() and _search(x):
                    return False
            elif tx is not int and tx is not bool and x is not None and not clean(x):
                return False
        return True
    # PERF: a scalar (a converted query argument) returns without the isinstance checks.
    if t is int or t is bool or t is float or value is None:
        return True
    if t is list or t is tuple:
        for x in value:
            tx = type(x)
            if tx is str:
                if not x.isprintable() and _search(x):
                    return False
            elif tx is not int and tx is not bool and x is not None and not clean(x):
                return False
        return True
    if isinstance(value, str):
        return not has_control(value)
    if isinstance(value, dict):  # subclasses
        return clean(dict(value))
    if isinstance(value, (list, tuple)):
        return clean(list(value))
    if isinstance(value, JSON_SCALARS):
        return True
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def clean_within(value: Any, budget: int) -> bool:
    """``within(value, budget) and clean(value)``, in one pass over a flat object."""
    # PERF: what the explainer asks of every bad body before its probe runs.
    if type(value) is not dict or len(value) > budget:
        return within(value, budget) and clean(value)
    for k, x in value.items():
        tx = type(x)
        if tx is str:
            if not x.isprintable() and _search(x):
                return False
        elif tx is not int and tx is not bool and x is not None and tx is not float:
            return within(value, budget) and clean(value)  # nested (or not JSON)
        if type(k) is not str:
            return within(value, budget) and clean(value)
        if not k.isprintable() and _search(k):
            return False
    return True


def opts_out(schema: Any) -> bool:
    """Whether ``schema`` (one subschema) says its part may hold control characters."""
    return isinstance(schema, dict) and schema.get(OPT_OUT) is True


@lru_cache(maxsize=256)
def pattern_search(pattern: str) -> Any:
    """``re.search`` of a schema's ECMA pattern as Python reads it (one it cannot: no match)."""
    try:
        return re.compile(pattern).search
    except re.error:  # an ECMA-only pattern: it describes nothing here, so no opt-out
        return lambda _text: None


class ControlFinder:
    """Finds the violations of the rule in a value, honouring the opt-outs of one schema."""

    __slots__ = ("_index", "_schemas")

    def __init__(self, index: SchemaIndex) -> None:
        self._index = index
        has_opt_out = any(OPT_OUT in node for node in index.nodes())
        #: where the walk starts: ``None`` when no subschema opts out (nothing to follow).
        self._schemas: Schemas | None = [(index.root, index.base)] if has_opt_out else None

    def find(self, value: Any, limit: int) -> list[tuple[Path, str]]:
        """Up to ``limit`` + 1 violations: ``(path, "value" | "key")``, in document order."""
        found: list[tuple[Path, str]] = []
        self._walk(value, self._schemas, (), found, limit)
        return found

    def _walk(
        self, value: Any, schemas: Schemas | None, path: Path, found: list[Any], limit: int
    ) -> None:
        if len(found) > limit:
            return
        described = None
        if schemas is not None:
            described = self._expand(schemas)
            if described is None:
                return  # opted out: this part may hold anything
        if isinstance(value, str):
            if has_control(value):
                found.append((path, "value"))
        elif isinstance(value, dict):
            keys_ok = [k for k in value if not (isinstance(k, str) and has_control(k))]
            if len(keys_ok) < len(value):
                found.append((path, "key"))  # the values under such keys are not looked at
            for k in keys_ok:
                kids = None if described is None else self._for_key(described, k)
                self._walk(value[k], kids or None, (*path, k), found, limit)
        elif isinstance(value, (list, tuple)):
            for i, x in enumerate(value):
                kids = None if described is None else self._for_item(described, i)
                self._walk(x, kids or None, (*path, i), found, limit)

    def _expand(self, schemas: Schemas) -> Schemas | None:
        """The schema objects that describe a part in place; ``None`` if one opts out."""
        out: Schemas = []
        stack = list(schemas)
        seen: set[int] = set()
        index = self._index
        while stack:
            node, base = stack.pop()
            if not isinstance(node, dict) or id(node) in seen:
                continue
            seen.add(id(node))
            if node.get(OPT_OUT) is True:
                return None
            base = index.enter(node, base)
            out.append((node, base))
            for kw in ("allOf", "anyOf", "oneOf"):
                branches = node.get(kw)
                if isinstance(branches, list):
                    stack.extend((b, base) for b in branches)
            for kw in ("then", "else"):
                if kw in node:
                    stack.append((node[kw], base))
            for kw in ("dependentSchemas", "dependencies"):
                deps = node.get(kw)
                if isinstance(deps, dict):
                    stack.extend((d, base) for d in deps.values() if isinstance(d, dict))
            for kw in ("$ref", "$dynamicRef", "$recursiveRef"):
                ref = node.get(kw)
                if isinstance(ref, str):
                    target = index.resolve(base, ref)
                    if target is not None:
                        stack.append(target)
        return out

    @staticmethod
    def _for_key(described: Schemas, key: str) -> Schemas:
        kids: Schemas = []
        for node, base in described:
            matched = False
            props = node.get("properties")
            if isinstance(props, dict) and key in props:
                kids.append((props[key], base))
                matched = True
            patterns = node.get("patternProperties")
            if isinstance(patterns, dict):
                for pattern, sub in patterns.items():
                    if pattern_search(pattern)(key):
                        kids.append((sub, base))
                        matched = True
            if not matched:
                for kw in ("additionalProperties", "unevaluatedProperties"):
                    if kw in node:
                        kids.append((node[kw], base))
                        break
        return kids

    @staticmethod
    def _for_item(described: Schemas, i: int) -> Schemas:
        kids: Schemas = []
        for node, base in described:
            prefix = node.get("prefixItems")
            items = node.get("items")
            if isinstance(items, list):  # drafts 4 to 2019-09: items as a tuple
                prefix, items = items, node.get("additionalItems")
            if isinstance(prefix, list) and i < len(prefix):
                kids.append((prefix[i], base))
            elif items is not None:
                kids.append((items, base))
            elif "unevaluatedItems" in node:
                kids.append((node["unevaluatedItems"], base))
            if "contains" in node:
                kids.append((node["contains"], base))
        return kids
