"""The language server: `chronicle lsp`, the Language Server Protocol over stdio, built on pygls.

For any editor: diagnostics as you type (the same codes, messages, hints and places as `chronicle check`, for
every file of the scenario), completion, go to definition, references, hover, rename, the outline and quick
fixes. The check of a scenario runs in a worker thread and only its newest result is published, so a large
scenario never blocks typing; after an edit only the changed file is parsed and checked again (the compiler's
and the lint's memos), and only the files whose diagnostics changed are published. The historical path (which
builds the whole story) is checked after the rest, once typing pauses (`PATH_PAUSE`): the rest is published
first, with the path's last findings, then the path's new findings if they differ — the final set is always
`chronicle check`'s.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from engine import __version__
from engine.base.diagnostics import ChronicleError, Diagnostic
from engine.base.gcpause import paused_gc
from engine.base.paths import SEEDS_DIR, scenario_files
from engine.build.compiler import Analysis, analyze, display_path
from engine.editor.cursor import Context, context, schema_keys
from engine.editor.index import ScenarioIndex, Span, Symbol, overlay_sources
from engine.expressions.builtins import BUILTINS
from engine.format.schema import ID, json_schema
from engine.record.sources import Record, load_record

TEMPLATE_WORDS = {"if": "{if CONDITION} … {end}", "elif": "{elif CONDITION}", "else": "{else}", "end": "{end}"}
PATH_PAUSE = 0.2  # seconds without an edit before the historical path (the whole story built) is checked
_QUOTED_HINT = re.compile(r'did you mean "([^"]+)"\?')


def path_of(uri: str) -> Path:
    return Path(unquote(urlparse(uri).path)).resolve()


def uri_of(path: Path) -> str:
    return path.resolve().as_uri()


def utf16(line: str, column: int) -> int:
    """A code-point column as UTF-16 units (what LSP positions count by default)."""
    return len(line[:column].encode("utf-16-le")) // 2


def from_utf16(line: str, units: int) -> int:
    count = 0
    for i, ch in enumerate(line):
        if count >= units:
            return i
        count += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


def scenario_folder(path: Path) -> Path | None:
    """The scenario folder a file belongs to: the nearest folder above it with a scenario.yaml."""
    for folder in [path.parent, *path.parents][:4]:
        if (folder / "scenario.yaml").is_file():
            return folder
    return None


@dataclass
class Project:
    """One scenario folder as the server holds it: the editor's texts, the index, the check's memo."""

    folder: Path
    index: ScenarioIndex
    texts: dict[Path, str] = field(default_factory=dict)  # open documents, as typed
    memo: dict[Any, Any] = field(default_factory=dict)
    lint_memo: dict[Any, Any] = field(default_factory=dict)
    generation: int = 0
    published: set[Path] = field(default_factory=set)
    # what each file was last published with: its diagnostics and the text their ranges were measured in
    shown: dict[Path, tuple[list[tuple[Diagnostic, str]], bytes | None]] = field(default_factory=dict)
    path_found: list[Diagnostic] = field(default_factory=list)  # the historical path's last findings
    stale: set[Path] = field(default_factory=set)  # edited since indexed: indexed when a request needs it
    lock: threading.Lock = field(default_factory=threading.Lock)

    def text(self, path: Path) -> str:
        if path in self.texts:
            return self.texts[path]
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return ""

    def fresh_index(self) -> ScenarioIndex:
        """The index with every edited file indexed again (lazily: typing alone never waits for it)."""
        while self.stale:
            path = self.stale.pop()
            self.index.update(path, self.text(path))
        return self.index

    def files(self) -> list[Path]:
        found = [f.resolve() for f in scenario_files(self.folder)]
        return found + [p for p in self.texts if p not in found and p.suffix in (".yaml", ".yml")]


@dataclass
class Checked:
    """A check of a scenario as typed: every diagnostic by file, and what they were measured in."""

    files: list[Path]
    analysed: list[Diagnostic]  # the compiler's
    linted: list[Diagnostic]  # the lint's, without the historical path's
    sources: dict[str, bytes]  # each file's bytes as checked, by shown path
    analysis: Analysis | None = None  # when the historical path is still to check (a clean compile)

    def by_file(self, path_found: list[Diagnostic]) -> dict[Path, list[Diagnostic]]:
        """Every diagnostic by file (the historical path's `path_found` added), as `chronicle check` gives them."""
        found = [*self.analysed, *sorted([*self.linted, *path_found])] if path_found else \
            [*self.analysed, *self.linted]
        by_shown = {display_path(f): f for f in self.files}
        by_file: dict[Path, list[Diagnostic]] = {f: [] for f in self.files}
        for d in found:
            target = by_shown.get(d.path) or (Path(d.path).resolve() if Path(d.path).is_absolute() else None)
            if target is None:
                target = (Path.cwd() / d.path).resolve()
            by_file.setdefault(target, []).append(d)
        return by_file


def check(project: Project) -> Checked:
    """Every diagnostic of a scenario as typed (errors and warnings) but the historical path's: `chronicle check`
    on the overlay, from the memos."""
    from engine.tools.lint import lint

    with project.lock:
        files = project.files()
        texts = dict(project.texts)
    with paused_gc():  # no collection pass over the memos' many long-lived values meanwhile
        try:
            analysis = analyze(project.folder, None, overlay_sources(files, texts), file_memo=project.memo)
        except ChronicleError as exc:  # the source texts cannot be read: said (on scenario.yaml), not raised
            shown = display_path(files[0])
            return Checked(files, [Diagnostic(shown, d.line, d.column, d.severity, d.code, d.message, d.hint)
                                   for d in exc.diagnostics], [], {})
        linted: list[Diagnostic] = []
        if analysis.ir is not None or analysis.partial is not None:  # warnings too, for what compiled
            linted = lint(project.folder, analysis, project.lint_memo, path=False)
    return Checked(files, list(analysis.diagnostics), linted, analysis.sources,
                   analysis if analysis.ir is not None else None)


def check_path(checked: Checked) -> list[Diagnostic]:
    """The historical path's findings (W510, W511) of a clean compile."""
    from engine.tools.lint import path_lints

    return path_lints(checked.analysis) if checked.analysis is not None else []


def diagnostic_range(lines: list[str], d: Diagnostic) -> lsp.Range:
    """The stretch of text a diagnostic is about: the word, key or quoted value at its place (the whole
    first line for a problem of the whole file)."""
    if d.line <= 0 or d.line > len(lines):
        return lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))
    raw = lines[d.line - 1]
    col = min(max(d.column - 1, 0), len(raw))
    rest = raw[col:]
    m = re.match(r'"(?:[^"\\]|\\.)*"?|\'[^\']*\'?|[\w.-]+(?=\s*:(?:\s|$))|[\w.-]+\s*\([^)]*\)?|[\w.-]+', rest)
    if m and m.group():
        end = col + len(m.group())
    else:
        end = len(raw.rstrip())
    if end <= col:
        end = min(len(raw), col + 1)
    return lsp.Range(lsp.Position(d.line - 1, utf16(raw, col)), lsp.Position(d.line - 1, utf16(raw, end)))


def to_lsp(lines: list[str], d: Diagnostic) -> lsp.Diagnostic:
    return lsp.Diagnostic(
        range=diagnostic_range(lines, d), message=d.message + (f"\nhint: {d.hint}" if d.hint else ""),
        severity={"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning}.get(
            d.severity, lsp.DiagnosticSeverity.Information),  # a note: what could not be checked
        code=d.code, source="chronicle", data={"hint": d.hint})


class ChronicleServer(LanguageServer):
    """The server's state: a project per scenario folder, one worker for the checks."""

    def __init__(self) -> None:
        super().__init__("chronicle", __version__)
        self.projects: dict[Path, Project] = {}
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chronicle-check")
        self._record: Record | None = None
        self._schema: dict[str, Any] | None = None

    @property
    def record(self) -> Record:
        if self._record is None:
            self._record = load_record()
        return self._record

    @property
    def schema(self) -> dict[str, Any]:
        if self._schema is None:
            self._schema = json_schema()
        return self._schema

    def project(self, path: Path) -> Project | None:
        folder = scenario_folder(path)
        if folder is None:
            return None
        folder = folder.resolve()
        project = self.projects.get(folder)
        if project is None:
            project = self.projects[folder] = Project(folder, ScenarioIndex(folder))
            for f in project.files():
                project.index.update(f, project.text(f))
        return project

    def lines(self, project: Project, path: Path) -> list[str]:
        return project.text(path).split("\n")

    # -- diagnostics ----------------------------------------------------------------------------
    async def refresh(self, project: Project) -> None:
        """Check the scenario in the worker; publish only if no newer edit came meanwhile."""
        project.generation += 1
        mine = project.generation
        await asyncio.sleep(0)  # let a burst of edits arrive first
        if mine != project.generation:
            return
        loop = asyncio.get_running_loop()
        try:
            checked = await loop.run_in_executor(self.worker, check, project)
            if mine != project.generation:
                return
            if checked.analysis is None:  # errors: no historical path to check
                project.path_found = []
            self.publish(project, checked, project.path_found)  # the path's last findings meanwhile
            if checked.analysis is None:
                return
            await asyncio.sleep(PATH_PAUSE)  # while typing goes on, the slow part waits: each key is checked first
            if mine != project.generation:
                return
            path_found = await loop.run_in_executor(self.worker, check_path, checked)
            checked.analysis = None
        except Exception as exc:  # never crash on a broken file: say so, keep serving
            self.window_log_message(lsp.LogMessageParams(lsp.MessageType.Error, f"chronicle check failed: {exc!r}"))
            return
        if mine != project.generation:
            return
        project.path_found = path_found
        self.publish(project, checked, path_found)

    def publish(self, project: Project, checked: Checked, path_found: list[Diagnostic]) -> None:
        """Publish the files whose diagnostics, or the text they are measured in, changed since last time."""
        for path, found in checked.by_file(path_found).items():
            if not found and path not in project.published and path not in project.texts:
                continue  # a closed file with nothing to say: nothing to clear either
            data = checked.sources.get(display_path(path))
            now = ([(d, d.hint) for d in found], data if found else None)
            if project.shown.get(path) == now:
                continue  # the editor shows these already
            project.shown[path] = now
            lines = data.decode("utf-8", "replace").split("\n") if data is not None else self.lines(project, path)
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                uri=uri_of(path), diagnostics=[to_lsp(lines, d) for d in found]))
            (project.published.add if found else project.published.discard)(path)

    def edited(self, uri: str, text: str | None) -> Project | None:
        path = path_of(uri)
        project = self.project(path)
        if project is None:
            return None
        with project.lock:
            if text is None:
                project.texts.pop(path, None)
            else:
                project.texts[path] = text
        project.stale.add(path)
        return project

    # -- look-ups shared by the requests ----------------------------------------------------------
    def found_at(self, uri: str, pos: lsp.Position) -> tuple[Project, Symbol] | None:
        path = path_of(uri)
        project = self.project(path)
        if project is None:
            return None
        lines = self.lines(project, path)
        raw = lines[pos.line] if pos.line < len(lines) else ""
        hit = project.fresh_index().at(path, pos.line, from_utf16(raw, pos.character))
        return (project, hit) if hit is not None else None

    def location(self, project: Project, span: Span) -> lsp.Location:
        raw = self.lines(project, span.path)[span.line] if span.path.exists() or span.path in project.texts else ""
        return lsp.Location(uri_of(span.path), lsp.Range(lsp.Position(span.line, utf16(raw, span.start)),
                                                         lsp.Position(span.line, utf16(raw, span.end))))

    def spans_of(self, project: Project, hit: Symbol) -> list[Span]:
        """The definition and every reference of a scene or a variable (what a rename changes)."""
        if hit.kind == "scene":
            scene = project.index.scenes().get(hit.name)
            return ([scene.span] if scene else []) + project.index.scene_references(hit.name)
        if hit.kind == "variable":
            var = project.index.variables().get(hit.name)
            return ([var.span] if var else []) + project.index.variable_references(hit.name)
        return []

    def quote_location(self, source: str, quote: str) -> lsp.Location | None:
        match = self.record.find(source, quote)
        if match is None:
            return None
        src = self.record.sources[source]
        text = src.text
        file = (SEEDS_DIR / src.file).resolve()
        line = text.count("\n", 0, match.start)
        col = match.start - (text.rfind("\n", 0, match.start) + 1)
        end_line = text.count("\n", 0, match.end)
        end_col = match.end - (text.rfind("\n", 0, match.end) + 1)
        return lsp.Location(uri_of(file), lsp.Range(lsp.Position(line, col), lsp.Position(end_line, end_col)))


server = ChronicleServer()


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: ChronicleServer, params: lsp.DidOpenTextDocumentParams) -> None:
    project = ls.edited(params.text_document.uri, params.text_document.text)
    if project is not None:
        await ls.refresh(project)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: ChronicleServer, params: lsp.DidChangeTextDocumentParams) -> None:
    doc = ls.workspace.get_text_document(params.text_document.uri)  # pygls applies the changes
    project = ls.edited(params.text_document.uri, doc.source)
    if project is not None:
        await ls.refresh(project)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
async def did_save(ls: ChronicleServer, params: lsp.DidSaveTextDocumentParams) -> None:
    project = ls.project(path_of(params.text_document.uri))
    if project is not None:
        await ls.refresh(project)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
async def did_close(ls: ChronicleServer, params: lsp.DidCloseTextDocumentParams) -> None:
    project = ls.edited(params.text_document.uri, None)  # back to what is on disk
    if project is not None:
        await ls.refresh(project)


def _items(names: Iterable[tuple[str, str]], kind: lsp.CompletionItemKind) -> list[lsp.CompletionItem]:
    return [lsp.CompletionItem(label=name, kind=kind, detail=detail or None) for name, detail in names]


def _expression_items(project: Project, ctx: Context) -> list[lsp.CompletionItem]:
    if ctx.in_string:
        return _items(((s.id, s.title) for s in project.index.scenes().values()), lsp.CompletionItemKind.Reference)
    variables = project.index.variables().values()
    items = _items(((v.name, f"{v.type} variable" + (f": {v.label}" if v.label else "")) for v in variables),
                   lsp.CompletionItemKind.Variable)
    items += _items(((b.name, b.line) for b in BUILTINS.values()), lsp.CompletionItemKind.Function)
    if ctx.kind == "template":
        items += _items(TEMPLATE_WORDS.items(), lsp.CompletionItemKind.Keyword)
    return items


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION,
                lsp.CompletionOptions(trigger_characters=[":", " ", "{", '"', "(", "-"]))
def completion(ls: ChronicleServer, params: lsp.CompletionParams) -> lsp.CompletionList:
    path = path_of(params.text_document.uri)
    project = ls.project(path)
    if project is None:
        return lsp.CompletionList(is_incomplete=False, items=[])
    lines = ls.lines(project, path)
    raw = lines[params.position.line] if params.position.line < len(lines) else ""
    ctx = context(lines, params.position.line, from_utf16(raw, params.position.character))
    project.fresh_index()
    items: list[lsp.CompletionItem] = []
    if ctx.kind == "value" and ctx.key in ("goto", "start"):
        scenes = project.index.scenes().values()
        items = _items(((s.id, s.title) for s in scenes), lsp.CompletionItemKind.Reference)
    elif ctx.kind == "value" and ctx.key == "source":
        items = _items(((s.id, f"{s.author}, {s.title}") for s in ls.record.sources.values()),
                       lsp.CompletionItemKind.Module)
    elif (ctx.kind == "value" and ctx.key in ("when", "do")) or ctx.kind == "template" \
            or (ctx.kind == "item" and ctx.key == "do"):
        items = _expression_items(project, ctx)
    elif ctx.kind == "item" and ctx.key == "events":
        known = set(project.index.events())
        for other in ls.projects.values():
            known.update(other.index.events())
        items = _items(((e, "") for e in sorted(known)), lsp.CompletionItemKind.Event)
    elif ctx.kind == "key":
        keys = schema_keys(ls.schema, ctx.path, path.name == "scenario.yaml")
        items = [lsp.CompletionItem(label=k, kind=lsp.CompletionItemKind.Property, detail=desc or None,
                                    insert_text=f"{k}: ") for k, desc in keys.items()]
    return lsp.CompletionList(is_incomplete=False, items=items)


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
def definition(ls: ChronicleServer, params: lsp.DefinitionParams) -> lsp.Location | None:
    got = ls.found_at(params.text_document.uri, params.position)
    if got is None:
        return None
    project, hit = got
    if hit.kind == "scene":
        scene = project.index.scenes().get(hit.name)
        return ls.location(project, scene.span) if scene else None
    if hit.kind == "variable":
        var = project.index.variables().get(hit.name)
        return ls.location(project, var.span) if var else None
    if hit.kind == "quote":
        return ls.quote_location(hit.source, hit.name)
    return None


@server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
def references(ls: ChronicleServer, params: lsp.ReferenceParams) -> list[lsp.Location]:
    got = ls.found_at(params.text_document.uri, params.position)
    if got is None:
        return []
    project, hit = got
    spans = ls.spans_of(project, hit)
    if not params.context.include_declaration and spans:
        spans = spans[1:]
    return [ls.location(project, s) for s in spans]


def _hover_text(ls: ChronicleServer, project: Project, hit: Symbol) -> str:
    if hit.kind == "scene":
        s = project.index.scenes().get(hit.name)
        if s is None:
            return f"**{hit.name}**: no such scene in this scenario"
        head = f"**{s.title or s.id}** (`{s.id}`)"
        where = ", ".join(x for x in (s.place, s.date, s.time) if x)
        lines = [head, where] if where else [head]
        if s.ending:
            lines.append(f"an ending ({s.ending})")
        lines += [f"- {src}: “{q if len(q) <= 160 else q[:157] + '…'}”" for src, q in s.citations]
        return "\n\n".join(lines)
    if hit.kind == "variable":
        v = project.index.variables().get(hit.name)
        if v is None:
            return f"**{hit.name}**: not declared — add it under `variables:` in scenario.yaml"
        bounds = f", {v.min}..{v.max}" if v.min is not None or v.max is not None else ""
        values = f", one of {', '.join(v.values)}" if v.values else ""
        label = f"\n\n{v.label}" if v.label else ""
        return f"**{v.name}**: {v.type}{bounds}{values}, starts at `{v.initial!r}`{label}"
    if hit.kind == "quote":
        match = ls.record.find(hit.source, hit.name)
        if match is None:
            return f"not found in `{hit.source}`"
        before, passage, after = ls.record.context(match)
        return f"…{before} **{passage}** {after}…\n\n— {ls.record.location(match)}"
    if hit.kind == "source":
        src = ls.record.sources.get(hit.name)
        return f"**{src.author}**, *{src.title}* ({src.year}), {src.place}" if src else f"unknown source `{hit.name}`"
    return f"event `{hit.name}`"


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def hover(ls: ChronicleServer, params: lsp.HoverParams) -> lsp.Hover | None:
    got = ls.found_at(params.text_document.uri, params.position)
    if got is None:
        return None
    project, hit = got
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=_hover_text(ls, project, hit)),
                     range=ls.location(project, hit.span).range)


@server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
def prepare_rename(ls: ChronicleServer, params: lsp.PrepareRenameParams) -> lsp.Range | None:
    got = ls.found_at(params.text_document.uri, params.position)
    if got is None or got[1].kind not in ("scene", "variable"):
        return None
    return ls.location(got[0], got[1].span).range


@server.feature(lsp.TEXT_DOCUMENT_RENAME)
def rename(ls: ChronicleServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
    got = ls.found_at(params.text_document.uri, params.position)
    if got is None or got[1].kind not in ("scene", "variable"):
        return None
    if not ID.fullmatch(params.new_name):
        raise ValueError("an id is lower-case letters, digits and _ and starts with a letter")
    project, hit = got
    changes: dict[str, list[lsp.TextEdit]] = {}
    for span in ls.spans_of(project, hit):
        loc = ls.location(project, span)
        changes.setdefault(loc.uri, []).append(lsp.TextEdit(range=loc.range, new_text=params.new_name))
    return lsp.WorkspaceEdit(changes=changes)


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbols(ls: ChronicleServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
    path = path_of(params.text_document.uri)
    project = ls.project(path)
    if project is None or path not in project.fresh_index().files:
        return []
    f = project.index.files[path]
    out = []
    for s in f.scenes:
        r = ls.location(project, s.span).range
        out.append(lsp.DocumentSymbol(name=s.id, detail=s.title or None, kind=lsp.SymbolKind.Class, range=r,
                                      selection_range=r))
    for v in f.variables:
        r = ls.location(project, v.span).range
        out.append(lsp.DocumentSymbol(name=v.name, detail=v.type or None, kind=lsp.SymbolKind.Variable, range=r,
                                      selection_range=r))
    return out


def _quote_fix(lines: list[str], d: lsp.Diagnostic) -> lsp.TextEdit | None:
    """Put an unquoted value holding `: ` in quotes (the parser's 'mapping values are not allowed')."""
    for n in (d.range.start.line, d.range.start.line - 1):
        if not 0 <= n < len(lines):
            continue
        m = re.match(r"^(\s*(?:- +)?[A-Za-z_][A-Za-z0-9_]*:\s+)([^\"'|>#\s][^#\n]*?:\s.*?)\s*$", lines[n])
        if m:
            value = m.group(2).replace("\\", "\\\\").replace('"', '\\"')
            start = len(m.group(1))
            return lsp.TextEdit(range=lsp.Range(lsp.Position(n, utf16(lines[n], start)),
                                                lsp.Position(n, utf16(lines[n], len(lines[n].rstrip())))),
                                new_text=f'"{value}"')
    return None


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
def code_actions(ls: ChronicleServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    path = path_of(params.text_document.uri)
    project = ls.project(path)
    if project is None:
        return []
    lines = ls.lines(project, path)
    actions = []
    for d in params.context.diagnostics:
        if d.source != "chronicle":
            continue
        hint = d.data.get("hint", "") if isinstance(d.data, dict) else ""
        m = _QUOTED_HINT.search(hint or d.message)
        edit: lsp.TextEdit | None = None
        title = ""
        if m:
            edit, title = lsp.TextEdit(range=d.range, new_text=m.group(1)), f'Change to "{m.group(1)}"'
        elif d.code == "E004" or "quotes" in (hint or ""):
            edit, title = _quote_fix(lines, d), "Put the text in quotes"
        if edit is not None:
            actions.append(lsp.CodeAction(title=title, kind=lsp.CodeActionKind.QuickFix, diagnostics=[d],
                                          edit=lsp.WorkspaceEdit(changes={params.text_document.uri: [edit]})))
    return actions


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Serve one editor over these byte streams until it says exit."""
    server.start_io(stdin, stdout)
