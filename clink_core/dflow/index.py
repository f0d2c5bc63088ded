"""The subschemas of one schema document, by URI: ``$ref`` resolved without the network.

The explainer needs the subschema that holds a failed keyword (jsonschema-rs
names it by resource URI and path), and the control-character rule follows
``$ref`` to find opt-outs. Both read the schema exactly as written (key order
kept), which jsonschema-rs's own registry does not give back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

#: base URI of a schema without an absolute ``$id`` (hierarchical, so relative refs join).
DEFAULT_BASE = "https://clink.invalid/schema.json"

#: keywords whose value is one subschema, a list of them, or a map of them (every draft).
_ONE = (
    "additionalProperties", "unevaluatedProperties", "additionalItems", "unevaluatedItems",
    "contains", "propertyNames", "not", "if", "then", "else", "contentSchema",
)
_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAP = ("properties", "patternProperties", "dependentSchemas", "$defs", "definitions")


def subschemas(node: dict[str, Any]) -> Iterator[Any]:
    """The subschemas written directly inside a schema object."""
    for kw in _ONE:
        if kw in node:
            yield node[kw]
    for kw in _LIST:
        value = node.get(kw)
        if isinstance(value, list):
            yield from value
    items = node.get("items")
    if isinstance(items, list):
        yield from items
    elif items is not None:
        yield items
    for kw in _MAP:
        value = node.get(kw)
        if isinstance(value, dict):
            yield from value.values()
    deps = node.get("dependencies")
    if isinstance(deps, dict):
        yield from (d for d in deps.values() if isinstance(d, (dict, bool)))


def parse_pointer(fragment: str) -> list[str]:
    """The tokens of the JSON pointer in a URI fragment (``/a~1b/0`` -> ``["a/b", "0"]``)."""
    if not fragment:
        return []
    return [unquote(p).replace("~1", "/").replace("~0", "~") for p in fragment.split("/")[1:]]


def walk(node: Any, tokens: Any) -> Any:
    """The part of ``node`` at ``tokens`` (str keys or int/str indexes); ``None`` if absent."""
    for token in tokens:
        if isinstance(node, dict):
            if token not in node:
                return None
            node = node[token]
        elif isinstance(node, list):
            try:
                node = node[int(token)]
            except (ValueError, IndexError):
                return None
        else:
            return None
    return node


class SchemaIndex:
    """Resources (``$id``) and anchors of a schema document, for ``resolve``."""

    __slots__ = ("_anchors", "_id_key", "_resources", "base", "root", "root_uri")

    def __init__(self, schema: Any) -> None:
        self.root = schema
        draft4 = isinstance(schema, dict) and "draft-04" in str(schema.get("$schema", ""))
        self._id_key = "id" if draft4 else "$id"
        self._resources: dict[str, Any] = {}
        self._anchors: dict[str, tuple[Any, str]] = {}
        #: the base URI refs in the root schema resolve against.
        self.base = self.enter(schema, DEFAULT_BASE)
        #: the root's URI as jsonschema-rs names it in error locations, if it has one.
        self.root_uri = self.base if self.base != DEFAULT_BASE else None
        self._resources[DEFAULT_BASE] = schema
        self._scan(schema, DEFAULT_BASE)

    def enter(self, node: Any, base: str) -> str:
        """The base URI inside ``node`` given the one around it (its ``$id`` joined)."""
        if isinstance(node, dict):
            ident = node.get(self._id_key)
            if isinstance(ident, str) and not ident.startswith("#"):
                return urldefrag(urljoin(base, ident))[0]
        return base

    def _scan(self, node: Any, base: str) -> None:
        stack = [(node, base)]
        while stack:
            node, base = stack.pop()
            if not isinstance(node, dict):
                continue
            inner = self.enter(node, base)
            if inner != base:
                self._resources.setdefault(inner, node)
            ident = node.get(self._id_key)
            if isinstance(ident, str) and ident.startswith("#"):  # draft 6/7 plain-name id
                self._anchors.setdefault(urljoin(base, ident), (node, base))
            for kw in ("$anchor", "$dynamicAnchor"):
                anchor = node.get(kw)
                if isinstance(anchor, str):
                    self._anchors.setdefault(f"{inner}#{anchor}", (node, inner))
            stack.extend((sub, inner) for sub in subschemas(node))

    def resource(self, uri: str) -> Any:
        """The schema whose URI is ``uri`` (``None`` if not in this document)."""
        return self._resources.get(uri)

    def resolve(self, base: str, ref: str) -> tuple[Any, str] | None:
        """The subschema ``ref`` names from ``base`` and the base inside it; ``None`` if unknown."""
        full = urljoin(base, ref)
        uri, fragment = urldefrag(full)
        if fragment and not fragment.startswith("/"):
            return self._anchors.get(f"{uri}#{unquote(fragment)}")
        node = self._resources.get(uri)
        if node is None:
            return None
        inner = uri
        for token in parse_pointer(fragment):
            node = walk(node, (token,))
            if node is None:
                return None
            inner = self.enter(node, inner)
        return node, inner

    def nodes(self) -> Iterator[dict[str, Any]]:
        """Every schema object of the document."""
        stack = [self.root]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                yield node
                stack.extend(subschemas(node))
