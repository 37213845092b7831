"""A fast yes/no gate in front of schema validation, compiled from our own schema.

`jsonschema` explains every error with its path, which `engine.format.validation` turns into located
diagnostics; but it costs about a millisecond per scene even when a file is valid, which is
almost always. `gate(kind)` compiles the same schema (never author text) into nested closures
that only answer "valid or not", about a hundred times faster. When the gate says "valid", the
file is valid; when it says anything else, `validate` runs `jsonschema` for the full diagnostics.

The gate implements exactly the keywords the scenario schema uses, with `jsonschema`'s
semantics (an integer is never a bool; `pattern` is `re.search`; `enum` tells bools from
numbers). A keyword it does not know makes the part of the schema that uses it answer "not
valid", so the gate can be slower than needed but never wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from engine.format.schema import part_schema

Check = Callable[[Any], bool]

_IGNORED = frozenset({"$schema", "$id", "title", "description", "$comment", "examples", "default", "$defs"})
_KNOWN = frozenset({
    "type", "properties", "required", "additionalProperties", "propertyNames", "minProperties",
    "maxProperties", "items", "minItems", "maxItems", "minLength", "maxLength", "pattern", "enum",
    "oneOf", "$ref",
}) | _IGNORED

_TYPES: dict[str, Check] = {
    "string": lambda v: v.__class__ is str,
    "integer": lambda v: v.__class__ is int,  # safeyaml gives int, bool, str, None, list, dict only
    "number": lambda v: v.__class__ is int or v.__class__ is float,
    "boolean": lambda v: v.__class__ is bool,
    "object": lambda v: v.__class__ is dict,
    "array": lambda v: v.__class__ is list,
    "null": lambda v: v is None,
}
_CLASSES = {"string": str, "integer": int, "boolean": bool, "object": dict, "array": list}


def _never(_: Any) -> bool:
    return False


def _always(_: Any) -> bool:
    return True


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]

    def every(v: Any) -> bool:
        for c in checks:
            if not c(v):
                return False
        return True

    return every


class _Compiler:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def ref(self, ref: str) -> Check:
        if not ref.startswith("#/$defs/") or ref[8:] not in self.root.get("$defs", {}):
            return _never
        name = ref[8:]
        if name not in self.refs:
            slot: list[Check] = [_never]
            self.refs[name] = lambda v: slot[0](v)  # recursion-safe: filled in below
            slot[0] = self.compile(self.root["$defs"][name])
        return self.refs[name]

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return _always
        if not isinstance(schema, dict) or schema is False:
            return _never
        if set(schema) - _KNOWN:
            return _never
        checks: list[Check] = []
        types = schema.get("type")
        type_names = [types] if isinstance(types, str) else list(types) if isinstance(types, list) else None
        if types is not None:
            if type_names is None or any(t not in _TYPES for t in type_names):
                return _never
        sole = type_names[0] if type_names and len(type_names) == 1 else None
        if sole == "string" or (sole is None and any(k in schema for k in ("minLength", "maxLength", "pattern"))):
            checks.append(self._string(schema, typed=sole == "string"))
        elif type_names is not None:
            checks.append(self._types(type_names))
        if any(k in schema for k in ("properties", "required", "additionalProperties", "propertyNames",
                                     "minProperties", "maxProperties")):
            checks.append(self._object(schema))
        if any(k in schema for k in ("items", "minItems", "maxItems")):
            checks.append(self._array(schema))
        if "enum" in schema:
            checks.append(self._enum(schema["enum"]))
        if "oneOf" in schema:
            subs = [self.compile(s) for s in schema["oneOf"]]
            checks.append(lambda v: sum(1 for s in subs if s(v)) == 1)
        if "$ref" in schema:
            checks.append(self.ref(schema["$ref"]))
        return _all(checks)

    @staticmethod
    def _types(names: list[str]) -> Check:
        if all(t in _CLASSES for t in names):
            classes = frozenset(_CLASSES[t] for t in names)
            return lambda v: v.__class__ in classes
        tests = [_TYPES[t] for t in names]
        return lambda v: any(t(v) for t in tests)

    @staticmethod
    def _string(schema: Mapping[str, Any], typed: bool) -> Check:
        lo = schema.get("minLength", 0)
        hi = schema.get("maxLength")
        pattern = schema.get("pattern")
        search = re.compile(pattern).search if isinstance(pattern, str) else None
        top = hi if isinstance(hi, int) else 1 << 62

        def string(v: Any) -> bool:
            if v.__class__ is not str:
                return not typed  # length and pattern say nothing about other types
            n = len(v)
            return lo <= n <= top and (search is None or search(v) is not None)

        return string

    def _object(self, schema: Mapping[str, Any]) -> Check:
        props = {k: self.compile(s) for k, s in (schema.get("properties") or {}).items()}
        required = frozenset(schema.get("required") or ())
        extra_schema = schema.get("additionalProperties", True)
        extra: Check | None = None if extra_schema is True else self.compile(extra_schema)
        names = self.compile(schema["propertyNames"]) if "propertyNames" in schema else None
        lo = schema.get("minProperties", 0)
        hi = schema.get("maxProperties", 1 << 62)
        get = props.get

        def obj(v: Any) -> bool:
            if v.__class__ is not dict:
                return True  # "type" decides about non-mappings
            for k, x in v.items():
                f = get(k)
                if f is None:
                    if extra is not None and not extra(x):
                        return False
                elif not f(x):
                    return False
                if names is not None and not names(k):
                    return False
            return lo <= len(v) <= hi and required.issubset(v)

        return obj

    def _array(self, schema: Mapping[str, Any]) -> Check:
        item_schema = schema.get("items", True)
        item = None if item_schema is True else self.compile(item_schema)
        lo = schema.get("minItems", 0)
        hi = schema.get("maxItems", 1 << 62)

        def array(v: Any) -> bool:
            if v.__class__ is not list:
                return True
            if not lo <= len(v) <= hi:
                return False
            if item is not None:
                for x in v:
                    if not item(x):
                        return False
            return True

        return array

    @staticmethod
    def _enum(values: Any) -> Check:
        if not isinstance(values, list):
            return _never
        allowed = [(type(e), e) for e in values]

        def enum(v: Any) -> bool:
            cls = v.__class__
            return any(cls is t and v == e for t, e in allowed)

        return enum


@cache
def gate(kind: str) -> Check:
    """True only if a parsed file of this kind ("scenarioFile", "sceneFile") is valid."""
    root = part_schema(kind)
    return _Compiler(root).compile(root)
