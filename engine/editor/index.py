"""The scenario index: where every scene, goto, variable, template tag and citation of a scenario stands in its text.

Built from the files' text as the editor holds it (saved or not), one file at a time, with the safe YAML
reader's marks; a file that does not parse keeps the index of its last good version. Positions are 0-based
lines and columns in code points; the language server converts them for the client.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.base.diagnostics import ChronicleError
from engine.expressions.builtins import BUILTINS
from engine.format import safeyaml

KEYWORDS = frozenset({"and", "or", "not", "true", "false", "if", "elif", "else", "end"})
TEXT_FIELDS = frozenset({"text", "note", "epilogue", "debrief", "locked"})
_TOKEN = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|[A-Za-z_][A-Za-z0-9_]*")
_TAG = re.compile(r"\{\{|\}\}|\{([^{}\n]*)\}")


@dataclass(frozen=True, order=True)
class Span:
    """A stretch of one line of one file: 0-based line, start and end columns (code points)."""

    path: Path
    line: int
    start: int
    end: int

    def contains(self, line: int, column: int) -> bool:
        return self.line == line and self.start <= column <= self.end


@dataclass(frozen=True)
class SceneEntry:
    id: str
    span: Span  # the scene's key
    title: str = ""
    place: str = ""
    time: str = ""
    date: str = ""
    ending: str = ""  # historical / counterfactual for an ending, else ""
    citations: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class VariableEntry:
    name: str
    span: Span  # the declaration's key in scenario.yaml
    type: str = ""
    initial: Any = None
    min: Any = None
    max: Any = None
    values: tuple[str, ...] = ()
    label: str = ""


@dataclass
class FileIndex:
    """What one file defines and refers to."""

    path: Path
    scenes: list[SceneEntry] = field(default_factory=list)
    gotos: list[tuple[str, Span]] = field(default_factory=list)  # target scene, the goto's value
    scene_refs: list[tuple[str, Span]] = field(default_factory=list)  # visited("x") / visits("x")
    variables: list[VariableEntry] = field(default_factory=list)
    var_uses: list[tuple[str, Span]] = field(default_factory=list)
    quotes: list[tuple[str, str, Span]] = field(default_factory=list)  # source, quote, the quote's value
    source_refs: list[tuple[str, Span]] = field(default_factory=list)
    events: list[tuple[str, Span]] = field(default_factory=list)
    start: tuple[str, Span] | None = None  # scenario.yaml's start scene


def _lines(text: str) -> list[str]:
    return text.split("\n")


def scalar_span(path: Path, lines: list[str], mark: tuple[int, int], value: str, style: str | None) -> Span | None:
    """The span of a one-line scalar's text (inside its quotes), from the mark of its first character."""
    line, col = mark[0] - 1, mark[1] - 1
    if not 0 <= line < len(lines):
        return None
    raw = lines[line]
    if style in ('"', "'"):
        start = col + 1
        end = start
        while end < len(raw) and raw[end] != style:
            end += 2 if (style == '"' and raw[end] == "\\") else 1
        return Span(path, line, start, min(end, len(raw)))
    if style is None and raw[col: col + len(value)] == value:
        return Span(path, line, col, col + len(value))
    return None


def key_span(path: Path, lines: list[str], mark: tuple[int, int], key: str) -> Span:
    line, col = mark[0] - 1, mark[1] - 1
    raw = lines[line] if 0 <= line < len(lines) else ""
    if raw[col: col + 1] in ('"', "'"):
        col += 1
    return Span(path, line, col, col + len(key))


def region(lines: list[str], mark: tuple[int, int], style: str | None,
           value: str = "") -> Iterator[tuple[int, int, int]]:
    """(line, start, end) pieces of raw text a scalar value covers, block scalars and folded lines included."""
    line, col = mark[0] - 1, mark[1] - 1
    if not 0 <= line < len(lines):
        return
    first = lines[line]
    indent = len(first) - len(first.lstrip(" "))
    if style in ("|", ">"):
        yield from _block(lines, line + 1, indent)
        return
    if style is None and value and first[col: col + len(value)] == value:
        yield line, col, col + len(value)  # a plain scalar on one line (also an item of a [flow, list])
        return
    if style in ('"', "'"):
        span = scalar_span(Path(), lines, mark, value, style)
        if span is not None and span.end < len(first):
            yield line, span.start, span.end  # closed on its own line
            return
    yield line, col, len(first)
    yield from _block(lines, line + 1, indent)  # a plain or quoted scalar folded over more lines


def _block(lines: list[str], line: int, indent: int) -> Iterator[tuple[int, int, int]]:
    while line < len(lines):
        raw = lines[line]
        if raw.strip() and len(raw) - len(raw.lstrip(" ")) <= indent:
            return
        yield line, 0, len(raw)
        line += 1


def expression_names(raw: str, offset: int = 0) -> Iterator[tuple[str, str, int, int]]:
    """('var'|'scene', name, start, end) for each identifier and each scene named by visited()/visits()."""
    tokens = list(_TOKEN.finditer(raw))
    for i, tok in enumerate(tokens):
        word = tok.group()
        if word[0] in "\"'":
            prev = tokens[i - 1].group() if i else ""
            between = raw[tokens[i - 1].end(): tok.start()] if i else ""
            if prev in BUILTINS and BUILTINS[prev].params[:1] == ("scene",) and between.strip() == "(":
                yield "scene", word[1:-1], offset + tok.start() + 1, offset + tok.end() - 1
            continue
        if word in KEYWORDS or word in BUILTINS:
            continue
        if word[0].isdigit():
            continue
        after = raw[tok.end():].lstrip()
        if after.startswith("("):
            continue  # a call of some other function: the checker reports it
        yield "var", word, offset + tok.start(), offset + tok.end()


def template_names(raw: str) -> Iterator[tuple[str, str, int, int]]:
    """The names inside the `{…}` tags of a piece of text, with their columns."""
    for tag in _TAG.finditer(raw):
        inner = tag.group(1)
        if inner is None:
            continue
        yield from expression_names(inner, tag.start(1))


class _Builder:
    def __init__(self, path: Path, text: str, doc: safeyaml.Doc) -> None:
        self.path, self.lines, self.doc = path, _lines(text), doc
        self.out = FileIndex(path)

    def value(self, where: tuple[Any, ...]) -> str:
        node: Any = self.doc.value
        for step in where:
            node = node[step]
        return node if isinstance(node, str) else ""

    def value_span(self, where: tuple[Any, ...], value: str) -> Span | None:
        return scalar_span(self.path, self.lines, self.doc.mark(where), value, self.doc.style(where))

    def expression(self, where: tuple[Any, ...]) -> None:
        style = self.doc.style(where)
        for line, start, end in region(self.lines, self.doc.mark(where), style, self.value(where)):
            raw = self.lines[line][start:end]
            for kind, name, s, e in expression_names(raw):
                self._ref(kind, name, Span(self.path, line, start + s, start + e))

    def template(self, where: tuple[Any, ...]) -> None:
        for line, start, end in region(self.lines, self.doc.mark(where), self.doc.style(where), self.value(where)):
            for kind, name, s, e in template_names(self.lines[line][start:end]):
                self._ref(kind, name, Span(self.path, line, start + s, start + e))

    def _ref(self, kind: str, name: str, span: Span) -> None:
        (self.out.scene_refs if kind == "scene" else self.out.var_uses).append((name, span))

    def citations(self, where: tuple[Any, ...], items: Any) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        if not isinstance(items, list):
            return found
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            source, quote = item.get("source"), item.get("quote")
            if isinstance(source, str):
                span = self.value_span(where + (i, "source"), source)
                if span is not None:
                    self.out.source_refs.append((source, span))
            if isinstance(source, str) and isinstance(quote, str):
                found.append((source, quote))
                first = self.doc.mark(where + (i, "quote"))
                span = self.value_span(where + (i, "quote"), quote) or Span(
                    self.path, first[0] - 1, first[1] - 1, len(self.lines[first[0] - 1]) if first[0] else 0)
                self.out.quotes.append((source, quote, span))
            if isinstance(item.get("note"), str):
                self.template(where + (i, "note"))
        return found

    def scene(self, scid: str, sc: dict[str, Any]) -> None:
        where: tuple[Any, ...] = ("scenes", scid)
        for name in ("text", "note"):
            if isinstance(sc.get(name), str):
                self.template(where + (name,))
        cites = self.citations(where + ("record",), sc.get("record"))
        ending = sc.get("ending")
        if isinstance(ending, dict):
            for name in ("epilogue", "debrief"):
                if isinstance(ending.get(name), str):
                    self.template(where + ("ending", name))
        disputed = sc.get("disputed")
        for i, item in enumerate(disputed if isinstance(disputed, list) else []):
            accounts = item.get("accounts") if isinstance(item, dict) else None
            for j, account in enumerate(accounts if isinstance(accounts, list) else []):
                if isinstance(account, dict):
                    self.account(where + ("disputed", i, "accounts", j), account)
        events = sc.get("events")
        if isinstance(events, list):
            for i, ev in enumerate(events):
                if isinstance(ev, str):
                    span = self.value_span(where + ("events", i), ev)
                    if span is not None:
                        self.out.events.append((ev, span))
        choices = sc.get("choices")
        if isinstance(choices, list):
            for i, ch in enumerate(choices):
                if not isinstance(ch, dict):
                    continue
                cw = where + ("choices", i)
                goto = ch.get("goto")
                if isinstance(goto, str):
                    span = self.value_span(cw + ("goto",), goto)
                    if span is not None:
                        self.out.gotos.append((goto, span))
                if isinstance(ch.get("when"), str):
                    self.expression(cw + ("when",))
                do = ch.get("do")
                if isinstance(do, str):
                    self.expression(cw + ("do",))
                elif isinstance(do, list):
                    for j, item in enumerate(do):
                        if isinstance(item, str):
                            self.expression(cw + ("do", j))
                for name in ("text", "note", "locked"):
                    if isinstance(ch.get(name), str):
                        self.template(cw + (name,))
                self.citations(cw + ("record",), ch.get("record"))
        table = self.doc.marks.get(id(self.doc.value["scenes"]))
        mark = safeyaml.position(table[scid][0]) if table is not None else self.doc.mark(where, key=True)
        time = sc.get("time")
        self.out.scenes.append(SceneEntry(
            scid, key_span(self.path, self.lines, mark, scid), str(sc.get("title") or ""),
            str(sc.get("place") or ""), time if isinstance(time, str) else "",
            str(sc.get("date") or ""), str(ending.get("kind") or "") if isinstance(ending, dict) else "", tuple(cites)))

    def account(self, where: tuple[Any, ...], account: dict[str, Any]) -> None:
        source, quote = account.get("source"), account.get("quote")
        if isinstance(source, str):
            span = self.value_span(where + ("source",), source)
            if span is not None:
                self.out.source_refs.append((source, span))
        if isinstance(source, str) and isinstance(quote, str):
            span = self.value_span(where + ("quote",), quote)
            if span is not None:
                self.out.quotes.append((source, quote, span))

    def scenario(self, meta: dict[str, Any]) -> None:
        variables = meta.get("variables")
        if isinstance(variables, dict):
            table = self.doc.marks.get(id(variables)) or {}
            for name, spec in variables.items():
                if name not in table:
                    continue
                spec = spec if isinstance(spec, dict) else {}
                values = spec.get("values")
                self.out.variables.append(VariableEntry(
                    name, key_span(self.path, self.lines, safeyaml.position(table[name][0]), name),
                    str(spec.get("type") or ""), spec.get("initial"), spec.get("min"), spec.get("max"),
                    tuple(v for v in values if isinstance(v, str)) if isinstance(values, list) else (),
                    str(spec.get("label") or "")))
        start = meta.get("start")
        if isinstance(start, str):
            span = self.value_span(("start",), start)
            if span is not None:
                self.out.start = (start, span)


def index_file(path: Path, text: str) -> FileIndex | None:
    """The index of one file's text, or None when it does not parse."""
    try:
        doc = safeyaml.load(text, str(path))
    except ChronicleError:
        return None
    builder = _Builder(path, text, doc)
    value = doc.value
    if not isinstance(value, dict):
        return builder.out
    scenes = value.get("scenes")
    if isinstance(scenes, dict):
        for scid, sc in scenes.items():
            if isinstance(scid, str) and isinstance(sc, dict):
                builder.scene(scid, sc)
    else:
        builder.scenario(value)
    return builder.out


@dataclass
class Symbol:
    """What stands at a position: a scene (its key, a goto or visited()), a variable, a quote, a source id, an event."""

    kind: str  # scene, variable, quote, source, event
    name: str
    span: Span
    source: str = ""  # for a quote: its source id


class ScenarioIndex:
    """The index of every file of one scenario, kept up to date file by file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[Path, FileIndex] = {}

    def update(self, path: Path, text: str) -> bool:
        """Index a file's new text; False (and the last good index kept) when it does not parse."""
        got = index_file(path, text)
        if got is None:
            return False
        self.files[path] = got
        return True

    def forget(self, path: Path) -> None:
        self.files.pop(path, None)

    # -- look-ups -------------------------------------------------------------------------------
    def scenes(self) -> dict[str, SceneEntry]:
        out: dict[str, SceneEntry] = {}
        for f in self.files.values():
            for s in f.scenes:
                out.setdefault(s.id, s)
        return out

    def variables(self) -> dict[str, VariableEntry]:
        return {v.name: v for f in self.files.values() for v in f.variables}

    def events(self) -> list[str]:
        return sorted({e for f in self.files.values() for e, _ in f.events})

    def scene_references(self, scene: str) -> list[Span]:
        """Every goto into a scene, every visited()/visits() naming it, and the start line."""
        out = [span for f in self.files.values() for name, span in (*f.gotos, *f.scene_refs) if name == scene]
        out += [f.start[1] for f in self.files.values() if f.start is not None and f.start[0] == scene]
        return sorted(out)

    def variable_references(self, name: str) -> list[Span]:
        return sorted(span for f in self.files.values() for v, span in f.var_uses if v == name)

    def at(self, path: Path, line: int, column: int) -> Symbol | None:
        f = self.files.get(path)
        if f is None:
            return None
        for s in f.scenes:
            if s.span.contains(line, column):
                return Symbol("scene", s.id, s.span)
        for name, span in (*f.gotos, *f.scene_refs, *([f.start] if f.start else [])):
            if span.contains(line, column):
                return Symbol("scene", name, span)
        for v in f.variables:
            if v.span.contains(line, column):
                return Symbol("variable", v.name, v.span)
        for name, span in f.var_uses:
            if span.contains(line, column):
                return Symbol("variable", name, span)
        for source, quote, span in f.quotes:
            if span.contains(line, column):
                return Symbol("quote", quote, span, source)
        for source, span in f.source_refs:
            if span.contains(line, column):
                return Symbol("source", source, span)
        for event, span in f.events:
            if span.contains(line, column):
                return Symbol("event", event, span)
        return None


def overlay_sources(files: list[Path], texts: Mapping[Path, str]) -> dict[Path, bytes | None]:
    """The compiler's `sources` argument: every file in order, the editor's text where it has one."""
    return {f: (texts[f].encode("utf-8") if f in texts else None) for f in files}
