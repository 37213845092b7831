"""Lint: a scenario that compiles but is probably not what its author meant, or not faithful, and
one error that is no slip: a story whose start can reach no ending (E512).

Warnings (W5xx) for what is probably a slip; errors (E7xx) for the fidelity rules: where a
decision has a historical option the others are marked counterfactual or neutral; a historical
choice never leads into a scene marked as ours, and cites the act itself, not only its scene;
a scene that shares an event with other scenarios has its own time.

`chronicle check` runs `lint(folder, analysis)` after every compile: after one with errors, on
the parts that compiled (`analysis.partial`), leaving out what the errors make uncertain. The checks are static
(they look at the gotos, conditions and effects, not at every state; `chronicle explore` does
that). Scenes and historical choices without a citation are compiler errors (E403, E402) and
are not repeated here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.base.codes import CODES as TABLE
from engine.base.codes import codes_with
from engine.base.diagnostics import ChronicleError, Diagnostic
from engine.build.compiler import Analysis, build
from engine.core.machine import historical_path, is_ending, replay
from engine.format import safeyaml

CODES: dict[str, str] = {**codes_with("W5"), **codes_with("E51"), **codes_with("E70")}  # areas of base.codes
FIDELITY = ("E701", "E702", "E703", "E704")  # per scenario; E705 compares scenarios (engine.tools.timeline)


class SourceFiles:
    """Re-read scenario files (only when a diagnostic needs a column) and locate paths in them: the bytes the
    analysis checked when it has them (`known`, by shown path), and the parsed files it kept (`kept`, bytes and
    document by shown path, shared with the compiler's memo) when they are of the same bytes."""

    def __init__(self, known: Mapping[str, bytes] | None = None,
                 kept: dict[str, tuple[bytes, safeyaml.Doc]] | None = None) -> None:
        self.docs: dict[str, safeyaml.Doc | None] = {}
        self.known = known or {}
        self.kept = kept

    def mark(self, file: str, path: tuple[Any, ...], line: int, *, key: bool = False) -> tuple[int, int]:
        if file not in self.docs:
            self.docs[file] = self._load(file)
        doc = self.docs[file]
        if doc is None:
            return line, 1
        return doc.mark(path, key=key)

    def _load(self, file: str) -> safeyaml.Doc | None:
        data = self.known.get(file)
        if data is not None and self.kept is not None:
            had = self.kept.get(file)
            if had is not None and had[0] == data:
                return had[1]
        try:
            doc = safeyaml.load(data if data is not None else Path(file).read_bytes(), file)
        except (OSError, ChronicleError):
            return None
        if data is not None and self.kept is not None:
            self.kept[file] = (data, doc)
        return doc


class _Out:
    """Diagnostics located in the analysed text (`SourceFiles`), collected in a list."""

    def __init__(self, files: SourceFiles) -> None:
        self.files = files
        self.out: list[Diagnostic] = []

    def warn(self, file: str, path: tuple[Any, ...], line: int, code: str, message: str, hint: str,
             *, key: bool = False) -> None:
        ln, col = self.files.mark(file, path, line, key=key)
        self.out.append(Diagnostic(file, ln, col, "warning", code, message, hint))

    def report(self, file: str, path: tuple[Any, ...], line: int, code: str, message: str, hint: str,
               *, key: bool = False) -> None:
        ln, col = self.files.mark(file, path, line, key=key)
        self.out.append(Diagnostic(file, ln, col, TABLE[code].severity, code, message, hint))


def lint(folder: Path, analysis: Analysis, memo: dict[Any, Any] | None = None, *,
         path: bool = True) -> list[Diagnostic]:
    """Warnings for a scenario: all of them after a clean compile (`analysis.ir`), those the
    errors leave certain after one with errors (`analysis.partial`).

    `memo` (kept by a caller that lints the same scenario again and again, such as the language server)
    remembers what each scene alone gives (the scene's IR is the same object while its file is unchanged:
    the compiler's file memo); the results are the same without it. `path` False leaves out the
    historical path (`path_lints`, which builds the story): the language server publishes it after the rest."""
    ir = analysis.ir if analysis.ir is not None else analysis.partial
    if ir is None:
        return []
    partial = analysis.ir is None
    unread = bool(ir.get("unread"))
    files = SourceFiles(analysis.sources, analysis.docs)
    emit = _Out(files)
    out = emit.out
    warn = emit.warn
    meta_file = str(Path(ir["scenes"][0]["file"]).parent.parent / "scenario.yaml") if ir["scenes"] else ""
    meta_file = _meta_path(folder, ir, meta_file)

    scenes = {s["id"]: s for s in ir["scenes"]}
    quotes: dict[str, str] = memo.setdefault("quotes", {}) if memo is not None else {}
    if len(quotes) > 4 * len(scenes) + 1000:  # quotes no longer cited: forget them
        quotes.clear()
    # -- what each scene alone gives: fidelity (but E702), repeated texts, debriefs, the clock ---
    known: dict[int, _Facts] = memo.get("scenes", {}) if memo else {}
    kept: dict[int, _Facts] = {}
    # the clock's findings by scene id, text and time: an edited file's other scenes have new IR, the same text
    clocks: dict[tuple[str, str, int | None], list[tuple[str, str, str]]] = memo.get("clock", {}) if memo else {}
    said: dict[tuple[str, str, int | None], list[tuple[str, str, str]]] = {}
    for s in ir["scenes"]:
        own = s["time"] if s["time"] is not None or s["id"] != ir["start"] else ir.get("clock")
        had = known.get(id(s))
        if had is None or had.scene is not s or had.own != own:
            had = _facts(s, own, files, quotes, clocks)
        kept[id(s)] = had
        said[had.clock] = had.said
        out.extend(had.found)
    if memo is not None:
        memo["scenes"] = kept  # this version's scenes only (each kept alive with its entry)
        memo["clock"] = said
    facts = [kept[id(s)] for s in ir["scenes"]]
    _leads_into_invented(facts, scenes, emit)
    # -- reachability by gotos, forwards from the start and backwards from the endings -------
    targets = {f.scene["id"]: f.targets for f in facts}
    forward: set[str] = set()
    todo = [ir["start"]]
    while todo:
        sid = todo.pop()
        if sid in forward or sid not in scenes:
            continue
        forward.add(sid)
        todo.extend(targets[sid])
    back: dict[str, list[str]] = {sid: [] for sid in scenes}
    for f in facts:
        for target in f.targets:
            back.setdefault(target, []).append(f.scene["id"])
    to_end: set[str] = set()
    todo = [s["id"] for s in ir["scenes"] if s["ending"] is not None]
    while todo:
        sid = todo.pop()
        if sid in to_end:
            continue
        to_end.add(sid)
        todo.extend(back.get(sid, []))
    start = scenes.get(ir["start"])
    if start is not None and ir["start"] not in to_end:
        ln, col = files.mark(start["file"], ("scenes", ir["start"]), start["line"], key=True)
        out.append(Diagnostic(start["file"], ln, col, "error", "E512",
                              f'no ending can be reached from the start scene "{ir["start"]}" by any goto',
                              "every game would go on forever or get stuck: add a scene with ending: and "
                              "a choice that leads to it"))
    for s in ir["scenes"]:
        sp = ("scenes", s["id"])
        if unread or ir["start"] not in scenes:
            pass  # a path may run through a scene of a file that could not be read
        elif s["id"] not in forward:
            warn(s["file"], sp, s["line"], "W501", f'scene "{s["id"]}" cannot be reached from the start',
                 "add a choice whose goto leads here, or delete the scene", key=True)
        elif s["id"] not in to_end:
            warn(s["file"], sp, s["line"], "W508", f'no ending can be reached from scene "{s["id"]}"',
                 "the player is caught in a loop or a dead end: add a choice that leads on to an ending",
                 key=True)
    conditions = analysis.conditions
    for f in facts:
        for ci, when, line in f.whens:
            cond = conditions.get(when)
            if cond is not None and cond.constant is not None:
                warn(f.scene["file"], ("scenes", f.scene["id"], "choices", ci, "when"), line, "W509",
                     f'the condition "{when}" is always {"true" if cond.constant else "false"}',
                     "remove the condition" if cond.constant else "the choice can never be taken: "
                     "fix the condition or remove the choice")

    # -- variables ------------------------------------------------------------------------------
    cond_reads: set[str] = set()
    for cond in analysis.conditions.values():
        cond_reads |= cond.reads
    writes: set[str] = set()
    all_reads: set[str] = set()
    for eff in analysis.effects.values():
        writes |= eff.writes
        all_reads |= eff.reads
    for temp in analysis.templates.values():
        all_reads |= temp.reads
    if partial:  # an expression with an error still uses the names it mentions
        mentioned = set().union(*(f.mentioned() for f in facts))
        all_reads |= mentioned
        writes |= mentioned
    for v in ir["variables"]:
        name = v["name"]
        vp = ("variables", name)
        if name not in cond_reads | all_reads | writes:
            if not v["visible"]:
                warn(meta_file, vp, 0, "W502", f'variable "{name}" is never used',
                     "remove it, or use it in a when: condition or a do: effect", key=True)
        elif name in cond_reads and name not in writes:
            warn(meta_file, vp, 0, "W503", f'variable "{name}" is read by conditions but never changed',
                 f'every condition on it always has the same result: add a do: effect that sets "{name}"',
                 key=True)

    # -- the frame ------------------------------------------------------------------------------
    if not ir["questions"]:
        warn(meta_file, (), 1, "W507", "the scenario has no discussion questions",
             "add questions: a list of questions shown after every ending")

    if partial:
        return sorted(out)
    if path:
        out.extend(path_lints(analysis, files))
    out.extend(schema_lines(folder))
    return sorted(out)


def path_lints(analysis: Analysis, files: SourceFiles | None = None) -> list[Diagnostic]:
    """W510 and W511, the historical path (after a clean compile only: nothing otherwise): the story is built
    and its historical choices followed from the start. The slow part of `lint` on a large scenario."""
    ir = analysis.ir
    if ir is None:
        return []
    emit = _Out(files if files is not None else SourceFiles(analysis.sources, analysis.docs))
    warn = emit.warn
    scenes = {s["id"]: s for s in ir["scenes"]}
    story = build(ir, analysis)
    limit = max(10_000, 4 * len(story.scenes))  # a path longer than that loops
    taken = historical_path(story, limit)
    state = replay(story, [c.id for c in taken])
    last = scenes.get(state.scene)
    if last is not None and not is_ending(story, state) and len(taken) >= limit:
        warn(last["file"], ("scenes", state.scene), last["line"], "W510",
             f"the historical path does not end: after {len(taken):,} choices it is still going, "
             f'at scene "{state.scene}"',
             "a loop of historical choices: mark the way out of it historical: true", key=True)
    elif last is not None and not is_ending(story, state):
        warn(last["file"], ("scenes", state.scene), last["line"], "W510",
             f'the historical path stops at scene "{state.scene}": no open choice is marked historical',
             "mark what really happened with historical: true (the debrief compares the player's "
             "path with it)", key=True)
    elif last is not None and last["ending"] is not None and last["ending"].get("kind") != "historical":
        warn(last["file"], ("scenes", state.scene, "ending", "kind"), last["line"], "W511",
             f'the historical path ends in "{state.scene}", a counterfactual ending',
             "check the historical: marks along the way, or the ending's kind")
    return emit.out


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class _Facts:
    """What lint needs of one scene, and what the scene alone gives: kept while the scene's IR is the same."""

    scene: dict[str, Any]
    own: int | None  # its time (the scenario's clock for a start scene without one)
    found: list[Diagnostic]  # fidelity (but E702), repeated texts, debriefs, the clock
    targets: tuple[Any, ...]  # each choice's goto
    whens: tuple[tuple[int, str, int], ...]  # (choice number, condition, line)
    historical: tuple[dict[str, Any], ...]  # the choices marked historical
    clock: tuple[str, str, int | None]  # what the clock's findings depend on: its id, text and time
    said: list[tuple[str, str, str]]  # the clock's findings (`_clock_warnings`)
    _mentioned: frozenset[str] | None = None

    def mentioned(self) -> frozenset[str]:
        """The names its conditions, effects and templates mention (read after a compile with errors)."""
        if self._mentioned is None:
            choices = self.scene["choices"]
            texts = [c["when"] for c in choices if c["when"]] + [d for c in choices for d in c["do"]] + \
                [t for _, t in self.scene.get("templates", ())]
            self._mentioned = frozenset(name for text in texts for name in _NAME.findall(text))
        return self._mentioned


def _facts(s: dict[str, Any], own: int | None, files: SourceFiles, quotes: dict[str, str],
           clocks: dict[tuple[str, str, int | None], list[tuple[str, str, str]]]) -> _Facts:
    alone = _Out(files)
    clock = (s["id"], str(s["text"] or "")[:20_000], own)  # the schema's limit
    said = clocks.get(clock)
    if said is None:
        said = _clock_warnings(*clock)
    _scene_lints(s, said, alone, quotes)
    choices = s["choices"]
    return _Facts(s, own, alone.out, tuple(c["target"] for c in choices),
                  tuple((ci, c["when"], c["line"]) for ci, c in enumerate(choices) if c["when"] is not None),
                  tuple(c for c in choices if c["mark"] == "historical"),
                  clock, said)


def _scene_lints(s: dict[str, Any], clock: list[tuple[str, str, str]], emit: _Out, quotes: dict[str, str]) -> None:
    """What a scene alone gives (`clock`: what its text says of the time, against its own)."""
    _fidelity(s, emit.report, quotes)
    sp = ("scenes", s["id"])
    warn = emit.warn
    if s.get("ending") is not None and not (s["ending"].get("debrief") or "").strip():
        warn(s["file"], sp + ("ending",), s["line"], "W506", f'ending "{s["id"]}" has no debrief',
             "add debrief: how this ending relates to the record", key=True)
    texts: dict[str, int] = {}
    for ci, c in enumerate(s["choices"]):
        if "text" not in c:
            continue  # a lean scene (not kept for warnings)
        norm = " ".join(c["text"].split()).casefold()
        if norm in texts:
            warn(s["file"], sp + ("choices", ci, "text"), c["line"], "W505",
                 f'choices {texts[norm] + 1} and {ci + 1} of scene "{s["id"]}" have the same text',
                 "players cannot tell them apart: reword one of them")
        else:
            texts[norm] = ci
    # -- the clock: the header must keep up with the prose ------------------------------------
    for code, message, hint in clock:
        warn(s["file"], ("scenes", s["id"], "text"), s["line"], code, message, hint, key=True)


def _citations(items: list[dict[str, Any]], quotes: dict[str, str]) -> set[tuple[str, str]]:
    """The (source, quote with its spaces normalized) of each citation; `quotes` remembers the normalized quotes."""
    out = set()
    for c in items:
        quote = c["quote"]
        norm = quotes.get(quote)
        if norm is None:
            norm = quotes[quote] = " ".join(quote.split())
        out.add((c["source"], norm))
    return out


def _fidelity(s: dict[str, Any], report: Any, quotes: dict[str, str]) -> None:
    """The fidelity rules of a scene alone (E701, E703, E704), each on the scene or choice that breaks it."""
    sp = ("scenes", s["id"])
    choices = s["choices"]
    historical = [c for c in choices if c["mark"] == "historical"]
    if historical and len(choices) > 1:
        for c in choices:
            if c["mark"] is None:
                report(s["file"], sp + ("choices", c["at"], "text"), c["line"], "E701",
                       f'scene "{s["id"]}" has a historical option, but "{_short(c["text"])}" '
                       "is marked neither counterfactual nor neutral",
                       "add counterfactual: true (it did not happen) or neutral: true (the record "
                       "says neither way)")
    scene_cites = _citations(s["record"], quotes) if historical else set()
    for c in historical:
        own = _citations(c["record"], quotes)
        if own and own <= scene_cites:
            report(s["file"], sp + ("choices", c["at"], "record"), c["line"], "E703",
                   f'the historical choice "{_short(c["text"])}" cites only what its scene cites',
                   "cite the passage that shows the act itself on the choice (it may stay on the "
                   "scene too)", key=True)
    if s["events"] and s["time"] is None:
        report(s["file"], sp + ("events",), s["line"], "E704",
               f'scene "{s["id"]}" shares the events {", ".join(s["events"])} but has no time',
               'give the scene the time: "HH:MM" the record gives the event, the same in every '
               "scenario that shares it", key=True)


def _leads_into_invented(facts: list[_Facts], scenes: dict[str, dict[str, Any]], emit: _Out) -> None:
    """E702: a historical choice that leads into a scene marked invented."""
    if not any(s["invented"] for s in scenes.values()):
        return
    for f in facts:
        s = f.scene
        for c in f.historical:
            target = scenes.get(c["target"])
            if target is not None and target["invented"]:
                emit.report(s["file"], ("scenes", s["id"], "choices", c["at"], "goto"), c["line"], "E702",
                            f'the historical choice "{_short(c["text"])}" leads into "{target["id"]}", '
                            "a scene marked invented",
                            "what really happened cannot lead into what is ours: send the choice to a "
                            "scene on the record, or mark it counterfactual")


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def schema_lines(folder: Path) -> list[Diagnostic]:
    """W512 for every scenario file whose first line points editors at a schema file that is not there."""
    from engine.base.paths import scenario_files
    from engine.build.compiler import display_path
    from engine.format.schema import SCHEMA_LINE, schema_line

    out = []
    for f in scenario_files(folder):
        try:
            with open(f, "rb") as stream:
                first = stream.readline(4096).decode("utf-8", "replace").rstrip("\r\n")
        except OSError:
            continue
        if not first.startswith(SCHEMA_LINE):
            continue
        ref = first[len(SCHEMA_LINE):].strip()
        if ref.startswith(("http://", "https://")):
            continue  # a web address: not ours to check
        target = Path(ref[len("file://"):]) if ref.startswith("file://") else f.parent / ref
        if ref and target.is_file():
            continue
        wanted = schema_line(f.relative_to(folder).as_posix())
        out.append(Diagnostic(display_path(f), 1, len(SCHEMA_LINE) + 1, "warning", "W512",
                              f"the editor schema line points at {ref or 'nothing'}, which is not there",
                              f"run `chronicle schema --write {display_path(folder.parent)}` and make the first "
                              f"line `{wanted}`"))
    return out


def _clock_warnings(scene: str, text: str, own: int | None) -> list[tuple[str, str, str]]:
    """W513: the time the text names (or the hours it lets pass) against the scene's `time`."""
    from engine.core.calendar import format_time
    from engine.tools.clocktext import TOLERANCE, distance, said_spans, said_times

    out: list[tuple[str, str, str]] = []
    times = said_times(text)
    if times and own is None:
        out.append(("W513", f'the text of scene "{scene}" says "{times[0].phrase}", but the scene has no time: '
                            "the header still shows the time of the scene before",
                    'give the scene the time its text names (time: "HH:MM")'))
    elif times and own is not None and all(distance(t, own) > TOLERANCE for t in times):
        out.append(("W513", f'the text of scene "{scene}" says "{times[0].phrase}", but its time is '
                            f"{format_time(own)}",
                    "make the time agree with the text, or reword the text"))
    spans = said_spans(text)
    if spans and own is None:
        out.append(("W513", f'in scene "{scene}" "{spans[0][0]}" pass, but the scene has no time: the header '
                            "still shows the time of the scene before",
                    'give the scene a time as late as its text (time: "HH:MM"), if the record allows'))
    return out


def _meta_path(folder: Path, ir: dict[str, Any], guess: str) -> str:
    from engine.build.compiler import display_path

    path = Path(folder) / "scenario.yaml"
    return display_path(path) if path.is_file() else guess
