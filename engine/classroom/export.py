"""Exports for the classroom: one student's playthrough, and a printable worksheet.

Both are built as `engine.classroom.document.Document`s and rendered to Markdown or self-contained
HTML by `engine.classroom.document`, which escapes every piece of scenario and transcript text.
Citations carry their place in the record (`Record.location`: author, title, chapter,
paragraph); the sources cited are listed with their full references at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.classroom.document import (
    Document,
    Facts,
    Form,
    Heading,
    Lines,
    Numbered,
    Para,
    Quote,
    Table,
    Warning,
    to_html,
    to_markdown,
)
from engine.classroom.report import when
from engine.core import machine
from engine.core.calendar import format_clock, format_date
from engine.core.debrief import debrief
from engine.core.model import Citation, Scene, State, Story
from engine.core.prose import render as as_shown
from engine.record.sources import Record
from engine.saves.transcript import Playthrough

__all__ = ["render", "transcript_document", "worksheet_document"]


@dataclass
class _Cites:
    """Citations as quotes with their location, remembering the sources used."""

    record: Record | None
    used: list[str] = field(default_factory=list)

    def ref(self, source: str, quote: str) -> str:
        if source not in self.used:
            self.used.append(source)
        rec = self.record
        if rec is None or source not in rec.sources:
            return source
        match = rec.find(source, quote)
        if match is None:
            return f"{rec.sources[source].short} (this passage could not be verified)"
        return rec.location(match)

    def quote(self, c: Citation) -> Quote:
        return Quote(c.quote, self.ref(c.source, c.quote), c.note)

    def references(self) -> list[str]:
        rec = self.record
        out = []
        for sid in self.used:
            if rec is not None and sid in rec.sources:
                out.append(rec.sources[sid].reference)
            else:
                out.append(sid)
        return out


def _clock(story: Story, state: State) -> str:
    try:
        return format_clock(story.start_date, story.calendar, state.clock)
    except ValueError:
        return ""


def _disputes(doc: Document, cites: _Cites, scene: Scene) -> None:
    for d in scene.disputed:
        doc.add(Para(f"The sources disagree: {d.topic}", muted=True))
        for a in d.accounts:
            doc.add(Quote(a.quote, cites.ref(a.source, a.quote), a.says))


def _mark(mark: str | None) -> str:
    if mark == "historical":
        return " (what really happened)"
    if mark == "counterfactual":
        return " (counterfactual: this did not happen)"
    return ""


def transcript_document(p: Playthrough, story: Story, record: Record | None) -> Document:
    """One student's playthrough, with its citations and the debrief, to hand in."""
    who = p.student or "an anonymous student"
    doc = Document(f"{story.title}: the playthrough of {who}")
    facts = [("Student", p.student or "(anonymous)")]
    if p.class_name:
        facts.append(("Class", p.class_name))
    facts += [("Scenario", f"{story.title} ({story.id})"), ("Role", story.role),
              ("Started", when(p.started) if p.started else "?"),
              ("Finished", when(p.ended) if p.ended else "(not finished)")]
    doc.add(Facts(facts))
    if p.content_hash != story.content_hash:
        doc.add(Warning("This playthrough was made with another version of the scenario; it is shown "
                        "with the current version, matched by the choices' stable ids."))
    if p.restores:
        doc.add(Warning("Part of this playthrough was loaded from a saved game: the times of those "
                        "decisions are not known."))
    if not p.complete:
        doc.add(Warning("This transcript is incomplete or damaged: " + "; ".join(p.problems)))

    cites = _Cites(record)
    doc.add(Heading("The playthrough"))
    state = machine.start(story)
    leftover: list[str] = []
    made = list(p.choices)
    for n, made_choice in enumerate([*made, None]):
        sc = story.scenes[state.scene]
        doc.add(Heading(sc.title, 3))
        doc.add(Para(", ".join(x for x in (sc.place, _clock(story, state)) if x), muted=True))
        doc.add(Para(as_shown(story, state, sc.text)))
        for c in sc.record:
            doc.add(cites.quote(c))
        _disputes(doc, cites, sc)
        if made_choice is None:
            break
        try:
            after = machine.choose(story, state, made_choice.choice)
        except machine.ChoiceError:
            leftover = [c.text or c.choice for c in made[n:]]
            break
        choice = story.choices_by_id[made_choice.choice]
        took = f"Chose: {as_shown(story, state, choice.text)}{_mark(choice.mark)}"
        if made_choice.seconds is not None:
            took += f" — decided in {made_choice.seconds:.0f} s"
        doc.add(Para(took))
        if choice.note:
            doc.add(Para(as_shown(story, after, choice.note), muted=True))
        state = after
    if leftover:
        doc.add(Warning("These choices could not be followed in the current version of the scenario: "
                        + "; ".join(leftover)))
    sc = story.scenes[state.scene]
    if sc.ending is not None:
        doc.add(Heading(f"Ending: {sc.title}", 3, tag=sc.ending.kind))
        if sc.ending.epilogue:
            doc.add(Para(as_shown(story, state, sc.ending.epilogue)))
    else:
        doc.add(Para("The game was stopped here, before an ending.", muted=True))

    db = debrief(story, state)
    doc.add(Heading("Debrief"))
    if db.decisions:
        doc.add(Para(f"{db.followed} of {db.decisions} decisions matched what really happened."))
    if db.on_record:
        doc.add(Para("At every decision this playthrough followed the historical path."))
    for dep in db.departures:
        doc.add(Heading(f"Decision {dep.step}: {dep.scene.title}", 3))
        doc.add(Para(f"Chose: {as_shown(story, dep.before, dep.taken.text)}"))
        doc.add(Para(f"What really happened: {as_shown(story, dep.before, dep.historical.text)}"))
        for c in dep.historical.record:
            doc.add(cites.quote(c))
        if dep.historical.note:
            doc.add(Para(as_shown(story, dep.before, dep.historical.note), muted=True))
    if db.ending is not None and db.ending.debrief:
        doc.add(Para(as_shown(story, state, db.ending.debrief)))
    if db.disputes:
        doc.add(Heading("Where the sources disagree", 3))
        for scene, d in db.disputes:
            doc.add(Para(f"{d.topic} ({scene.title})"))
            for a in d.accounts:
                doc.add(Quote(a.quote, cites.ref(a.source, a.quote), a.says))
    if db.questions:
        doc.add(Heading("Questions for discussion", 3))
        doc.add(Numbered(list(db.questions)))
    _sources(doc, cites)
    return doc


def _sources(doc: Document, cites: _Cites) -> None:
    if cites.used:
        doc.add(Heading("Sources"))
        doc.add(Numbered(cites.references()))


def worksheet_document(story: Story, record: Record | None, passages: int = 8) -> Document:
    """A printable worksheet: setting, timeline, key passages, decisions as questions."""
    doc = Document(f"Worksheet: {story.title}")
    doc.add(Form(["Name", "Class", "Date"]))
    doc.add(Heading("The setting"))
    first = story.scenes[story.start]
    doc.add(Facts([("You are", story.role),
                   ("Date", format_date(story.start_date, story.calendar, 0)),
                   ("Place", first.place)]))
    if story.summary:
        doc.add(Para(story.summary))

    path = machine.historical_path(story)
    state = machine.start(story)
    states = [state]
    for c in path:
        state = machine.choose(story, state, c)
        states.append(state)
    doc.add(Heading("Timeline"))
    doc.add(Para("What happened, in order (the historical path through the scenario).", muted=True))
    rows = []
    for st in states:
        sc = story.scenes[st.scene]
        rows.append([_clock(story, st), sc.title, sc.place])
    doc.add(Table(["When", "What", "Where"], rows))

    cites = _Cites(record)
    doc.add(Heading("Key passages from the record"))
    shown = 0
    seen: set[tuple[str, str]] = set()
    for st in states:
        for cite in story.scenes[st.scene].record[:1]:
            if shown < passages and (cite.source, cite.quote) not in seen:
                seen.add((cite.source, cite.quote))
                doc.add(cites.quote(cite))
                shown += 1

    doc.add(Heading("Decisions"))
    doc.add(Para("At each of these points the real people had to choose. For each: what would you "
                 "do, and why? Use the passages above.", muted=True))
    n = 0
    for st_scene in dict.fromkeys(story.scenes[st.scene] for st in states):
        if len(st_scene.choices) < 2 or st_scene.historical_choice is None:
            continue
        n += 1
        first_at = next(st for st in states if st.scene == st_scene.id)
        when = _clock(story, first_at)
        doc.add(Heading(f"{n}. {st_scene.title}", 3))
        doc.add(Para(", ".join(x for x in (st_scene.place, when) if x), muted=True))
        doc.add(Para("The options:"))
        doc.add(Numbered([as_shown(story, first_at, c.text) for c in st_scene.choices]))
        doc.add(Para("What would you do, and why?"))
        doc.add(Lines(4))
    if story.questions:
        doc.add(Heading("Questions for discussion"))
        for i, q in enumerate(story.questions, 1):
            doc.add(Para(f"{i}. {q}"))
            doc.add(Lines(3))
    _sources(doc, cites)
    return doc


def render(doc: Document, fmt: str) -> str:
    if fmt == "md":
        return to_markdown(doc)
    if fmt == "html":
        return to_html(doc)
    raise ValueError(f"unknown format {fmt!r}")
