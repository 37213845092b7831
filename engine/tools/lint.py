"""Lint: warnings about a scenario that compiles but is probably not what its author meant.

`chronicle check` runs `lint(folder, analysis)` after a clean compile. The checks are static
(they look at the gotos, conditions and effects, not at every state; `chronicle explore` does
that). Scenes and historical choices without a citation are compiler errors (E403, E402) and
are not repeated here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.base.diagnostics import ChronicleError, Diagnostic
from engine.build.compiler import Analysis, build
from engine.core.machine import historical_path, is_ending, replay
from engine.format import safeyaml

CODES: dict[str, str] = {
    "W501": "a scene that no path of gotos from the start reaches",
    "W502": "a variable that is never read or written",
    "W503": "a variable that conditions read but no effect ever changes",
    "W505": "two choices of a scene with the same text",
    "W506": "an ending without a debrief",
    "W507": "a scenario without discussion questions",
    "W508": "a scene from which no ending can be reached by any goto",
    "W509": "a condition that is always true or always false",
    "W510": "the historical path stops before an ending",
    "W511": "the historical path ends in a counterfactual ending",
    "W512": "a scene whose text names a time of day or hours passing, but whose time disagrees or is missing",
}


class _Files:
    """Re-read scenario files (only when a diagnostic needs a column) and locate paths in them."""

    def __init__(self) -> None:
        self.docs: dict[str, safeyaml.Doc | None] = {}

    def mark(self, file: str, path: tuple[Any, ...], line: int, *, key: bool = False) -> tuple[int, int]:
        if file not in self.docs:
            try:
                self.docs[file] = safeyaml.load(Path(file).read_bytes(), file)
            except (OSError, ChronicleError):
                self.docs[file] = None
        doc = self.docs[file]
        if doc is None:
            return line, 1
        return doc.mark(path, key=key)


def lint(folder: Path, analysis: Analysis) -> list[Diagnostic]:
    """Warnings for a scenario that compiled cleanly (`analysis.ir` is not None)."""
    ir = analysis.ir
    if ir is None:
        return []
    files = _Files()
    out: list[Diagnostic] = []
    meta_file = str(Path(ir["scenes"][0]["file"]).parent.parent / "scenario.yaml") if ir["scenes"] else ""
    meta_file = _meta_path(folder, ir, meta_file)

    def warn(file: str, path: tuple[Any, ...], line: int, code: str, message: str, hint: str,
             *, key: bool = False) -> None:
        ln, col = files.mark(file, path, line, key=key)
        out.append(Diagnostic(file, ln, col, "warning", code, message, hint))

    scenes = {s["id"]: s for s in ir["scenes"]}
    # -- reachability by gotos, forwards from the start and backwards from the endings -------
    forward: set[str] = set()
    todo = [ir["start"]]
    while todo:
        sid = todo.pop()
        if sid in forward or sid not in scenes:
            continue
        forward.add(sid)
        todo.extend(c["target"] for c in scenes[sid]["choices"])
    back: dict[str, list[str]] = {sid: [] for sid in scenes}
    for s in ir["scenes"]:
        for c in s["choices"]:
            back.setdefault(c["target"], []).append(s["id"])
    to_end: set[str] = set()
    todo = [s["id"] for s in ir["scenes"] if s["ending"] is not None]
    while todo:
        sid = todo.pop()
        if sid in to_end:
            continue
        to_end.add(sid)
        todo.extend(back.get(sid, []))
    for s in ir["scenes"]:
        sp = ("scenes", s["id"])
        if s["id"] not in forward:
            warn(s["file"], sp, s["line"], "W501", f'scene "{s["id"]}" cannot be reached from the start',
                 "add a choice whose goto leads here, or delete the scene", key=True)
        elif s["id"] not in to_end:
            warn(s["file"], sp, s["line"], "W508", f'no ending can be reached from scene "{s["id"]}"',
                 "the player is caught in a loop or a dead end: add a choice that leads on to an ending",
                 key=True)
        if s["ending"] is not None and not (s["ending"].get("debrief") or "").strip():
            warn(s["file"], sp + ("ending",), s["line"], "W506", f'ending "{s["id"]}" has no debrief',
                 "add debrief: how this ending relates to the record", key=True)
        texts: dict[str, int] = {}
        for ci, c in enumerate(s["choices"]):
            norm = " ".join(c["text"].split()).casefold()
            if norm in texts:
                warn(s["file"], sp + ("choices", ci, "text"), c["line"], "W505",
                     f'choices {texts[norm] + 1} and {ci + 1} of scene "{s["id"]}" have the same text',
                     "players cannot tell them apart: reword one of them")
            else:
                texts[norm] = ci
            cond = analysis.conditions.get(c["when"]) if c["when"] is not None else None
            if cond is not None and cond.constant is not None:
                warn(s["file"], sp + ("choices", ci, "when"), c["line"], "W509",
                     f'the condition "{c["when"]}" is always {"true" if cond.constant else "false"}',
                     "remove the condition" if cond.constant else "the choice can never be taken: "
                     "fix the condition or remove the choice")

    # -- the clock: the header must keep up with the prose ------------------------------------
    for s in ir["scenes"]:
        own = s["time"] if s["time"] is not None or s["id"] != ir["start"] else ir.get("clock")
        for code, message, hint in _clock_warnings(s["id"], str(s["text"] or ""), own):
            warn(s["file"], ("scenes", s["id"], "text"), s["line"], code, message, hint, key=True)

    # -- variables ------------------------------------------------------------------------------
    cond_reads: set[str] = set()
    for cond in analysis.conditions.values():
        cond_reads |= cond.reads
    writes: set[str] = set()
    all_reads: set[str] = set()
    for eff in analysis.effects.values():
        writes |= eff.writes
        all_reads |= eff.reads
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

    # -- the historical path --------------------------------------------------------------------
    story = build(ir, analysis)
    taken = historical_path(story)
    state = replay(story, [c.id for c in taken])
    last = scenes.get(state.scene)
    if last is not None and not is_ending(story, state):
        warn(last["file"], ("scenes", state.scene), last["line"], "W510",
             f'the historical path stops at scene "{state.scene}": no open choice is marked historical',
             "mark what really happened with historical: true (the debrief compares the player's "
             "path with it)", key=True)
    elif last is not None and last["ending"] is not None and last["ending"].get("kind") != "historical":
        warn(last["file"], ("scenes", state.scene, "ending", "kind"), last["line"], "W511",
             f'the historical path ends in "{state.scene}", a counterfactual ending',
             "check the historical: marks along the way, or the ending's kind")
    return sorted(out)


def _clock_warnings(scene: str, text: str, own: int | None) -> list[tuple[str, str, str]]:
    """W512: the time the text names (or the hours it lets pass) against the scene's `time`."""
    from engine.core.calendar import format_time
    from engine.tools.clocktext import TOLERANCE, distance, said_spans, said_times

    out: list[tuple[str, str, str]] = []
    times = said_times(text)
    if times and own is None:
        out.append(("W512", f'the text of scene "{scene}" says "{times[0].phrase}", but the scene has no time: '
                            "the header still shows the time of the scene before",
                    'give the scene the time its text names (time: "HH:MM")'))
    elif times and own is not None and all(distance(t, own) > TOLERANCE for t in times):
        out.append(("W512", f'the text of scene "{scene}" says "{times[0].phrase}", but its time is '
                            f"{format_time(own)}",
                    "make the time agree with the text, or reword the text"))
    spans = said_spans(text)
    if spans and own is None:
        out.append(("W512", f'in scene "{scene}" "{spans[0][0]}" pass, but the scene has no time: the header '
                            "still shows the time of the scene before",
                    'give the scene a time as late as its text (time: "HH:MM"), if the record allows'))
    return out


def _meta_path(folder: Path, ir: dict[str, Any], guess: str) -> str:
    from engine.build.compiler import display_path

    path = Path(folder) / "scenario.yaml"
    return display_path(path) if path.is_file() else guess
