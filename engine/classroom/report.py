"""The class report: how a class played each scenario, from the students' transcripts.

`collect()` reads transcript files and folders, groups them by scenario and loads each
scenario; `build_report()` turns one scenario's playthroughs into a `ClassReport` (pure: no
I/O); the renderers give one or several reports as text (a rich table, imported lazily),
Markdown, self-contained HTML, JSON or CSV (one row per student, for a gradebook).

What is counted (the classroom guide in README.md explains it to teachers):

- A transcript is *left out*, with a warning naming the file and the reason, when it cannot be
  trusted: no header, a damaged line before its end, or -- for the same version of the
  scenario -- choices that do not replay through it. A transcript *closed before the end* (no
  closing `end` event: a closed window, a crash, a killed process) is counted up to its last
  complete line; a half-written last line is ignored. It is marked, not left out.
- A transcript whose content hash differs from the scenario's was made with *another version*
  of the scenario: it is matched by stable choice ids and counted, and flagged.
- A *game* has an id, kept when it is continued (`--continue`) or loaded: the transcripts of one
  game are joined into one playthrough, whatever their names or order (transcripts from before
  game ids are joined by the old rule: same student, class and scenario, paths that agree).
- Undone choices do not count; a `restart` undoes every choice (one playthrough, the restart
  shown). Choices before the chapter a game started at were not the student's: not counted.
- A playthrough *finished* when it reached an ending; otherwise it *stopped*.
- `decisions`: every scene with more than one choice, in the order of the historical path and
  then of the scenario. `counts[choice]`: the playthroughs whose final path took that choice;
  `reached`: the playthroughs that came to this decision themselves.
- `steps`: for each decision on the historical path, the students who came to it still on the
  historical path and made it (`made`), how many of them stayed and left (and for what), and how
  many stopped there without deciding (`stopped`, never counted as leaving). `share` is the
  share of the class still on the record after it: 100% at the start, multiplied at each
  decision by the share of those who made it that stayed (students who stopped earlier are
  not counted as leaving). The decision with the largest fall is the one to discuss.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.base import valueclass
from engine.base.diagnostics import ChronicleError, Diagnostic
from engine.base.safe_text import json_text
from engine.build.loader import is_scenario, load_story
from engine.classroom.document import Bars, Document, Facts, Heading, Para, Table, Warning
from engine.classroom.formats import document_formats, render_document
from engine.classroom.htmlkit import Bar
from engine.core import machine
from engine.core.model import Story
from engine.expressions.template import outline
from engine.format.schema import ID
from engine.saves.transcript import Playthrough, find_transcripts, read_transcript

__all__ = [
    "ClassReport",
    "Collected",
    "Decision",
    "Row",
    "HistoricalStep",
    "anonymize",
    "build_report",
    "collect",
    "load_scenario",
    "render_report",
    "render_all",
    "to_csv",
    "report_json",
]


@dataclass(frozen=True)
class Row:
    """One playthrough, as counted."""

    student: str
    class_name: str
    file: str
    started: str
    choices: tuple[str, ...]  # the stable ids the student chose that count (known to this version)
    decisions: int  # decisions with a historical option the student made
    departures: int  # of those, how many left the historical path
    undos: int
    ending: str | None
    ending_title: str
    ending_kind: str | None
    last_scene: str  # the title of the scene where the student stopped or ended
    flags: tuple[str, ...] = ()
    given: tuple[str, ...] = ()  # the historical choices before the chapter the game started at
    chapter: str | None = None
    restarts: int = 0
    closed_early: bool = False  # the transcript ends without its closing line (a crash, a closed window)
    seconds: float = 0.0  # time spent deciding, over every choice made
    game: str | None = None

    @property
    def finished(self) -> bool:
        return self.ending is not None

    @property
    def path(self) -> tuple[str, ...]:
        return self.given + self.choices


@dataclass(frozen=True)
class Decision:
    scene: str
    title: str
    historical_choice: str | None
    reached: int  # came to this decision themselves
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
class HistoricalStep:
    number: int
    scene: str
    title: str
    choice: str  # the historical choice
    made: int  # came to it on the historical path and decided
    stayed: int  # ... and took the historical option
    left: dict[str, int]  # ... and took another: choice id -> playthroughs
    stopped: int  # came to it on the historical path and stopped there
    share: float  # the share of the class still on the record after it (1.0 at the start)
    drop: float  # how much the share fell here

    @property
    def departures(self) -> int:
        return self.made - self.stayed


@dataclass(frozen=True)
class ClassReport:
    story: Story
    rows: tuple[Row, ...]
    endings: dict[str, int]
    decisions: tuple[Decision, ...]
    steps: tuple[HistoricalStep, ...]
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

    @property
    def closed_early(self) -> int:
        return sum(1 for r in self.rows if r.closed_early)

    @property
    def largest_drop(self) -> HistoricalStep | None:
        """The decision where most of the class left the record (None if nobody left it)."""
        best = max(self.steps, key=lambda st: (st.drop, -st.number), default=None)
        return best if best is not None and best.drop > 0 else None


# --- collecting ------------------------------------------------------------------------------


@dataclass
class Collected:
    story: Story
    playthroughs: list[Playthrough]
    skipped: list[tuple[str, str]] = field(default_factory=list)


def load_scenario(scenario_id: str, scenarios: str | os.PathLike[str] | None = None) -> Story:
    """Load a scenario by id, from `scenarios` (a folder of scenarios, or one) when given.

    The id is what a transcript says (a student's file): it is only ever looked up as an id, among
    the scenarios, never followed as a path."""
    if not ID.fullmatch(scenario_id):
        raise ChronicleError([Diagnostic(scenario_id[:80], 0, 0, "error", "E206",
                                         f'"{scenario_id[:80]}" is not a scenario id',
                                         "a scenario id is lower-case letters, digits and _")])
    if scenarios is not None:
        root = Path(scenarios)
        for candidate in (root / scenario_id, root):
            if is_scenario(candidate) and (candidate.name == scenario_id or candidate == root / scenario_id):
                return load_story(candidate)
        raise ChronicleError(
            [Diagnostic(str(root), 0, 0, "error", "E206", f'no scenario "{scenario_id}" in {root}')]
        )
    return load_story(scenario_id, by_id=True)


def _read_all(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[Playthrough], list[tuple[str, str]]]:
    files, problems = find_transcripts(list(paths))
    skipped: list[tuple[str, str]] = [(p, "") for p in problems]
    readable: list[Playthrough] = []
    for f in files:
        p = read_transcript(f)
        if not p.usable:
            skipped.append((str(f), "; ".join(p.serious or p.problems) or "not a transcript"))
        else:
            readable.append(p)
    return readable, skipped


def _nothing(paths: Sequence[str | os.PathLike[str]], skipped: list[tuple[str, str]]) -> ChronicleError:
    named = [f"{Path(f).name}: {why}" if why else f for f, why in skipped][:50]
    return ChronicleError(
        [Diagnostic(", ".join(map(str, paths)) or ".", 0, 0, "error", "R001",
                    "no transcripts to report on" + ("; left out: " + "; ".join(named) if named else ""),
                    "transcripts are the .jsonl files in saves/transcripts/")]
    )


def collect_all(
    paths: Sequence[str | os.PathLike[str]],
    scenarios: str | os.PathLike[str] | None = None,
    scenario: str | None = None,
) -> tuple[list[Collected], list[tuple[str, str]]]:
    """The transcripts under `paths`, one group per scenario (most played first), each with its
    scenario loaded; and the files left out, each with its reason. ChronicleError when there is
    nothing to report on (naming every file left out) or a scenario cannot be loaded."""
    readable, skipped = _read_all(paths)
    ids: dict[str, int] = {}
    for p in readable:
        ids[p.scenario] = ids.get(p.scenario, 0) + 1
    if scenario is not None:
        wanted = [scenario]
        for p in readable:
            if p.scenario != scenario:
                skipped.append((str(p.path), f'a transcript of another scenario ("{p.scenario}")'))
    else:
        wanted = sorted(ids, key=lambda k: (-ids[k], k))
    if not wanted:
        raise _nothing(paths, skipped)
    groups: list[Collected] = []
    failed: ChronicleError | None = None
    for sid in wanted:
        mine = [p for p in readable if p.scenario == sid]
        try:
            groups.append(Collected(load_scenario(sid, scenarios), mine))
        except ChronicleError as exc:
            failed = failed or exc
            why = exc.diagnostics[0].message if exc.diagnostics else str(exc)
            skipped += [(str(p.path), f'its scenario "{sid}" cannot be loaded: {why}') for p in mine]
    if not groups:
        assert failed is not None
        raise failed
    return groups, skipped


def collect(
    paths: Sequence[str | os.PathLike[str]],
    scenarios: str | os.PathLike[str] | None = None,
    scenario: str | None = None,
) -> Collected:
    """The transcripts of one scenario (`scenario`, else the most played); the others are skipped."""
    groups, skipped = collect_all(paths, scenarios, scenario)
    first = groups[0]
    for g in groups[1:]:
        skipped += [(str(p.path), f'a transcript of another scenario ("{p.scenario}")') for p in g.playthroughs]
    return Collected(first.story, first.playthroughs, skipped)


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
    """The row for a playthrough, or (None, why) when it must be left out."""
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
        flags.append("continued later: joined with " + ", ".join(Path(f).name for f in p.continues))
    ending = p.ending
    if replayed and state is not None:
        if same and ending is not None and ending != state.scene:
            return None, f'it ends at "{ending}" but its choices lead to "{state.scene}"'
        if ending is None and machine.is_ending(story, state):
            ending = state.scene  # closed without the ending event: the choices reached it
    closed_early = not p.closed
    if closed_early:
        flags.append("closed before the end (no closing line: a closed window or a crash); "
                     "counted up to its last complete line")
    if p.restarts:
        flags.append(f"started again {p.restarts} time{'s' if p.restarts != 1 else ''}; "
                     "the choices before are not counted")
    given = tuple(c.choice for c in known if c.given)
    own = [c for c in known if not c.given]
    decisions = departures = 0
    for c in own:
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
        choices=tuple(c.choice for c in own),
        decisions=decisions,
        departures=departures,
        undos=p.undos,
        ending=ending,
        ending_title=end_scene.title if end_scene is not None else (ending or ""),
        ending_kind=end_scene.ending.kind if end_scene is not None and end_scene.ending else p.ending_kind,
        last_scene=last.title if last is not None else (p.last_scene or ""),
        flags=tuple(flags),
        given=given,
        chapter=p.chapter,
        restarts=p.restarts,
        closed_early=closed_early,
        seconds=p.played,
        game=p.game,
    ), ""


def _merge(parts: Sequence[Playthrough]) -> Playthrough:
    """The transcripts of one game, oldest first, as one playthrough: the last part's path, with
    the decision times of the earlier parts for the choices it carried over."""
    first, last = parts[0], parts[-1]
    earlier: dict[int, tuple[str, float | None]] = {}
    for p in parts[:-1]:
        for i, c in enumerate(p.choices):
            if c.seconds is not None:
                earlier[i] = (c.choice, c.seconds)
    merged = [
        valueclass.replace(c, seconds=earlier[i][1], scene=last.choices[i].scene or c.scene)
        if c.seconds is None and i in earlier and earlier[i][0] == c.choice and not c.given else c
        for i, c in enumerate(last.choices)
    ]
    return valueclass.replace(
        last, choices=merged, started=first.started,
        student=next((p.student for p in parts if p.student), None),
        class_name=next((p.class_name for p in parts if p.class_name), None),
        undos=sum(p.undos for p in parts), restarts=sum(p.restarts for p in parts),
        played=sum(p.played for p in parts), chapter=first.chapter,
        continues=tuple(str(p.path) for p in parts[:-1]),
    )


def join_games(playthroughs: Sequence[Playthrough]) -> list[Playthrough]:
    """One playthrough per game: transcripts with the same game id are joined (oldest first);
    transcripts from before game ids by `join_continued`."""
    by_game: dict[tuple[str, str], list[Playthrough]] = {}
    legacy: list[Playthrough] = []
    for p in playthroughs:
        if p.game:
            by_game.setdefault((p.scenario, p.game), []).append(p)
        else:
            legacy.append(p)
    out = [_merge(sorted(parts, key=lambda p: (instant(p.started), p.choices and len(p.choices), str(p.path))))
           for parts in by_game.values()]
    out += join_continued(legacy)
    return sorted(out, key=lambda p: (instant(p.started), str(p.path)))


def instant(started: str) -> tuple[float, str]:
    """A sort key for a transcript's start time: the moment it names (parts written on computers
    with different UTC offsets, or in a browser and a terminal, order by time, not by text); a
    time that does not parse sorts after every one that does."""
    try:
        when = datetime.fromisoformat(started)
    except ValueError:
        return float("inf"), started
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp(), started


def join_continued(playthroughs: Sequence[Playthrough]) -> list[Playthrough]:
    """(Transcripts without a game id.) Join each game continued from a save to the transcript it
    continues: the same student, class and scenario, an earlier transcript that stopped before
    an ending where this one resumes (either path a prefix of the other)."""
    ordered = sorted(playthroughs, key=lambda p: (instant(p.started), str(p.path)))
    joined: dict[int, Playthrough] = {}
    dropped: set[int] = set()
    for qi, q in enumerate(ordered):
        if not q.resumed:
            continue
        for pi in range(qi - 1, -1, -1):
            p = joined.get(pi, ordered[pi])
            if pi in dropped or p.ending is not None or (p.scenario, p.student, p.class_name) != (
                    q.scenario, q.student, q.class_name) or instant(p.started) > instant(q.started):
                continue
            n = min(len(p.choices), len(q.resumed))
            if p.choice_ids[:n] != q.resumed[:n]:
                continue
            joined[qi] = _merge([p, q])
            dropped.add(pi)
            break
    return [joined.get(i, p) for i, p in enumerate(ordered) if i not in dropped]


def _steps(story: Story, rows: Sequence[Row], hist: list[str]) -> list[HistoricalStep]:
    steps: list[HistoricalStep] = []
    share = 1.0
    for j, cid in enumerate(hist):
        choice = story.choices_by_id[cid]
        sc = story.scenes[choice.scene]
        if len(sc.choices) < 2 or choice.mark != "historical":
            continue
        before = tuple(hist[:j])
        here = [r for r in rows if len(r.given) <= j and r.path[:j] == before]  # on the record, deciding here
        made = [r for r in here if len(r.path) > j]
        stayed = sum(1 for r in made if r.path[j] == cid)
        left: dict[str, int] = {}
        for r in made:
            if r.path[j] != cid:
                left[r.path[j]] = left.get(r.path[j], 0) + 1
        stopped = sum(1 for r in here if len(r.path) == j and not r.finished)
        after = share * stayed / len(made) if made else share
        steps.append(HistoricalStep(len(steps) + 1, sc.id, sc.title, cid, len(made), stayed, left, stopped,
                          after, share - after))
        share = after
    return steps


def build_report(story: Story, playthroughs: Sequence[Playthrough],
                 skipped: Sequence[tuple[str, str]] = ()) -> ClassReport:
    rows: list[Row] = []
    kept: list[Playthrough] = []
    skip = list(skipped)
    for p in join_games(playthroughs):
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
            own = [c for c in p.choices if not c.given]
            if taken or (p.last_scene == sid and not row.finished) or any(c.to == sid for c in own) or (
                    not own and p.start_scene == sid):
                reached += 1
            for cid in taken:
                counts[cid] += 1
            seconds += [c.seconds for c in own if c.choice in counts and c.seconds is not None]
        all_seconds += seconds
        hc = sc.historical_choice
        decisions.append(Decision(sid, sc.title, hc.id if hc else None, reached, counts,
                                  {c.id: outline(c.text) for c in sc.choices}, tuple(seconds)))

    flagged = tuple((r.file, "; ".join(r.flags)) for r in rows if r.flags)
    classes = tuple(sorted({r.class_name for r in rows if r.class_name}))
    return ClassReport(story, tuple(rows), endings, tuple(decisions), tuple(_steps(story, rows, hist)),
                       tuple(skip), flagged, classes, tuple(all_seconds))


def anonymize(reports: Sequence[ClassReport]) -> list[ClassReport]:
    """The reports with every student called "Student 1" ... "Student N" (numbered in the order
    they first played, the same number in every section) and no file names."""
    names: dict[str, str] = {}
    files: dict[str, str] = {}

    def name(student: str, file: str) -> str:
        key = student or f"\0{file}"  # each anonymous playthrough is its own student
        if key not in names:
            names[key] = f"Student {len(names) + 1}"
        return names[key]

    def file_of(f: str) -> str:
        if f not in files:
            files[f] = f"transcript {len(files) + 1}"
        return files[f]

    out = []
    for rep in reports:
        rows = tuple(replace(r, student=name(r.student, r.file), file=file_of(r.file),
                             flags=tuple(f.split(": joined with")[0] for f in r.flags))
                     for r in sorted(rep.rows, key=lambda r: (instant(r.started), r.file)))
        out.append(replace(rep, rows=rows,
                           skipped=tuple((file_of(f), why) for f, why in rep.skipped),
                           flagged=tuple((r.file, "; ".join(r.flags)) for r in rows if r.flags)))
    return out


# --- rendering -------------------------------------------------------------------------------


def _secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def report_json(report: ClassReport) -> dict[str, Any]:
    s = report.story
    drop = report.largest_drop
    return {
        "scenario": s.id,
        "title": s.title,
        "content_hash": s.content_hash,
        "students": report.students,
        "playthroughs": report.playthroughs,
        "finished": report.finished,
        "stopped": report.stopped,
        "closed_before_the_end": report.closed_early,
        "classes": list(report.classes),
        "endings": dict(report.endings),
        "largest_drop": drop.scene if drop is not None else None,
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
            {"step": st.number, "scene": st.scene, "choice": st.choice, "made": st.made, "stayed": st.stayed,
             "left": dict(st.left), "stopped": st.stopped, "share": st.share, "drop": st.drop}
            for st in report.steps
        ],
        "seconds": {
            "n": len(report.seconds),
            "median": statistics.median(report.seconds) if report.seconds else None,
            "mean": statistics.fmean(report.seconds) if report.seconds else None,
        },
        "roster": [
            {"student": r.student or None, "class": r.class_name or None, "file": r.file,
             "started": r.started, "chapter": r.chapter, "choices": list(r.choices), "decisions": r.decisions,
             "departures": r.departures, "undos": r.undos, "restarts": r.restarts, "ending": r.ending,
             "ending_kind": r.ending_kind, "finished": r.finished, "closed_before_the_end": r.closed_early,
             "seconds": round(r.seconds, 1), "flags": list(r.flags)}
            for r in report.rows
        ],
        "skipped": [{"file": f, "reason": why} for f, why in report.skipped],
        "flagged": [{"file": f, "reason": why} for f, why in report.flagged],
    }


CSV_HEADERS = ("scenario", "student", "class", "playthroughs", "ending", "ending kind", "decisions on the record",
               "decisions", "minutes played", "finished")


def _csv_cell(value: object) -> str:
    text = " ".join(str(value).split())
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text  # never a formula in a spreadsheet


def to_csv(reports: Sequence[ClassReport]) -> str:
    """One row per student and scenario, for a gradebook: their latest playthrough's ending and
    record, their playthroughs, their time over all of them, and whether any finished."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_HEADERS)
    for rep in reports:
        by: dict[str, list[Row]] = {}
        for r in rep.rows:
            by.setdefault(r.student or f"\0{r.file}", []).append(r)
        for rows in by.values():
            last = max(rows, key=lambda r: (instant(r.started), r.file))
            w.writerow([_csv_cell(x) for x in (
                rep.story.id, last.student or "(anonymous)", last.class_name, len(rows),
                last.ending_title if last.finished else "", last.ending_kind or "" if last.finished else "",
                last.decisions - last.departures, last.decisions, f"{sum(r.seconds for r in rows) / 60:.1f}",
                "yes" if any(r.finished for r in rows) else "no")])
    return buf.getvalue()


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
    if r.closed_early:
        return f"closed before the end at: {r.last_scene}"
    return f"stopped at: {r.last_scene}"


def _record(r: Row) -> str:
    return f"{r.decisions - r.departures} of {r.decisions}" if r.decisions else "—"


def _split(report: ClassReport, st: HistoricalStep) -> str:
    s = report.story
    parts = [f"{n} chose “{s.choices_by_id[cid].text}”" for cid, n in
             sorted(st.left.items(), key=lambda kv: -kv[1])]
    return (f"{st.departures} of the {st.made} who made this decision left the record "
            f"({'; '.join(parts)}); {st.stayed} did what happened")


def _ending_label(report: ClassReport, sid: str) -> tuple[str, str]:
    sc = report.story.scenes.get(sid)
    kind = sc.ending.kind if sc is not None and sc.ending else ""
    title = sc.title if sc is not None else sid
    return (f"★ {title} (what happened)" if kind == "historical" else title), kind


LEGEND_ENDINGS = (("historical", "what happened (★)"), ("counterfactual", "a counterfactual ending"),
                  ("stopped", "stopped before an ending"))
LEGEND_CHOICES = (("historical", "what happened (★)"), ("counterfactual", "marked counterfactual"),
                  ("", "another option (not marked)"))
LEGEND_PATH = (("historical", "still on the record"), ("baseline", "the whole class (100%)"))


def document(report: ClassReport, doc: Document | None = None, level: int = 2) -> Document:
    """The report as a document (for Markdown and HTML): the summary first, then the charts, the
    students, and the notes on the transcripts last. Several reports share one `doc`, each a
    section starting at heading `level`."""
    s = report.story
    if doc is None:
        doc, sub = Document(f"Class report: {s.title}"), level
    else:
        doc.add(Heading(f"{s.title} ({s.id})", level))
        sub = level + 1
    n = report.playthroughs
    facts = [("Scenario", f"{s.title} ({s.id}) — you are {s.role}")]
    if report.classes:
        facts.append(("Class", ", ".join(report.classes)))
    stopped = f"{report.stopped} stopped early"
    if report.closed_early:
        stopped += f", of them {report.closed_early} closed before the end"
    facts.append(("Playthroughs", f"{n} by {_n(report.students, 'student')}: {report.finished} finished, {stopped}"))
    hist_end = [sid for sid in report.endings if (sc := s.scenes.get(sid)) and sc.ending
                and sc.ending.kind == "historical"]
    if hist_end:
        got = sum(report.endings[sid] for sid in hist_end)
        facts.append(("Reached what happened", f"{got} of {n} ({_ending_label(report, hist_end[0])[0]})"))
    drop = report.largest_drop
    if drop is not None:
        facts.append(("Where the class left the record", f"{drop.title}: {_split(report, drop)}"))
    if report.seconds:
        facts.append(("Time per decision",
                      f"median {_secs(statistics.median(report.seconds))}, "
                      f"mean {_secs(statistics.fmean(report.seconds))}"))
    doc.add(Facts(facts))

    doc.add(Heading("Endings reached", sub))
    bars = []
    for sid, count in report.endings.items():
        label, kind = _ending_label(report, sid)
        bars.append(Bar(label, count, kind, f"{count} of {n}"))
    if report.stopped:
        bars.append(Bar("Stopped before an ending", report.stopped, "stopped", f"{report.stopped} of {n}"))
    doc.add(Bars("Playthroughs by ending", bars, max(1, n), legend=LEGEND_ENDINGS))

    if report.steps:
        doc.add(Heading("Still on the record", sub))
        doc.add(Para("At each decision of the historical path: of the students who came to it still on the "
                     "record and decided, how many did what happened. The bar is the share of the class still "
                     "on the record after it (students who stopped are not counted as leaving). "
                     + ("▼ marks the largest drop." if drop is not None else ""), muted=True))
        path_bars = [Bar("Start: the whole class", 1.0, "baseline", f"{n} playthroughs")]
        for st in report.steps:
            note = f"{st.stayed} of {st.made} stayed" + (f", {st.stopped} stopped here" if st.stopped else "")
            path_bars.append(Bar(f"{st.number}. {st.title}", st.share, "historical", note,
                                 marked=drop is not None and st.number == drop.number))
        doc.add(Bars("Share of the class still on the record after each decision", path_bars, 1.0,
                     percent=True, legend=LEGEND_PATH))

    doc.add(Heading("Decision points", sub))
    doc.add(Para("★ what happened. “Came to it”: the playthroughs that reached this decision themselves.",
                 muted=True))
    for i, d in enumerate(report.decisions):
        left = sum(c for cid, c in d.counts.items() if cid != d.historical_choice)
        doc.add(Bars(f"{d.title} — {d.reached} of {n} came to it; median {_secs(d.median)}"
                     + (f"; {left} left the record" if d.historical_choice else ""),
                     [Bar(("★ " if cid == d.historical_choice else "") + d.texts[cid], count,
                          s.choices_by_id[cid].mark or "", f"{count} of {d.reached}")
                      for cid, count in d.counts.items()], max(1, d.reached),
                     legend=LEGEND_CHOICES if i == 0 else (), compact=True))

    doc.add(Heading("Who played, and how far", sub))
    doc.add(Table(
        ["Student", "Class", "Started", "How far", "Decisions on the record", "Undos", "Restarts"],
        [[r.student or "(anonymous)", r.class_name, when(r.started)
          + (f" (chapter {r.chapter})" if r.chapter else ""), _how_far(r), _record(r), str(r.undos),
          str(r.restarts)]
         for r in report.rows],
        numeric=frozenset({5, 6}),
    ))
    if report.skipped or report.flagged:
        doc.add(Heading("Notes on the transcripts", sub))
        for f, why in report.skipped:
            doc.add(Warning(f"Left out {Path(f).name}: {why}" if why else f"Left out: {f}"))
        for f, why in report.flagged:
            doc.add(Warning(f"{Path(f).name}: {why}"))
    return doc


def render_text(report: ClassReport, width: int = 100, color: bool = False) -> str:
    """The report for the terminal: rich tables (rich is imported only here)."""
    import io

    from rich.console import Console
    from rich.table import Table as RTable
    from rich.text import Text as RichText

    from engine.base.safe_text import clean

    def Text(value: str, style: str = "") -> RichText:  # noqa: N802 - rich's name, cleaned
        return RichText(clean(value), style=style)

    buf = io.StringIO()
    con = Console(file=buf, width=width, force_terminal=color, no_color=not color,
                  color_system="standard" if color else None, highlight=False, emoji=False)
    s = report.story
    n = report.playthroughs
    con.print(Text(f"Class report: {s.title} ({s.id})", style="bold"))
    line = (f"{_n(report.students, 'student')}, {_n(n, 'playthrough')} ({report.finished} finished, "
            f"{report.stopped} stopped early")
    line += f", {report.closed_early} closed before the end)" if report.closed_early else ")"
    if report.classes:
        line += f"; class {', '.join(report.classes)}"
    con.print(Text(line))
    drop = report.largest_drop
    if drop is not None:
        con.print(Text(f"Where the class left the record: {drop.title}: {_split(report, drop)}", style="bold"))
    if report.seconds:
        con.print(Text(f"Time per decision: median {_secs(statistics.median(report.seconds))}, "
                       f"mean {_secs(statistics.fmean(report.seconds))}"))

    t = RTable(title="Endings reached (★ = what happened)", title_justify="left")
    t.add_column("Ending")
    t.add_column("Kind")
    t.add_column("Playthroughs", justify="right")
    for sid, count in report.endings.items():
        label, kind = _ending_label(report, sid)
        t.add_row(Text(label), Text(kind), Text(str(count)))
    if report.stopped:
        t.add_row(Text("(stopped before an ending)"), Text(""), Text(str(report.stopped)))
    con.print(t)

    if report.steps:
        t = RTable(title="Still on the record (of those who came to each decision on the historical path)",
                   title_justify="left")
        t.add_column("#", justify="right")
        t.add_column("Decision")
        t.add_column("Made it", justify="right")
        t.add_column("Stayed", justify="right")
        t.add_column("Left", justify="right")
        t.add_column("Stopped here", justify="right")
        t.add_column("Class on the record", justify="right")
        for st in report.steps:
            mark = " ▼ largest drop" if drop is not None and st.number == drop.number else ""
            t.add_row(str(st.number), Text(st.title + mark), str(st.made), str(st.stayed), str(st.departures),
                      str(st.stopped), f"{st.share * 100:.0f}%")
        con.print(t)

    t = RTable(title="Decision points (★ = what happened)", title_justify="left")
    t.add_column("Decision")
    t.add_column("Came to this decision", justify="right")
    t.add_column("Option")
    t.add_column("Playthroughs", justify="right")
    t.add_column("Median", justify="right")
    for d in report.decisions:
        first = True
        for cid, count in d.counts.items():
            star = "★ " if cid == d.historical_choice else "  "
            t.add_row(Text(d.title if first else ""), str(d.reached) if first else "", Text(star + d.texts[cid]),
                      str(count), _secs(d.median) if first else "")
            first = False
        t.add_section()
    con.print(t)

    t = RTable(title="Who played, and how far", title_justify="left")
    for h in ("Student", "Class", "How far", "On the record", "Undos", "Restarts"):
        t.add_column(h, justify="right" if h in ("Undos", "Restarts") else "left")
    for r in report.rows:
        t.add_row(Text(r.student or "(anonymous)"), Text(r.class_name), Text(_how_far(r)), Text(_record(r)),
                  Text(str(r.undos)), Text(str(r.restarts)))
    con.print(t)
    return buf.getvalue()


def render_report(report: ClassReport, fmt: str, *, width: int = 100, color: bool = False) -> str:
    return render_all([report], fmt, width=width, color=color)


def render_all(reports: Sequence[ClassReport], fmt: str, *, width: int = 100, color: bool = False) -> str:
    """One or several scenarios' reports in one output (one section per scenario)."""
    if fmt == "json":

        body: Any = report_json(reports[0]) if len(reports) == 1 else {"reports": [report_json(r) for r in reports]}
        return json_text(body) + "\n"
    if fmt == "csv":
        return to_csv(reports)
    if fmt in document_formats():
        if len(reports) == 1:
            doc = document(reports[0])
        else:
            doc = Document("Class report: " + ", ".join(r.story.title for r in reports))
            for r in reports:
                document(r, doc, 2)
        return render_document(doc, fmt)
    if fmt == "text":
        return "\n".join(render_text(r, width=width, color=color) for r in reports)
    raise ValueError(f"unknown format {fmt!r}")
