"""Validate a parsed file against the schema, with every error at its file, line and column.

The `jsonschema` library does the checking; this module turns each of its errors into a
`Diagnostic` with a code, a plain-English message and a hint ("did you mean ...", how to write
a boolean or a time, ...).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from engine.base.codes import codes_with
from engine.base.diagnostics import Diagnostic, did_you_mean
from engine.format.safeyaml import YAML11_WORDS, Doc
from engine.format.schema import part_schema
from engine.format.schemagate import gate

_TYPE_NAMES = {
    "string": "text", "integer": "a whole number", "boolean": "true or false", "object": "a mapping",
    "array": "a list", "null": "nothing",
}

CODES: dict[str, str] = codes_with("E1")  # this area of the one table, engine.base.codes


@cache
def _validator(kind: str) -> Any:
    from jsonschema import Draft202012Validator  # imported lazily: only when validating

    return Draft202012Validator(part_schema(kind))


def _short(text: str, limit: int = 80) -> str:
    """Never echo the whole of a huge input in a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing" if value is None else type(value).__name__


def _type_hint(expected: Any, value: Any) -> str:
    wanted = expected if isinstance(expected, list) else [expected]
    if "boolean" in wanted and isinstance(value, str) and value in YAML11_WORDS:
        return f'"{value}" is read as text here; write true or false'
    if "integer" in wanted and isinstance(value, str):
        return "write a whole number without quotes"
    if "string" in wanted and isinstance(value, (int, bool)):
        return "put the value in quotes to make it text"
    if "string" in wanted and value is None:
        return "the value is empty; write the text after the colon"
    if "array" in wanted:
        return "start each item on its own line with '- '"
    if "object" in wanted:
        return "write key: value pairs, indented under this key"
    return ""


def _name(path: tuple[Any, ...]) -> str:
    parts = [_short(str(p), 60) if not isinstance(p, int) else f"[{p}]" for p in path]
    return ".".join(parts).replace(".[", "[") or "the file"


def validate(doc: Doc, kind: str) -> list[Diagnostic]:
    """All schema problems of a scenario file (kind "scenarioFile") or scene file ("sceneFile")."""
    if gate(kind)(doc.value):  # the fast yes/no check: a valid file needs no more
        return []
    out: list[Diagnostic] = []
    seen: set[tuple[Any, ...]] = set()

    def add(path: tuple[Any, ...], code: str, message: str, hint: str = "", *, key: bool = False) -> None:
        line, col = doc.mark(path, key=key)
        item = (line, col, code, message)
        if item not in seen:
            seen.add(item)
            out.append(Diagnostic(doc.path, line, col, "error", code, message, hint))

    for err in _validator(kind).iter_errors(doc.value):
        path = tuple(err.absolute_path)
        keyword = err.validator
        value = err.instance
        where = _name(path)
        if keyword == "additionalProperties" and isinstance(value, dict):
            known = list(err.schema.get("properties", {}))
            for extra in sorted(set(value) - set(known)):
                suggestion = did_you_mean(extra, known)
                add(path + (extra,), "E101", f'unknown key "{_short(extra)}" in {where}',
                    suggestion or f"the keys allowed here are: {', '.join(known)}", key=True)
        elif keyword == "required":
            missing = err.validator_value
            for name in missing:
                if isinstance(value, dict) and name not in value:
                    add(path, "E102", f'{where} needs the key "{name}"',
                        f'add "{name}:" — see scenarios/README.md')
        elif keyword == "type":
            expected = err.validator_value
            wanted = [str(t) for t in (expected if isinstance(expected, list) else [expected])]
            names = " or ".join(_TYPE_NAMES.get(t, t) for t in wanted)
            add(path, "E103", f"{where} should be {names}, not {_kind_of(value)}",
                _type_hint(expected, value))
        elif keyword == "pattern":
            pattern = err.validator_value
            if path and path[-1] in ("time",) or "2[0-3]" in pattern:
                hint = 'write the time as "HH:MM" in quotes, 24-hour, for example "19:00"'
            elif "[0-9]{4}" in pattern:
                hint = "write the date as YYYY-MM-DD, for example 1917-10-25"
            else:
                hint = "use lower-case letters, digits and _ only, starting with a letter"
            add(path, "E104", f"{where}: {_short(repr(value))} is not in the right form", hint)
        elif keyword == "propertyNames":
            bad = err.instance if isinstance(err.instance, str) else str(err.instance)
            parent = path
            add(parent + (bad,), "E104", f'"{_short(bad)}" is not a valid id in {where}',
                "ids use lower-case letters, digits and _ only, starting with a letter", key=True)
        elif keyword == "enum":
            choices = err.validator_value
            add(path, "E104", f"{where} must be one of {', '.join(map(str, choices))}, not {_short(repr(value))}",
                did_you_mean(str(value), [str(c) for c in choices]))
        elif keyword in ("minLength", "maxLength"):
            add(path, "E104", f"{where} is too {'short' if keyword == 'minLength' else 'long'} "
                f"({len(value) if isinstance(value, str) else '?'} characters; "
                f"{'at least' if keyword == 'minLength' else 'at most'} {err.validator_value})",
                "quotes should be a sentence or two" if path and path[-1] == "quote" else "")
        elif keyword in ("minItems", "maxItems", "minProperties", "maxProperties"):
            add(path, "E105", f"{where} has {'too few' if keyword.startswith('min') else 'too many'} entries "
                f"({'at least' if keyword.startswith('min') else 'at most'} {err.validator_value})")
        elif keyword == "oneOf" and path and path[-1] == "do":
            add(path, "E103", f"{where} should be an effect or a list of effects, not {_kind_of(value)}",
                'for example: do: resolve -= 1   or   do: ["resolve -= 1", "aurora_fired = true"]')
        else:
            add(path, "E104", f"{where}: {err.message}")
    out.sort()
    return out
