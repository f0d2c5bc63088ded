"""A JSON schema compiled once: jsonschema-rs decides and explains.

``CompiledSchema(schema)`` checks the schema against its draft's meta-schema
and compiles it with jsonschema-rs (formats checked, no network: a ``$ref`` to
another document must be bundled in). ``check(name, value)`` returns when the
value is valid and free of control characters (see ``control``), else raises
one ``FormatError`` listing every violation (``explain``). The explanation is
built from jsonschema-rs's own errors (kind, instance path, schema location):
no second validator runs, so bad input stays cheap.

Values jsonschema-rs cannot read are refused with rule ``json``: sets, bytes,
dates, objects, non-string keys (tuples are read as arrays, big integers as
numbers).

Cost (``bench/bench_dflow.py``, the benchmark's book schema; CPU instructions per
``check`` including the ``except``, by callgrind, since wall time on the shared
machine moved by 2x between runs; µs from the quietest run, 2 shared cores)::

                            before (jsonschema explains)     now (jsonschema-rs explains)
    valid body                    4.3 k   0.51 µs                8.3 k   1.07 µs
    invalid, 1 error            218 k    42.7 µs                55 k     9.9 µs
    invalid, 3 errors           317 k    68.4 µs               172 k    ~40 µs

The valid path doubled because of the control-character scan (``control.clean``);
an error costs jsonschema-rs ~19 k instructions to build (it formats messages this
module does not use), the explanation here ~21 k. Since then (bench/instructions.py,
issue 13 §5): the invalid one-error check is 49 k (no error -> traceback -> frame
cycle left to the garbage collector, ``FormatError`` in slots, its 400 body from
literals). A whole in-process request of the benchmark's book API: valid POST 52.7 k,
invalid POST 111.4 k (2.1x; 129 k before, 295 k with jsonschema explaining), of which
~18 k is the kernel's error path (raise, level 7, the larger body). Wall time puts the
invalid POST at ~3x the valid one (docs/performance.md). A flat schema (an object of
properties with value keywords only, as the book's) now has a probe (``probe``): the one
violation of a bad body is found without jsonschema-rs building an error (wall time,
qt.py, shared machine: invalid POST 20.7 -> 14.0 µs; 108.3 k -> 95.9 k instructions).
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs

from . import control
from .error import FormatError, FormatViolation
from .explain import Explainer
from .index import SchemaIndex
from .probe import FlatProbe
from .values import json_only, not_json, pointer


class SchemaDefinitionError(ValueError):
    """The schema given to ``verify`` is not a valid JSON schema."""


#: what a value jsonschema-rs cannot read raises there (and ``RecursionError`` here).
_UNREADABLE = (ValueError, TypeError, OverflowError, RecursionError)


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "message", None) or error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


def _compile(schema: Any) -> Any:
    try:
        jsonschema_rs.meta.validate(schema)
    except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError) as e:
        raise SchemaDefinitionError(f"invalid JSON schema: {_first_line(e)}") from None
    try:
        return _compile_one(schema)
    except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError) as e:
        raise SchemaDefinitionError(
            f"invalid JSON schema (jsonschema-rs cannot compile it): {_first_line(e)}"
        ) from None


def _compile_one(schema: Any) -> Any:
    """A validator of ``schema`` with clink's options (formats checked, no network):
    ``_compile``'s, after its checks, and the probes' (``FlatProbe.build``)."""
    return jsonschema_rs.validator_for(schema, validate_formats=True, offline=True)


class CompiledSchema:
    """A schema checked and compiled at definition time.

    ``allow_control=True`` turns the control-character rule off for the whole schema
    (for values the program made, such as responses, rather than input).
    """

    __slots__ = ("_explainer", "_guard", "_is_valid", "schema")

    def __init__(self, schema: Any, *, allow_control: bool = False) -> None:
        if not isinstance(schema, (dict, bool)):
            raise SchemaDefinitionError(f"a schema is a dict or bool, got {type(schema).__name__}")
        validator = _compile(schema)
        index = SchemaIndex(schema)
        for node in index.nodes():
            if control.OPT_OUT in node and not isinstance(node[control.OPT_OUT], bool):
                raise SchemaDefinitionError(
                    f"{control.OPT_OUT} must be true or false, got {node[control.OPT_OUT]!r}"
                )
        self.schema = schema
        self._is_valid = validator.is_valid
        #: whether the control-character rule applies (the root schema may opt out).
        self._guard = not (allow_control or control.opts_out(schema))
        finder = control.ControlFinder(index) if self._guard else None
        self._explainer = Explainer(validator, index, finder, FlatProbe.build(schema, _compile_one))

    def check(self, name: str, value: Any) -> None:
        """Return when ``value`` is valid, else raise ``FormatError``."""
        # PERF: the valid path is one jsonschema-rs call and one scan for control characters.
        # No local holds the error raised: the traceback holds this frame, so the error ->
        # traceback -> frame -> error cycle would be left to the garbage collector, with the
        # request and its response, on every bad request.
        try:
            if not self._is_valid(value):
                # the explainer finds jsonschema-rs's errors (the fallback is never expected)
                raise self._explainer.explain(name, value) or FormatError(name, value, self.schema)
            if control.clean(value) if self._guard else json_only(value):
                return
            found = self._explainer.explain(name, value)  # control characters, maybe allowed
        except _UNREADABLE:
            raise self._unreadable(name, value) from None
        if found is not None:
            try:
                raise found
            finally:
                del found

    def _unreadable(self, name: str, value: Any) -> FormatError:
        path, what = not_json(value)
        detail = (
            "is nested too deeply to be checked" if what == "value"
            else f"is not a JSON value ({what})"
        )
        violation = FormatViolation(name, pointer(path), "json", detail)
        return FormatError(
            name, value, self.schema, violation.pointer, violation.rule, violation.detail,
            errors=[violation],
        )
