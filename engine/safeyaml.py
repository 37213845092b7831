"""Safe YAML reading for files that may come from strangers.

One pass over libyaml's parse events (the C parser when present) both checks the limits and
builds plain Python values, so nothing is built from a file that breaks a limit, and no
recursion happens anywhere (the C composer crashes on deep nesting; this never calls it):

* at most 1 MiB, valid UTF-8, no control characters (a leading byte-order mark is allowed);
* nesting at most 64 levels, at most 64 aliases expanding to at most 100,000 values;
* no tags at all (``!!python/object`` and friends), no duplicate keys, no complex keys,
  exactly one document.

Plain scalars are resolved by a small YAML 1.2-style rule set: ``true``/``false``, ``null``/``~``,
decimal integers; everything else stays a string, so YAML 1.1 surprises such as ``no``, ``on``,
``12:30`` and ``1.10`` stay what the author wrote. Every mapping and sequence gets its source
marks (line and column of each key and value) in a side table, for precise diagnostics.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from engine.diagnostics import ChronicleError, Diagnostic

try:  # libyaml's C parser when present
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the build of PyYAML
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 1 << 20
MAX_DEPTH = 64
MAX_ALIASES = 64
MAX_EXPANDED = 100_000

Mark = tuple[int, int]  # 1-based line and column

_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,17})\Z")
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x84\x86-\x9f]")
YAML11_WORDS = frozenset(
    w for base in ("yes", "no", "on", "off", "y", "n") for w in (base, base.title(), base.upper())
)


@dataclass
class Doc:
    """A parsed file: its value and the marks of every key and item."""

    path: str
    value: Any
    root: Mark = (1, 1)
    # id(mapping) -> {key: (key mark, value mark)}; id(list) -> [item marks]
    marks: dict[int, Any] = field(default_factory=dict)
    # id(mapping) -> {key: style} for scalar values that were quoted ("'", '"', '|', '>') or None
    styles: dict[int, dict[str, str | None]] = field(default_factory=dict)

    def mark(self, path: tuple[Any, ...], *, key: bool = False) -> Mark:
        """The mark of the value at ``path`` (or of its key), or of the nearest ancestor."""
        node: Any = self.value
        best = self.root
        for step in path:
            table = self.marks.get(id(node))
            if table is None:
                return best
            if isinstance(node, dict) and isinstance(table, dict) and step in table:
                kmark, vmark = table[step]
                best = kmark if (key and step == path[-1]) else vmark
                node = node[step]
            elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(table):
                best = table[step]
                node = node[step]
            else:
                return best
        return best

    def style(self, path: tuple[Any, ...]) -> str | None:
        node: Any = self.value
        for step in path[:-1]:
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                return None
        return self.styles.get(id(node), {}).get(path[-1]) if path else None


def _fail(path: str, mark: Mark, code: str, message: str, hint: str = "") -> ChronicleError:
    return ChronicleError([Diagnostic(path, mark[0], mark[1], "error", code, message, hint)])


def _position(text: str, index: int) -> Mark:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _resolve_plain(text: str) -> Any:
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.match(text):
        return int(text)
    return text


def decode(data: bytes, path: str) -> str:
    """Check size, encoding and control characters; return the text without a BOM."""
    if len(data) > MAX_BYTES:
        raise _fail(
            path, (1, 1), "E001", f"the file is {len(data):,} bytes; the limit is {MAX_BYTES:,} (1 MiB)",
            "split the scenes over several files",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", "replace")
        raise _fail(
            path, _position(good, len(good)), "E002",
            f"byte 0x{data[exc.start]:02x} is not valid UTF-8", "save the file as UTF-8",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    bad = _CONTROL.search(text)
    if bad:
        raise _fail(
            path, _position(text, bad.start()), "E003",
            f"control character U+{ord(bad.group()):04X} is not allowed", "delete it; use plain text",
        )
    return text


def _events(text: str) -> Iterator[Any]:
    loader = _Loader(text)
    try:
        while loader.check_event():
            yield loader.get_event()
    finally:
        loader.dispose()


def load(data: bytes | str, path: str = "<string>") -> Doc:
    """Parse one YAML document safely. Raises ChronicleError with one located diagnostic."""
    text = decode(data.encode("utf-8") if isinstance(data, str) else data, path)
    doc = Doc(path, None)
    marks = doc.marks
    styles = doc.styles
    anchors: dict[str, tuple[Any, int]] = {}
    aliases = 0
    expanded = 0  # values built, counting each alias as the size of what it repeats
    documents = 0
    # frame: [container, marks table, styles table or None, pending key, key mark, anchor, start size]
    stack: list[list[Any]] = []
    result: Any = None
    have_result = False
    ev_mark: Mark = (1, 1)

    def attach(value: Any, mark: Mark, style: str | None = None) -> None:
        nonlocal result, have_result
        if not stack:
            result, have_result = value, True
            doc.root = mark
            return
        top = stack[-1]
        container = top[0]
        if isinstance(container, list):
            container.append(value)
            top[1].append(mark)
            return
        if top[3] is None:  # a key
            if not isinstance(value, str) or top[7]:
                raise _fail(path, mark, "E010", "a key must be a plain word or string",
                            "write the key as text, not a list, mapping or alias")
            if value in container:
                first = top[1][value][0]
                raise _fail(path, mark, "E008", f'duplicate key "{value}" (first at line {first[0]})',
                            "each key may appear once in a mapping; merge or rename one of them")
            top[3], top[4] = value, mark
            return
        key = top[3]
        container[key] = value
        top[1][key] = (top[4], mark)
        if style is not None:
            top[2][key] = style
        top[3] = None

    try:
        for ev in _events(text):
            sm = ev.start_mark
            ev_mark = (sm.line + 1, sm.column + 1)
            kind = type(ev).__name__
            if kind == "ScalarEvent":
                if ev.tag is not None:
                    raise _fail(path, ev_mark, "E007", f"YAML tags such as {ev.tag!r} are not allowed",
                                "remove the tag; write plain values")
                if stack and isinstance(stack[-1][0], dict) and stack[-1][3] is None:
                    stack[-1][7] = False
                    value: Any = ev.value  # keys stay text
                elif not ev.style:  # plain: '' from the C parser, None from the Python one
                    value = _resolve_plain(ev.value)
                else:
                    value = ev.value
                expanded += 1
                if ev.anchor is not None:
                    anchors[ev.anchor] = (value, 1)
                attach(value, ev_mark, ev.style or None)
            elif kind in ("MappingStartEvent", "SequenceStartEvent"):
                if ev.tag is not None:
                    raise _fail(path, ev_mark, "E007", f"YAML tags such as {ev.tag!r} are not allowed",
                                "remove the tag; write plain values")
                if len(stack) >= MAX_DEPTH:
                    raise _fail(path, ev_mark, "E005", f"nesting is deeper than {MAX_DEPTH} levels",
                                "flatten the structure")
                is_key = bool(stack) and isinstance(stack[-1][0], dict) and stack[-1][3] is None
                if is_key:
                    raise _fail(path, ev_mark, "E010", "a key must be a plain word or string",
                                "write the key as text, not a list or mapping")
                expanded += 1
                if kind == "MappingStartEvent":
                    container: Any = {}
                    table: Any = {}
                    styles[id(container)] = {}
                    stack.append([container, table, styles[id(container)], None, None, ev.anchor,
                                  expanded, False, ev_mark])
                else:
                    container, table = [], []
                    stack.append([container, table, None, None, None, ev.anchor, expanded, False, ev_mark])
                marks[id(container)] = table
            elif kind in ("MappingEndEvent", "SequenceEndEvent"):
                frame = stack.pop()
                if frame[5] is not None:
                    anchors[frame[5]] = (frame[0], expanded - frame[6] + 1)
                attach(frame[0], frame[8])
            elif kind == "AliasEvent":
                aliases += 1
                if ev.anchor not in anchors:
                    raise _fail(path, ev_mark, "E012", f'unknown alias "*{ev.anchor}"',
                                "define the anchor (&name) before using it")
                value, size = anchors[ev.anchor]
                expanded += size
                if aliases > MAX_ALIASES or expanded > MAX_EXPANDED:
                    raise _fail(path, ev_mark, "E006",
                                f"too many aliases (more than {MAX_ALIASES}, or expanding past "
                                f"{MAX_EXPANDED:,} values)", "write the values out instead of aliasing them")
                if stack and isinstance(stack[-1][0], dict) and stack[-1][3] is None:
                    stack[-1][7] = True
                attach(value, ev_mark)
            elif kind == "DocumentStartEvent":
                documents += 1
                if documents > 1:
                    raise _fail(path, ev_mark, "E009", "the file holds several YAML documents",
                                "keep one document per file; remove the '---' separators or split the file")
            if expanded > MAX_EXPANDED:
                raise _fail(path, ev_mark, "E006", f"the file holds more than {MAX_EXPANDED:,} values",
                            "split it into several files")
    except yaml.MarkedYAMLError as exc:
        pm = exc.problem_mark or exc.context_mark
        where = (pm.line + 1, pm.column + 1) if pm is not None else ev_mark
        msg = (exc.problem or exc.context or "invalid YAML").strip()
        raise _fail(path, where, "E004", f"YAML syntax: {msg}",
                    "check indentation, colons and quotes on this line and the one before") from None
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked libyaml errors
        raise _fail(path, ev_mark, "E004", f"YAML syntax: {exc}", "check the file's syntax") from None
    except (RecursionError, MemoryError):  # pragma: no cover - defensive: the limits above prevent these
        raise _fail(path, ev_mark, "E005", "the file is too deeply nested or too large to read",
                    "simplify the file") from None
    if not have_result:
        result = None
    doc.value = result
    return doc
