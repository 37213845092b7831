"""The cursor's context in a scenario file being typed: which key it is under, and what may be completed there.

Read from the raw lines by indentation, so it works while the file does not parse (mid-edit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine.expressions.builtins import BUILTINS

_KEY = re.compile(r"^(\s*)(- +)?([A-Za-z_][A-Za-z0-9_]*|\"[^\"]*\"|'[^']*')\s*:(?:\s|$)")
_ITEM = re.compile(r"^(\s*)- ")
_VALUE_KEY = re.compile(r"^\s*(?:- +)?([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*)$")


@dataclass(frozen=True)
class Context:
    """What the cursor stands in.

    kind: "key" (typing a key; `path` is the mapping's path), "value" (after `key:`; `key` names it),
    "item" (an item of the list under `key`), "template" (inside `{…}` in prose), or "" (nothing to offer).
    """

    kind: str
    path: tuple[str, ...] = ()
    key: str = ""
    prefix: str = ""  # the word typed so far
    in_string: str = ""  # for expressions: the function whose string argument is being typed (visited, visits)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def key_path(lines: list[str], line: int, column: int) -> tuple[str, ...]:
    """The keys of the mappings (and `[]` for list items) that enclose a position, outermost first."""
    here = lines[line][:column] if line < len(lines) else ""
    item = _ITEM.match(here)
    path: list[str] = []
    if item:  # typing in a new item of a list: the item's mapping is the container
        path.append("[]")
        limit = len(item.group(1))
    else:
        limit = _indent(here) if here.strip() else column
    for n in range(line - 1, -1, -1):
        raw = lines[n]
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        ind = _indent(raw)
        if ind >= limit:
            continue
        km = _KEY.match(raw)
        if _ITEM.match(raw):
            key_col = len(km.group(1)) + len(km.group(2) or "") if km else -1
            if km and key_col < limit:  # under the key that opens the item: `- ending:`
                path.append(km.group(3).strip("\"'"))
            path.append("[]")
        elif km:
            path.append(km.group(3).strip("\"'"))
        else:
            continue
        limit = ind
        if ind == 0:
            break
    return tuple(reversed(path))


def context(lines: list[str], line: int, column: int) -> Context:
    """The completion context at a position."""
    raw = lines[line] if line < len(lines) else ""
    before = raw[:column]
    word = re.search(r"[A-Za-z0-9_]*$", before)
    prefix = word.group() if word else ""
    # inside a {…} template tag of prose
    bare = before.replace("{{", "  ").replace("}}", "  ")  # written braces are not tags
    opened, closed = bare.rfind("{"), bare.rfind("}")
    if opened > closed:
        return Context("template", key_path(lines, line, column), prefix=prefix,
                       in_string=_string_call(before[opened + 1:]))
    vm = _VALUE_KEY.match(before)
    if vm:
        key, value = vm.group(1), vm.group(2)
        return Context("value", key_path(lines, line, column) + (key,), key=key, prefix=prefix,
                       in_string=_string_call(value) if key in ("when", "do") else "")
    path = key_path(lines, line, column)
    item = re.match(r"^\s*- +(\S*)$", before)
    if item and path:
        owner = path[-1]
        if owner in ("do", "events"):
            return Context("item", path, key=owner, prefix=prefix, in_string=_string_call(item.group(1)))
    if re.fullmatch(r"\s*(- +)?[A-Za-z_0-9]*", before):
        return Context("key", path, prefix=prefix)
    # a continuation line of a folded `when:`/`do:` value or of prose
    return Context("", path, prefix=prefix)


def _string_call(text: str) -> str:
    """The built-in whose string argument the text ends inside (`visited("no` → visited), else ""."""
    m = re.search(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(\s*[\"']([A-Za-z0-9_]*)$", text)
    row = BUILTINS.get(m.group(1)) if m else None
    return row.name if row is not None and row.params[:1] == ("scene",) else ""


def schema_keys(schema: dict[str, Any], path: tuple[str, ...], scenario_file: bool) -> dict[str, str]:
    """The keys the schema allows at `path` (mapping keys and `[]` list items), with their descriptions."""
    defs = schema.get("$defs", {})
    node: Any = defs.get("scenarioFile" if scenario_file else "sceneFile", {})

    def deref(n: Any) -> Any:
        while isinstance(n, dict) and "$ref" in n:
            n = defs.get(n["$ref"].rsplit("/", 1)[-1], {})
        return n

    node = deref(node)
    for step in path:
        if not isinstance(node, dict):
            return {}
        if step == "[]":
            items = node.get("items")
            if items is None:  # a oneOf of a string or a list (do:)
                for alt in node.get("oneOf", []):
                    if isinstance(alt, dict) and "items" in alt:
                        items = alt["items"]
            node = deref(items)
            continue
        props = node.get("properties", {})
        if step in props:
            node = deref(props[step])
        elif isinstance(node.get("additionalProperties"), dict):
            node = deref(node["additionalProperties"])  # a scene id, a variable name
        else:
            return {}
    if not isinstance(node, dict):
        return {}
    props = node.get("properties", {})
    return {k: str(v.get("description", "")) if isinstance(v, dict) else "" for k, v in props.items()}
