"""Exports for the classroom: one student's playthrough, a printable worksheet, a teacher's guide.

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
    quoted,
)
from engine.classroom.report import when
from engine.core import machine
from engine.core.calendar import format_clock, format_date
from engine.core.debrief import debrief
from engine.core.model import Citation, Scene, State, Story
from engine.core.prose import render as as_shown
from engine.record.sources import Record
from engine.saves.transcript import Playthrough

__all__ = ["transcript_document", "worksheet_document"]


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

    def short_ref(self, source: str, quote: str) -> str:
        """The author and the place in the text ("Rabinowitch, paragraph 38"): for tables, the full
        reference is in the list of sources."""
        self.ref(source, quote)
        rec = self.record
        if rec is None or source not in rec.sources:
            return source
        match = rec.find(source, quote)
        where = rec.place_in_text(match) if match is not None else ""
        return f"{rec.sources[source].short}, {where}" if where else rec.sources[source].short

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
    if mark == "neutral":
        return " (neutral: the record says neither way)"
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
        if sc.invented:
            doc.add(Para(f"Ours, not the record's: {sc.invented}", muted=True))
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
        shown = as_shown(story, state, choice.text)
        took = f"Chose: {shown}{_mark(choice.mark)}"
        if made_choice.given:
            took = f"Before the chapter {p.chapter or ''} (not the student's choice): {shown}"
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

    db = debrief(story, state, sum(1 for c in p.choices if c.given))
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
    if db.invented:
        doc.add(Heading("What was ours on this path (invented, not in the record)", 3))
        for scene in db.invented:
            doc.add(Para(f"{scene.title}: {scene.invented}"))
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


def _historical_states(story: Story) -> list[State]:
    state = machine.start(story)
    states = [state]
    for c in machine.historical_path(story):
        state = machine.choose(story, state, c)
        states.append(state)
    return states


def _chapter_span(story: Story, states: list[State], chapter: str | None) -> list[State]:
    """The states of the historical path in a chapter (from its scene to the next chapter's)."""
    if chapter is None:
        return states
    names = [n for n, _ in story.chapters]
    first = len(machine.chapter_start(story, chapter).path)
    i = names.index(chapter)
    last = len(machine.chapter_start(story, names[i + 1]).path) if i + 1 < len(names) else len(states) - 1
    return states[first:last + 1]


def _short(text: str, words: int = 28) -> str:
    parts = " ".join(text.split()).split(" ")
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _event_name(event_id: str) -> str:
    return event_id.replace("_", " ").capitalize()


def _timeline(story: Story, states: list[State], cites: _Cites) -> list[list[str]]:
    """Real events in order: each timed moment of the historical path, told by the record (the
    shared events it names, and its first cited passage), not by a scene's title."""
    rows: list[list[str]] = []
    last_clock = None
    last_day = ""
    for st in states:
        sc = story.scenes[st.scene]
        if not sc.record or (sc.time is None and st.clock == last_clock):
            continue
        cite = sc.record[0]
        quote = quoted(_short(cite.quote))
        if sc.events:  # the shared events of this hour, named apart from the passage (which may tell another thing)
            quote += " (also at this hour: " + "; ".join(_event_name(e) for e in sc.events) + ")"
        when = _clock(story, st)
        day, _, hour = when.rpartition(", ")
        rows.append([hour if day == last_day and hour else when, quote, cites.short_ref(cite.source, cite.quote)])
        last_day = day
        last_clock = st.clock
    return rows


def _spread(items: list[Citation], n: int) -> list[Citation]:
    """`n` items spread evenly over the whole list (its first and its last among them)."""
    if len(items) <= n:
        return items
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)] if n > 1 else items[:1]


def _neutral(texts: list[str]) -> list[str]:
    """The options in a neutral order (alphabetical), which says nothing about what happened."""
    return sorted(texts, key=lambda t: " ".join(t.casefold().split()))


def worksheet_document(story: Story, record: Record | None, passages: int = 6,
                       chapter: str | None = None) -> Document:
    """A printable worksheet (at most 4 A4 pages): setting, a timeline of the real events, key
    passages from the whole scenario (or chapter), the decisions as questions with their options
    in a neutral order, and the discussion questions."""
    title = f"Worksheet: {story.title}" + (f" (chapter {chapter})" if chapter else "")
    doc = Document(title)
    doc.add(Form(["Name", "Class", "Date"]))
    doc.add(Heading("The setting"))
    states = _chapter_span(story, _historical_states(story), chapter)
    first = story.scenes[states[0].scene]
    doc.add(Facts([("You are", story.role),
                   ("When", _clock(story, states[0]) or format_date(story.start_date, story.calendar, 0)),
                   ("Place", first.place)]))
    if story.summary:
        doc.add(Para(story.summary))

    cites = _Cites(record)
    doc.add(Heading("Timeline"))
    doc.add(Para("What happened, in order, in the words of the record.", muted=True))
    doc.add(Table(["When", "What", "Source"], _timeline(story, states, cites)))

    doc.add(Heading("Key passages from the record"))
    seen: dict[tuple[str, str], Citation] = {}
    for st in states:
        sc = story.scenes[st.scene]
        for cite in sc.record[:1]:
            seen.setdefault((cite.source, cite.quote), cite)
    for cite in _spread(list(seen.values()), passages):
        doc.add(cites.quote(cite))

    doc.add(Heading("Decisions"))
    doc.add(Para("At each of these points the real people had to choose. For each: what would you "
                 "do, and why? Use the passages above.", muted=True))
    n = 0
    for st_scene in dict.fromkeys(story.scenes[st.scene] for st in states):
        if len(st_scene.choices) < 2 or st_scene.historical_choice is None:
            continue
        n += 1
        first_at = next(st for st in states if st.scene == st_scene.id)
        hour = _clock(story, first_at).rpartition(", ")[2]
        doc.add(Heading(f"{n}. {st_scene.title}" + (f" ({hour})" if hour else ""), 3))
        doc.add(Numbered(_neutral([as_shown(story, first_at, c.text) for c in st_scene.choices])))
        doc.add(Lines(1))  # what would you do, and why (asked once, above)
    if story.questions:
        doc.add(Heading("Questions for discussion"))
        for i, q in enumerate(story.questions, 1):
            doc.add(Para(f"{i}. {q}"))
            doc.add(Lines(2))
    _sources(doc, cites)
    return doc


def guide_document(story: Story, record: Record | None) -> Document:
    """The teacher's guide: the note, the expected time (in all and per chapter), how to run the
    lesson, every decision of the historical path with what happened and its citation, the
    disputes, and the discussion questions."""
    from engine.tools.playtime import playing_time, whole_minutes

    doc = Document(f"Teacher's guide: {story.title}")
    t = playing_time(story)
    doc.add(Facts([("Scenario", f"{story.title} ({story.id})"), ("The student is", story.role),
                   ("Expected playing time", t.text + f"; {t.decisions} decisions on the historical path")]))
    if story.summary:
        doc.add(Para(story.summary))
    if story.teacher_note:
        doc.add(Heading("Teacher's note"))
        doc.add(Para(story.teacher_note))
    doc.add(Heading("Running the lesson"))
    steps = [
        "Before the lesson: chronicle list shows the scenarios and their times; choose the whole "
        "scenario or a chapter that fits the lesson.",
        f"Each student starts: chronicle play {story.id} --student \"Their Name\" --class 9A --saves FOLDER "
        "(one shared folder, on one computer or a network share, is fine).",
        "A student who comes back later continues with the same --student and --saves and --continue; "
        "the report joins the two parts into one game.",
        "Printed worksheets: chronicle export worksheet " + story.id + " --format html (add --chapter NAME "
        "for a chapter).",
        "After playing: chronicle report FOLDER/transcripts --format html -o report.html, projected "
        "(add --anonymize to hide the names); --format csv gives a gradebook.",
        "Discuss the decision the report marks as the largest drop, then the questions below.",
    ]
    doc.add(Numbered(steps))
    if t.chapters:
        doc.add(Heading("Chapters"))
        scenes = story.scenes
        doc.add(Table(["Chapter", "Starts at", "Time", "Command"],
                      [[name, scenes[sc].title, f"about {whole_minutes(m)} min",
                        f"chronicle play {story.id} --chapter {name}"] for name, sc, m in t.chapters],
                      numeric=frozenset({2})))
    cites = _Cites(record)
    doc.add(Heading("The decisions and what happened"))
    states = _historical_states(story)
    n = 0
    for st in states:
        sc = story.scenes[st.scene]
        hist = sc.historical_choice
        if hist is None or len(sc.choices) < 2:
            continue
        n += 1
        doc.add(Heading(f"{n}. {sc.title}", 3))
        doc.add(Para(", ".join(x for x in (sc.place, _clock(story, st)) if x), muted=True))
        doc.add(Para(f"What happened: {hist.text}"))
        for c in hist.record:
            doc.add(cites.quote(c))
        others = [c.text + (" (counterfactual)" if c.mark == "counterfactual" else "")
                  for c in sc.choices if c is not hist]
        doc.add(Para("The other options: " + "; ".join(others), muted=True))
    disputes = [(story.scenes[st.scene], d) for st in states for d in story.scenes[st.scene].disputed]
    if disputes:
        doc.add(Heading("Where the sources disagree"))
        for sc, d in dict.fromkeys(disputes):
            doc.add(Para(f"{d.topic} ({sc.title})"))
            for a in d.accounts:
                doc.add(Quote(a.quote, cites.ref(a.source, a.quote), a.says))
    if story.questions:
        doc.add(Heading("Questions for discussion"))
        doc.add(Numbered(list(story.questions)))
    _sources(doc, cites)
    return doc

