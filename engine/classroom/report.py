"""The class report: how a class played one scenario, from the students' transcripts.

`collect()` reads transcript files and folders, picks the scenario, and loads it;
`build_report()` turns the playthroughs into a `ClassReport` (pure: no I/O); the renderers
give it as text (a rich table, imported lazily), Markdown, self-contained HTML or JSON.

What is counted (the classroom guide explains it to teachers):

- A transcript is *skipped*, with a warning naming the file, when it is damaged: no header, a
  line that is not valid JSON (for instance cut short by a crash), no closing `end` event, or
  -- for the same version of the scenario -- choices that do not replay through it.
- A transcript whose content hash differs from the scenario's was made with *another version*
  of the scenario: it is matched by stable choice ids and counted, and flagged. Choices whose
  ids the current version no longer has are left out of the counts and named in the flag.
- A playthrough *finished* when it reached an ending; otherwise it *stopped* (the student closed
  the game), and it is counted up to where it stopped.
- A game continued from a save (`chronicle play --continue`) writes a second transcript that
  begins with a `restore` event; it is joined to the transcript it continues and counted once.
- Choices that were undone do not count; the time of a decision is that of the choice that
  stands.
- `decisions`: every scene with more than one choice, in the order of the historical path and
  then of the scenario. `counts[choice]` is the number of playthroughs whose final path took
  that choice (at least once); `reached` the number that came to the scene.
- `path`: for each decision on the historical path, how many playthroughs were still on the
  historical path when they came to it (`reached`) and after it (`on_path`); `share` is
  `on_path` divided by all playthroughs counted.
- `students`: the number of distinct student names (anonymous playthroughs are counted as
  playthroughs only); `playthroughs`: the transcripts counted.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from engine.base.diagnostics import ChronicleError, Diagnostic
from engine.base.sanitize import json_text
from engine.build.loader import is_scenario, load_story
from engine.classroom.document import Bars, Document, Facts, Heading, Para, Table, Warning, to_html, to_markdown
from engine.classroom.htmlkit import Bar
from engine.core import machine
from engine.core.model import Story
from engine.saves.transcript import Playthrough, find_transcripts, read_transcript

__all__ = [
    "ClassReport",
    "Decision",
    "Row",
    "Step",
    "build_report",
    "collect",
    "load_scenario",
    "render",
    "to_json",
]


@dataclass(frozen=True)
class Row:
    """One playthrough, as counted."""

    student: str
    class_name: str
    file: str
    started: str
    choices: tuple[str, ...]  # the stable ids that count (known to this version)
    decisions: int  # decisions with a historical option passed
    departures: int  # of those, how many left the historical path
    undos: int
    ending: str | None
    ending_title: str
    ending_kind: str | None
    last_scene: str  # the title of the scene where the student stopped or ended
    flags: tuple[str, ...] = ()

    @property
    def finished(self) -> bool:
        return self.ending is not None


@dataclass(frozen=True)
class Decision:
    scene: str
    title: str
    historical_choice: str | None
    reached: int
    counts: dict[str, int]  # choice id -> playthroughs, in the scenario's order
    texts: dict[str, str]  # choice id -> its text
    seconds: tuple[float, ...]  # the time taken at this decision, one per choice that stands

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.seconds) if self.seconds else None


@dataclass(frozen=True)
class Step:
    number: int
    scene: str
    title: str
    choice: str  # the historical choice
    reached: int  # still on the historical path when they came to this decision
    on_path: int  # ... and after it
    share: float  # on_path / playthroughs


@dataclass(frozen=True)
class ClassReport:
    story: Story
    rows: tuple[Row, ...]
    endings: dict[str, int]
    decisions: tuple[Decision, ...]
    steps: tuple[Step, ...]
    skipped: tuple[tuple[str, str], ...] = ()  # (file, why)
    flagged: tuple[tuple[str, str], ...] = ()  # (file, why)
    classes: tuple[str, ...] = ()
    seconds: tuple[float, ...] = ()  # every decision time that counts

    @property
    def playthroughs(self) -> int:
        return len(self.rows)

    @property
    def students(self) -> int:
        return len({r.student for r in self.rows if r.student})

    @property
    def finished(self) -> int:
        return sum(1 for r in self.rows if r.finished)

    @property
    def stopped(self) -> int:
        return self.playthroughs - self.finished


# --- collecting ------------------------------------------------------------------------------


@dataclass
class Collected:
    story: Story
    playthroughs: list[Playthrough]
    skipped: list[tuple[str, str]] = field(default_factory=list)


def load_scenario(scenario_id: str, scenarios: str | os.PathLike[str] | None = None) -> Story:
    """Load a scenario by id, from `scenarios` (a folder of scenarios, or one) when given."""
    if scenarios is not None:
        root = Path(scenarios)
        for candidate in (root / scenario_id, root):
            if is_scenario(candidate) and (candidate.name == scenario_id or candidate == root / scenario_id):
                return load_story(candidate)
        raise ChronicleError(
            [Diagnostic(str(root), 0, 0, "error", "E206", f'no scenario "{scenario_id}" in {root}')]
        )
    return load_story(scenario_id)


def collect(
    paths: Sequence[str | os.PathLike[str]],
    scenarios: str | os.PathLike[str] | None = None,
    scenario: str | None = None,
) -> Collected:
    """Read the transcripts under `paths` and load their scenario.

    Raises ChronicleError when there is nothing to report on or the scenario cannot be loaded.
    Transcripts that cannot be used, or that are for another scenario, are listed in `skipped`.
    """
    files, problems = find_transcripts(list(paths))
    skipped: list[tuple[str, str]] = [(p, "") for p in problems]
    readable: list[Playthrough] = []
    for f in files:
        p = read_transcript(f)
        if not p.complete:
            skipped.append((str(f), "; ".join(p.problems) or "not a complete transcript"))
        else:
            readable.append(p)
    ids: dict[str, int] = {}
    for p in readable:
        ids[p.scenario] = ids.get(p.scenario, 0) + 1
    if scenario is None:
        if not ids:
            raise ChronicleError(
                [Diagnostic(", ".join(map(str, paths)) or ".", 0, 0, "error", "R001",
                            "no complete transcripts to report on",
                            "transcripts are the .jsonl files in saves/transcripts/")]
            )
        scenario = max(ids, key=lambda k: (ids[k], k))
    story = load_scenario(scenario, scenarios)
    chosen: list[Playthrough] = []
    for p in readable:
        if p.scenario != scenario:
            skipped.append((str(p.path), f'a transcript of another scenario ("{p.scenario}"); '
                                         f"make a separate report for it"))
        else:
            chosen.append(p)
    return Collected(story, chosen, skipped)


# --- counting --------------------------------------------------------------------------------


def _decision_scenes(story: Story, hist: list[str]) -> list[str]:
    order: list[str] = []
    for cid in hist:
        sc = story.choices_by_id[cid].scene
        if sc not in order:
            order.append(sc)
    order += [s for s in story.scenes if s not in order]
    return [s for s in order if len(story.scenes[s].choices) > 1]


def _row(story: Story, p: Playthrough) -> tuple[Row | None, str]:
    """The row for a playthrough, or (None, why) when it must be skipped."""
    flags: list[str] = []
    same = p.content_hash == story.content_hash
    ids = p.choice_ids
    try:
        state = machine.replay(story, ids)
        replayed = True
    except machine.ChoiceError as exc:
        if same:
            return None, f"its choices do not fit the scenario ({exc})"
        replayed = False
        state = None
    if not same:
        flags.append("made with another version of the scenario (content hash differs): matched by stable ids")
    known = [c for c in p.choices if c.choice in story.choices_by_id
             and c.scene in ("", story.choices_by_id[c.choice].scene)]
    unknown = [c.choice for c in p.choices if c not in known]
    if unknown:
        flags.append("choices not in this version, left out: " + ", ".join(unknown))
    elif not replayed:
        flags.append("the choices no longer replay in this order in this version")
    if p.continues:
        flags.append("continued from a saved game: joined with " + ", ".join(Path(f).name for f in p.continues))
    ending = p.ending
    if replayed and state is not None:
        if same and ending is not None and ending != state.scene:
            return None, f'it ends at "{ending}" but its choices lead to "{state.scene}"'
        if ending is None and machine.is_ending(story, state):
            ending = state.scene  # closed without the ending event: the choices reached it
    decisions = departures = 0
    for c in known:
        sc = story.scenes[story.choices_by_id[c.choice].scene]
        hist = sc.historical_choice
        if hist is not None and len(sc.choices) > 1:
            decisions += 1
            departures += hist.id != c.choice
    end_scene = story.scenes.get(ending) if ending else None
    if ending is not None and end_scene is None:
        flags.append(f'its ending "{ending}" is not in this version')
    last = story.scenes.get(p.last_scene or "")
    return Row(
        student=p.student or "",
        class_name=p.class_name or "",
        file=str(p.path),
        started=p.started,
        choices=tuple(c.choice for c in known),
        decisions=decisions,
        departures=departures,
        undos=p.undos,
        ending=ending,
        ending_title=end_scene.title if end_scene is not None else (ending or ""),
        ending_kind=end_scene.ending.kind if end_scene is not None and end_scene.ending else p.ending_kind,
        last_scene=last.title if last is not None else (p.last_scene or ""),
        flags=tuple(flags),
    ), ""


def join_continued(playthroughs: Sequence[Playthrough]) -> list[Playthrough]:
    """Join each game continued from a save (`chronicle play --continue`) to the transcript it
    continues: the same student, class and scenario, an earlier transcript that stopped before
    an ending where this one resumes (either path a prefix of the other). The joined
    playthrough keeps the earlier decision times and is counted once.
    """
    ordered = sorted(playthroughs, key=lambda p: (p.started, str(p.path)))
    joined: dict[int, Playthrough] = {}
    dropped: set[int] = set()
    for qi, q in enumerate(ordered):
        if not q.resumed:
            continue
        for pi in range(qi - 1, -1, -1):
            p = joined.get(pi, ordered[pi])
            if pi in dropped or p.ending is not None or (p.scenario, p.student, p.class_name) != (
                    q.scenario, q.student, q.class_name) or p.started > q.started:
                continue
            n = min(len(p.choices), len(q.resumed))
            if p.choice_ids[:n] != q.resumed[:n]:
                continue
            merged = [
                p.choices[i] if i < len(p.choices) and c.seconds is None and not c.scene
                and p.choices[i].choice == c.choice else c
                for i, c in enumerate(q.choices)
            ]
            joined[qi] = replace(q, choices=merged, started=p.started, undos=p.undos + q.undos,
                                 continues=(*p.continues, str(p.path)))
            dropped.add(pi)
            break
    return [joined.get(i, p) for i, p in enumerate(ordered) if i not in dropped]


def build_report(story: Story, playthroughs: Sequence[Playthrough],
                 skipped: Sequence[tuple[str, str]] = ()) -> ClassReport:
    rows: list[Row] = []
    kept: list[Playthrough] = []
    skip = list(skipped)
    for p in join_continued(playthroughs):
        row, why = _row(story, p)
        if row is None:
            skip.append((str(p.path), why))
        else:
            rows.append(row)
            kept.append(p)
    hist = [c.id for c in machine.historical_path(story)]

    endings: dict[str, int] = {s.id: 0 for s in story.endings}
    for r in rows:
        if r.ending is not None:
            endings[r.ending] = endings.get(r.ending, 0) + 1

    decisions: list[Decision] = []
    all_seconds: list[float] = []
    for sid in _decision_scenes(story, hist):
        sc = story.scenes[sid]
        counts = {c.id: 0 for c in sc.choices}
        reached = 0
        seconds: list[float] = []
        for row, p in zip(rows, kept, strict=True):
            taken = {cid for cid in row.choices if story.choices_by_id[cid].scene == sid}
            if taken or p.last_scene == sid or any(c.to == sid for c in p.choices) or p.start_scene == sid:
                reached += 1
            for cid in taken:
                counts[cid] += 1
            seconds += [c.seconds for c in p.choices if c.choice in counts and c.seconds is not None]
        all_seconds += seconds
        hc = sc.historical_choice
        decisions.append(Decision(sid, sc.title, hc.id if hc else None, reached, counts,
                                  {c.id: c.text for c in sc.choices}, tuple(seconds)))

    steps: list[Step] = []
    n = len(rows)
    for j, cid in enumerate(hist):
        choice = story.choices_by_id[cid]
        sc = story.scenes[choice.scene]
        if len(sc.choices) < 2 or choice.mark != "historical":
            continue
        # the same choices so far means the same state: at this decision
        reached = sum(1 for r in rows if len(r.choices) >= j and r.choices[:j] == tuple(hist[:j]))
        on = sum(1 for r in rows if r.choices[: j + 1] == tuple(hist[: j + 1]))
        steps.append(Step(len(steps) + 1, sc.id, sc.title, cid, reached, on, on / n if n else 0.0))

    flagged = tuple((r.file, "; ".join(r.flags)) for r in rows if r.flags)
    classes = tuple(sorted({r.class_name for r in rows if r.class_name}))
    return ClassReport(story, tuple(rows), endings, tuple(decisions), tuple(steps), tuple(skip),
                       flagged, classes, tuple(all_seconds))


# --- rendering -------------------------------------------------------------------------------


def _secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def to_json(report: ClassReport) -> dict[str, Any]:
    s = report.story
    return {
        "scenario": s.id,
        "title": s.title,
        "content_hash": s.content_hash,
        "students": report.students,
        "playthroughs": report.playthroughs,
        "finished": report.finished,
        "stopped": report.stopped,
        "classes": list(report.classes),
        "endings": dict(report.endings),
        "decisions": [
            {
                "scene": d.scene,
                "title": d.title,
                "historical_choice": d.historical_choice,
                "reached": d.reached,
                "counts": dict(d.counts),
                "seconds": {"n": len(d.seconds), "median": d.median, "mean": d.mean},
            }
            for d in report.decisions
        ],
        "path": [
            {"step": st.number, "scene": st.scene, "choice": st.choice, "reached": st.reached,
             "on_path": st.on_path, "share": st.share}
            for st in report.steps
        ],
        "seconds": {
            "n": len(report.seconds),
            "median": statistics.median(report.seconds) if report.seconds else None,
            "mean": statistics.fmean(report.seconds) if report.seconds else None,
        },
        "roster": [
            {"student": r.student or None, "class": r.class_name or None, "file": r.file,
             "started": r.started, "choices": list(r.choices), "decisions": r.decisions,
             "departures": r.departures, "undos": r.undos, "ending": r.ending,
             "ending_kind": r.ending_kind, "finished": r.finished, "flags": list(r.flags)}
            for r in report.rows
        ],
        "skipped": [{"file": f, "reason": why} for f, why in report.skipped],
        "flagged": [{"file": f, "reason": why} for f, why in report.flagged],
    }


def when(iso: str) -> str:
    """An ISO time from a transcript, shortened for people: "2024-03-05 10:01"."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return iso


def _how_far(r: Row) -> str:
    if r.finished:
        return f"ending: {r.ending_title}"
    return f"stopped at: {r.last_scene}"


def document(report: ClassReport) -> Document:
    """The report as a document (for Markdown and HTML)."""
    s = report.story
    doc = Document(f"Class report: {s.title}")
    facts = [("Scenario", f"{s.title} ({s.id})"), ("Role", s.role)]
    if report.classes:
        facts.append(("Class", ", ".join(report.classes)))
    facts += [
        ("Students", str(report.students)),
        ("Playthroughs", f"{report.playthroughs} ({report.finished} finished, {report.stopped} stopped early)"),
    ]
    if report.seconds:
        facts.append(("Time per decision",
                      f"median {_secs(statistics.median(report.seconds))}, "
                      f"mean {_secs(statistics.fmean(report.seconds))}"))
    doc.add(Facts(facts))
    for f, why in report.skipped:
        doc.add(Warning(f"Skipped {Path(f).name}: {why}" if why else f"Skipped: {f}"))
    for f, why in report.flagged:
        doc.add(Warning(f"Flagged {Path(f).name}: {why}"))

    doc.add(Heading("Who played, and how far"))
    doc.add(Table(
        ["Student", "Class", "Started", "How far", "Decisions on the record", "Undos", "Notes"],
        [[r.student or "(anonymous)", r.class_name, when(r.started), _how_far(r),
          f"{r.decisions - r.departures} of {r.decisions}", str(r.undos), "; ".join(r.flags)]
         for r in report.rows],
        numeric=frozenset({5}),
    ))

    doc.add(Heading("Endings reached"))
    n = report.playthroughs
    bars = []
    for sid, count in report.endings.items():
        sc = s.scenes.get(sid)
        kind = sc.ending.kind if sc is not None and sc.ending else ""
        bars.append(Bar(sc.title if sc is not None else sid, count, kind, f"{count} of {n}"))
    if report.stopped:
        bars.append(Bar("(stopped before an ending)", report.stopped, "", f"{report.stopped} of {n}"))
    doc.add(Bars("Playthroughs by ending (blue: what happened; orange: counterfactual)", bars, max(1, n)))

    if report.steps:
        doc.add(Heading("Still on the historical path"))
        doc.add(Para("The share of all playthroughs that had taken the historical option at every "
                     "decision so far.", muted=True))
        doc.add(Bars("Share of the class on the historical path after each decision",
                     [Bar(f"{st.number}. {st.title}", st.share, "historical", f"{st.on_path} of {n}")
                      for st in report.steps], 1.0, percent=True))

    doc.add(Heading("Decision points"))
    for d in report.decisions:
        doc.add(Heading(d.title, 3))
        doc.add(Para(f"{d.reached} of {n} playthroughs came to this decision; time to decide: "
                     f"median {_secs(d.median)}, mean {_secs(d.mean)}.", muted=True))
        rows = []
        for cid, count in d.counts.items():
            mark = s.choices_by_id[cid].mark or ""
            rows.append([d.texts[cid] + (" ★ what happened" if cid == d.historical_choice else ""),
                         mark, str(count)])
        doc.add(Table(["Option", "Mark", "Playthroughs"], rows, numeric=frozenset({2})))
        doc.add(Bars(f"Choices at {d.title}",
                     [Bar(d.texts[cid], count, s.choices_by_id[cid].mark or "")
                      for cid, count in d.counts.items()], max(1, d.reached)))
    return doc


def render_text(report: ClassReport, width: int = 100, color: bool = False) -> str:
    """The report for the terminal: rich tables (rich is imported only here)."""
    import io

    from rich.console import Console
    from rich.table import Table as RTable
    from rich.text import Text as RichText

    from engine.base.sanitize import clean

    def Text(value: str, style: str = "") -> RichText:  # noqa: N802 - rich's name, cleaned
        return RichText(clean(value), style=style)

    buf = io.StringIO()
    con = Console(file=buf, width=width, force_terminal=color, no_color=not color,
                  color_system="standard" if color else None, highlight=False, emoji=False)
    s = report.story
    n = report.playthroughs
    con.print(Text(f"Class report: {s.title} ({s.id})", style="bold"))
    line = f"{report.students} students, {n} playthroughs ({report.finished} finished, {report.stopped} stopped early)"
    if report.classes:
        line += f"; class {', '.join(report.classes)}"
    con.print(Text(line))
    if report.seconds:
        con.print(Text(f"Time per decision: median {_secs(statistics.median(report.seconds))}, "
                       f"mean {_secs(statistics.fmean(report.seconds))}"))
    for f, why in report.flagged:
        con.print(Text(f"flagged: {Path(f).name}: {why}", style="yellow"))

    t = RTable(title="Who played, and how far", title_justify="left")
    for h in ("Student", "Class", "How far", "On the record", "Undos"):
        t.add_column(h, justify="right" if h == "Undos" else "left")
    for r in report.rows:
        t.add_row(Text(r.student or "(anonymous)"), Text(r.class_name), Text(_how_far(r)),
                  Text(f"{r.decisions - r.departures} of {r.decisions}"), Text(str(r.undos)))
    con.print(t)

    t = RTable(title="Endings reached", title_justify="left")
    t.add_column("Ending")
    t.add_column("Kind")
    t.add_column("Playthroughs", justify="right")
    for sid, count in report.endings.items():
        sc = s.scenes.get(sid)
        kind = sc.ending.kind if sc is not None and sc.ending else ""
        t.add_row(Text(sc.title if sc is not None else sid), Text(kind), Text(str(count)))
    if report.stopped:
        t.add_row(Text("(stopped before an ending)"), Text(""), Text(str(report.stopped)))
    con.print(t)

    if report.steps:
        t = RTable(title="Still on the historical path", title_justify="left")
        t.add_column("#", justify="right")
        t.add_column("Decision")
        t.add_column("On the path", justify="right")
        t.add_column("Share", justify="right")
        for st in report.steps:
            t.add_row(str(st.number), Text(st.title), f"{st.on_path} of {n}", f"{st.share * 100:.0f}%")
        con.print(t)

    t = RTable(title="Decision points (★ = what happened)", title_justify="left")
    t.add_column("Decision")
    t.add_column("Option")
    t.add_column("Playthroughs", justify="right")
    t.add_column("Median", justify="right")
    t.add_column("Mean", justify="right")
    for d in report.decisions:
        first = True
        for cid, count in d.counts.items():
            star = "★ " if cid == d.historical_choice else "  "
            t.add_row(Text(d.title if first else ""), Text(star + d.texts[cid]), str(count),
                      _secs(d.median) if first else "", _secs(d.mean) if first else "")
            first = False
        t.add_section()
    con.print(t)
    return buf.getvalue()


def render(report: ClassReport, fmt: str, *, width: int = 100, color: bool = False) -> str:
    if fmt == "json":

        return json_text(to_json(report)) + "\n"
    if fmt == "md":
        return to_markdown(document(report))
    if fmt == "html":
        return to_html(document(report))
    if fmt == "text":
        return render_text(report, width=width, color=color)
    raise ValueError(f"unknown format {fmt!r}")
