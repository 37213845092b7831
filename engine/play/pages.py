"""What the player sees, as a short list of neutral blocks, and their plain-text form.

Both front ends show the same pages: `engine.play.plain` prints `to_plain(blocks, width)`;
`engine.play.tui` styles the same blocks (`engine.play.styled_lines`). Pages are built from a `Session` (the scene,
its sources and disputes, the path so far, the visible variables, the debrief at an ending).
Every string from a scenario or a source passes through `engine.base.safe_text` on the way in, so no
front end can print a control sequence. This module never imports rich.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from engine.base.safe_text import clean, clean_line
from engine.base.valueclass import FrozenValueClass, set_field
from engine.core import machine
from engine.core.calendar import format_clock, is_date_only
from engine.core.model import Choice, Citation, Scene, State, Story
from engine.core.prose import render

if TYPE_CHECKING:
    from engine.play.session import Session
    from engine.record.sources import Match, Record

Kind = Literal[
    "header",  # place and clock
    "title",  # a scene's title
    "heading",  # a section of a page: "Sources", "Debrief"
    "text",  # prose, wrapped; blank lines separate paragraphs
    "note",  # what follows from the choice just taken
    "ours",  # a label: what in this scene is our invention, not the record's
    "choice",  # an open choice: number and text
    "closed",  # a closed choice shown with the author's reason
    "item",  # a bulleted line, wrapped with a hanging indent
    "quote",  # a cited passage: text = the passage, extra = its place in the record
    "context",  # a passage in its surroundings: before, passage, after
    "hint",  # a quiet line of help
    "message",  # feedback on a command
    "error",  # a command that failed
    "gap",  # an empty line
]


class PageBlock(FrozenValueClass):
    """One piece of a page: its kind, its text and what goes with it.

    Written out rather than a dataclass, with the same `__init__`, `__repr__`, `__eq__`, `__hash__` and frozen-ness:
    creating a dataclass costs start-up time (issue 16)."""

    __match_args__ = ("kind", "text", "number", "extra", "after", "level", "marks")
    kind: Kind
    text: str
    number: int | None
    extra: str  # closed: the reason; quote: the reference; context: the passage
    after: str  # context: the text after the passage
    level: int  # indentation level (0 or 1)
    marks: tuple[tuple[int, int], ...]  # context: the quoted spans of `extra` (none: all of it)

    def __init__(
        self,
        kind: Kind,
        text: str = "",
        number: int | None = None,
        extra: str = "",
        after: str = "",
        level: int = 0,
        marks: tuple[tuple[int, int], ...] = (),
    ) -> None:
        set_field(self, "kind", kind)
        set_field(self, "text", text)
        set_field(self, "number", number)
        set_field(self, "extra", extra)
        set_field(self, "after", after)
        set_field(self, "level", level)
        set_field(self, "marks", marks)


def block(kind: Kind, text: str = "", **kw: object) -> PageBlock:
    """A block with its text cleaned (one-line kinds also lose their newlines)."""
    one_line = kind in ("header", "title", "heading", "choice", "closed", "hint", "ours")
    text = clean_line(text) if one_line else clean(text)
    for key in ("extra", "after"):
        if isinstance(kw.get(key), str):
            kw[key] = clean(str(kw[key]))
    return PageBlock(kind, text, **kw)  # type: ignore[arg-type]


GAP = PageBlock("gap")

# --- the pieces ----------------------------------------------------------------------------


def header_line(story: Story, state: State) -> str:
    """"Malachite Hall, Winter Palace — 25 October 1917 (7 November N.S.), 19:00"."""
    place = machine.scene(story, state).place
    return clean_line(f"{place} — {clock_line(story, state)}")


def clock_line(story: Story, state: State) -> str:
    """The historical clock; "after 18:00" when the record gives this scene no time of its own."""
    text = format_clock(story.start_date, story.calendar, state.clock)
    if state.clock is not None and not is_date_only(state.clock) and state.path \
            and machine.scene(story, state).time is None:
        day, time = text.rsplit(", ", 1)
        text = f"{day}, after {time}"
    return text


def _record(folder: str = "") -> Record | None:
    """The record of the story in `folder`: the seeds and the scenario's own sources."""
    from engine.base.diagnostics import ChronicleError
    from engine.record.sources import load_record, record_for

    try:
        return record_for(folder) if folder else load_record()
    except ChronicleError:  # the record is missing or damaged (`chronicle check` says how): quotes without places
        return None


def _match(record: Record | None, source: str, quote: str) -> Match | None:
    if record is None:
        return None
    return record.find(source, quote)


def _paragraph_key(record: Record | None, match: Match | None) -> str | None:
    """Which paragraph of the record a match is in (None: not one that can be shared)."""
    if record is None or match is None or not match.paragraph:
        return None
    return f"{match.source} {record.place_in_text(match)}"


def _shared_context(record: Record, matches: list[Match]) -> PageBlock | None:
    """One context block for several quotes from one paragraph, each of them marked."""
    import dataclasses

    union = dataclasses.replace(matches[0], start=min(m.start for m in matches),
                                end=max(m.end for m in matches), corrected=())
    before, passage, after = record.context(union)
    spans: list[tuple[int, int]] = []
    for m in matches:
        piece = record.context(m)[1]
        at = passage.find(piece)
        if at < 0 or not piece:
            return None
        spans.append((at, at + len(piece)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    cleaned = clean(passage)
    if cleaned != passage:  # the offsets would not fit the cleaned text
        return None
    return block("context", before, extra=passage, after=after, marks=tuple(merged))


def _at_level(b: PageBlock, level: int) -> PageBlock:
    return PageBlock(b.kind, b.text, b.number, b.extra, b.after, level, b.marks)


def citation_blocks(c: Citation | object, *, context: bool, level: int = 0,
                    together: list[Match] | None = None, repeat: bool = False,
                    folder: str = "") -> list[PageBlock]:
    """A cited passage: the quote, its place in the record, optionally its surroundings.

    `together`: every match of the page in this quote's paragraph; the paragraph is shown once,
    with all of them marked, and `repeat` quotes only point back to it."""
    source = str(getattr(c, "source", ""))
    quote = str(getattr(c, "quote", ""))
    note = str(getattr(c, "note", "") or "")
    record = _record(folder)
    match = _match(record, source, quote)
    where = source
    out: list[PageBlock] = []
    if record is not None and match is not None:
        where = record.location(match)
    out.append(block("quote", quote, extra=where, level=level))
    if note:
        out.append(block("item", note, level=level + 1))
    shared = None
    if context and record is not None and match is not None and together and len(together) > 1:
        if repeat:
            out.append(block("hint", "In context: in the paragraph shown above, where it is marked too.",
                             level=level + 2))
            context = False
        else:
            shared = _shared_context(record, together)
    if shared is not None:
        out.append(_at_level(shared, level + 1))
    elif context and record is not None and match is not None:
        before, passage, after = record.context(match)
        if passage:
            out.append(block("context", before, extra=passage, after=after, level=level + 1))
        if match.corrected:
            fixes = ", ".join(f'"{p}" reads "{c}"' for p, c in match.corrected)
            out.append(block("item", f"Misread in the scan and corrected here: {fixes}.", level=level + 1))
    return out


def _paragraphs(text: str) -> list[str]:
    """Prose split into paragraphs at blank lines; single newlines are spaces."""
    parts = [" ".join(p.split()) for p in clean(text).split("\n\n")]
    return [p for p in parts if p]


# --- pages ---------------------------------------------------------------------------------


def changes(story: Story, before: State, after: State) -> str:
    """What the last choice changed of the values the player sees: "Resolve 6 (was 5)"."""
    def shown(value: object) -> str:
        return ("yes" if value else "no") if isinstance(value, bool) else str(value)

    out = []
    for v in story.variables:
        if v.visible and before.vars[v.index] != after.vars[v.index]:
            label = v.label or v.name.replace("_", " ")
            out.append(f"{label}: {shown(after.vars[v.index])} (was {shown(before.vars[v.index])})")
    return "; ".join(out[:6]) + ("; …" if len(out) > 6 else "")


def scene_page(session: Session, note: str = "", previous: State | None = None) -> list[PageBlock]:
    story, state = session.story, session.state
    sc = machine.scene(story, state)
    out: list[PageBlock] = []
    changed = changes(story, previous, state) if previous is not None else ""
    if note:
        out.append(block("note", note))
    if changed:
        out.append(block("note", f"Now {changed}."))
    if note or changed:
        out.append(GAP)
    out += [block("header", header_line(story, state)), block("title", sc.title)]
    if sc.invented:
        out.append(ours_block(sc))
    out.append(GAP)
    out += [block("text", p) for p in _paragraphs(render(story, state, sc.text))]
    if sc.ending is not None:
        out += [GAP, *ending_blocks(session)]
        return out
    out.append(GAP)
    out += choice_blocks(session)
    if sc.disputed:
        out += [GAP, block("hint", "The sources disagree about this moment: type disputes.")]
    return out


def choice_blocks(session: Session) -> list[PageBlock]:
    """The scene's choices: open ones numbered, closed ones with the author's reason."""
    story, state = session.story, session.state
    out: list[PageBlock] = []
    for number, choice, reason in session.rows():
        if number is not None:
            out.append(block("choice", render(story, state, choice.text), number=number))
        else:
            out.append(block("closed", render(story, state, choice.text), extra=reason or ""))
    return out


OURS_LABEL = "Ours, not the record's"


def ours_block(sc: Scene, level: int = 0) -> PageBlock:
    """The label of an invented scene: "Ours, not the record's: <what we made up>"."""
    return block("ours", f"{OURS_LABEL}: {sc.invented}", level=level)


def ending_blocks(session: Session) -> list[PageBlock]:
    from engine.core.debrief import debrief

    story, state = session.story, session.state
    d = debrief(story, state, len(session.origin.path))
    ending = d.ending
    out: list[PageBlock] = []
    kind = "What really happened" if ending is not None and ending.kind == "historical" else (
        "A road not taken: this did not happen")
    out.append(block("heading", f"The end — {kind}"))
    if ending is not None and ending.epilogue:
        out += [block("text", p) for p in _paragraphs(render(story, state, ending.epilogue))]
    out += [GAP, block("heading", "Debrief: your path beside the record")]
    if ending is not None and ending.debrief:
        out += [block("text", p) for p in _paragraphs(render(story, state, ending.debrief))]
    if d.decisions:
        out.append(block("text", f"You followed the record at {d.followed} of {d.decisions} decisions."))
    if d.departures:
        out += [GAP, block("heading", "Where you left the record")]
        for dep in d.departures:
            out.append(block("item", f'At "{dep.scene.title}" you chose: {render(story, dep.before, dep.taken.text)}'))
            out.append(block("item", f"What really happened: {render(story, dep.before, dep.historical.text)}",
                             level=1))
            for c in dep.historical.record:
                out += citation_blocks(c, context=False, level=1, folder=story.folder)
    elif d.decisions:
        out.append(block("text", "You never left the record: every decision was the one really taken."))
    if d.invented:
        out += [GAP, block("heading", "What was ours on your path (invented, not in the record)")]
        for sc in d.invented:
            out.append(block("item", f'"{sc.title}": {sc.invented}'))
    if d.disputes:
        out += [GAP, block("heading", "Where the sources disagree, on your path")]
        for sc, dispute in d.disputes:
            out.append(block("item", f"{dispute.topic} ({sc.title})"))
            for acc in dispute.accounts:
                out.append(block("item", account_line(_short(acc.source, story.folder), acc.says), level=1))
                out += citation_blocks(acc, context=False, level=1, folder=story.folder)
    if d.questions:
        out += [GAP, block("heading", "Questions for discussion")]
        out += [block("item", q, number=n) for n, q in enumerate(d.questions, 1)]
    out += [GAP, block("hint", "Type restart to play again, undo to step back, or quit.")]
    return out


def account_line(name: str, says: str) -> str:
    """One side of a dispute: "Rabinowitch: the shot was a blank". An author who began `says`
    with the author's name ("Rabinowitch says ...") is not shown it twice."""
    def first_word(text: str) -> str:
        words = text.split(maxsplit=1)
        return words[0].strip(",:;").casefold() if words else ""

    first = first_word(says)
    if first and first == first_word(name):
        return says
    return f"{name}: {says}"


def _short(source: str, folder: str = "") -> str:
    record = _record(folder)
    if record is not None and source in record.sources:
        return record.sources[source].short
    return source


def sources_page(session: Session) -> list[PageBlock]:
    story, state = session.story, session.state
    sc = machine.scene(story, state)
    out = [block("heading", f"Sources for \"{sc.title}\"")]
    if not sc.record:
        out.append(block("text", "This scene cites no passage."))
    shown = [choice for _, choice, _ in session.rows() if choice.record]
    record = _record(story.folder)
    keys: dict[int, str | None] = {}
    paragraphs: dict[str, list[Match]] = {}  # quotes from one paragraph show it once
    for c in [*sc.record, *(c for choice in shown for c in choice.record)]:
        match = _match(record, str(c.source), str(c.quote))
        key = keys[id(c)] = _paragraph_key(record, match)
        if key is not None and match is not None:
            paragraphs.setdefault(key, []).append(match)
    seen: set[str] = set()

    def cite(c: Citation) -> list[PageBlock]:
        key = keys.get(id(c))
        together = paragraphs.get(key) if key is not None else None
        repeat = key in seen
        if key is not None:
            seen.add(key)
        return citation_blocks(c, context=True, together=together, repeat=repeat, folder=story.folder)

    for c in sc.record:
        out += cite(c)
    for choice in shown:
        out += [GAP, block("heading", f"Choice: {render(story, state, choice.text)}")]
        for c in choice.record:
            out += cite(c)
    return out


def disputes_page(session: Session) -> list[PageBlock]:
    sc = machine.scene(session.story, session.state)
    out = [block("heading", "Where the sources disagree")]
    if not sc.disputed:
        out.append(block("text", "The sources do not disagree about this scene."))
    for dispute in sc.disputed:
        out += [GAP, block("heading", dispute.topic)]
        for acc in dispute.accounts:
            out.append(block("item", account_line(_short(acc.source, session.story.folder), acc.says)))
            out += citation_blocks(acc, context=False, level=1, folder=session.story.folder)
    return out


def _steps(session: Session) -> list[tuple[State, Choice | None]]:
    """The states the game passed through, each with the choice taken there (None for the last)."""
    story = session.story
    state = machine.start(story)
    steps: list[tuple[State, Choice | None]] = []
    for cid in session.state.path:
        choice = story.choices_by_id.get(cid)
        steps.append((state, choice))
        if choice is None:
            break
        try:
            state = machine.choose(story, state, choice)
        except machine.ChoiceError:
            break
    steps.append((state, None))
    return steps


MAX_STORY_STEPS = 500  # the story so far shows at most the last 500 scenes


def history_page(session: Session) -> list[PageBlock]:
    story = session.story
    out = [block("heading", "Your path so far")]
    before = len(session.origin.path)  # a chapter: the historical path up to its start was not chosen
    for n, (st, choice) in enumerate(_steps(session)):
        sc: Scene = story.scenes[st.scene]
        ours = " (ours)" if sc.invented else ""
        out.append(block("item", f"{clock_line(story, st)} — {sc.title}, {sc.place}{ours}"))
        if choice is not None:
            mark = {"historical": " (as it happened)", "counterfactual": " (it did not happen)",
                    "neutral": " (the record says neither way)"}.get(
                choice.mark or "", "")
            who = "Before this chapter, as it happened" if n < before else "You chose"
            out.append(block("item", f"{who}: {render(story, st, choice.text)}{mark if n >= before else ''}", level=1))
    return out


def story_page(session: Session) -> list[PageBlock]:
    """The story so far, like the page of a browser game: every scene passed through with its
    text, the choice taken there and what followed from it; the current scene last."""
    story = session.story
    out = [block("heading", "The story so far")]
    steps = _steps(session)
    if len(steps) > MAX_STORY_STEPS:
        out.append(block("hint", f"(the first {len(steps) - MAX_STORY_STEPS} scenes are left out)"))
        steps = steps[-MAX_STORY_STEPS:]
    for i, (st, choice) in enumerate(steps):
        sc: Scene = story.scenes[st.scene]
        out += [GAP, block("title", sc.title), block("hint", header_line(story, st))]
        out += [block("text", p) for p in _paragraphs(render(story, st, sc.text))]
        if choice is not None:
            out.append(block("item", f"You chose: {render(story, st, choice.text)}"))
            if choice.note:  # a note is shown in the state after the choice
                after = steps[i + 1][0] if i + 1 < len(steps) else st
                out.append(block("note", render(story, after, choice.note)))
        else:
            out.append(block("hint", "You are here."))
    return out


def status_page(session: Session) -> list[PageBlock]:
    story, state = session.story, session.state
    out = [block("heading", "Status")]
    shown = [v for v in story.variables if v.visible]
    if not shown:
        out.append(block("text", "This scenario keeps no score to show."))
    for v in shown:
        value = state.vars[v.index]
        text = ("yes" if value else "no") if isinstance(value, bool) else str(value)
        out.append(block("item", f"{v.label or v.name.replace('_', ' ')}: {text}"))
    return out


HELP: Sequence[tuple[str, str]] = (
    ("a number", "take that choice"),
    ("sources", "the passages from the record this scene rests on, in context"),
    ("disputes", "where the sources disagree"),
    ("history", "your path so far, with the time of each scene"),
    ("story", "the story so far: every scene you passed through, and what you chose"),
    ("status", "what you know of the situation"),
    ("save [name]", "save the game in a slot (the game also saves itself after every choice)"),
    ("load [name]", "load a saved game; without a name, list the saves"),
    ("undo", "take back the last choice"),
    ("restart", "start the scenario again"),
    ("choices", "the scene's choices again (in plain mode an empty line shows them too)"),
    ("quit", "leave; your game is saved, and the command that continues it is shown"),
    ("help", "this list"),
)


def help_page(full_ui: bool = False) -> list[PageBlock]:
    out = [block("heading", "Commands")]
    out += [block("item", f"{name} — {text}") for name, text in HELP]
    if full_ui:
        out += [GAP, block("hint", "Up and Down pick a choice, Enter takes it; PageUp and PageDown scroll."),
                block("hint", "F1 help, F2 sources, F3 disputes, F4 history, F5 status, F6 the story so far;"),
                block("hint", "Esc goes back. Click a choice to take it; the mouse wheel scrolls."),
                block("hint", "Tab completes a command, Ctrl-P and Ctrl-N recall earlier ones;"),
                block("hint", "Ctrl-C or Ctrl-D saves and quits.")]
    return out


def slots_page(rows: Iterable[tuple[str, str]]) -> list[PageBlock]:
    out = [block("heading", "Saved games")]
    items = [block("item", f"{name} — {info}" if info else name) for name, info in rows]
    out += items or [block("text", "No saved games yet. Type save NAME to make one.")]
    return out


# --- plain text ----------------------------------------------------------------------------


def marked(passage: str, marks: Sequence[tuple[int, int]]) -> list[tuple[bool, str]]:
    """The passage in pieces, each quoted span (or all of it, without marks) flagged True."""
    if not marks:
        return [(True, passage)]
    out: list[tuple[bool, str]] = []
    at = 0
    for start, end in marks:
        if start > at:
            out.append((False, passage[at:start]))
        out.append((True, passage[start:end]))
        at = end
    if at < len(passage):
        out.append((False, passage[at:]))
    return out


def context_text(before: str, passage: str, after: str) -> str:
    """The three parts joined with spaces, but none before punctuation that follows the passage."""
    text = f"{before} {passage}" if before else passage
    if after:
        text += after if after[0] in ",.;:!?)]" else f" {after}"
    return text


_SPACED_DOTS = re.compile(r"(?<=\.) (?=\.)")
_HOLD = "\x00"  # never in shown text (sanitize removes control characters)


def hold_ellipses(text: str) -> str:
    """A printed ellipsis ". . ." as one unbreakable word (undo with `release_ellipses`)."""
    return _SPACED_DOTS.sub(_HOLD, text) if ". ." in text else text


def release_ellipses(text: str) -> str:
    return text.replace(_HOLD, " ")


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    lines = textwrap.wrap(hold_ellipses(text), width=max(width, len(first) + 8), initial_indent=first,
                          subsequent_indent=rest, break_on_hyphens=False) or [first.rstrip()]
    return [release_ellipses(line) for line in lines]


def to_plain(blocks: Iterable[PageBlock], width: int) -> str:
    """The blocks as plain lines: no colour, no boxes, nothing but text and newlines."""
    width = max(10, width)
    lines: list[str] = []
    previous: Kind | None = None
    for b in blocks:
        pad = "  " * b.level
        if b.kind == "gap":
            if lines and lines[-1] != "":
                lines.append("")
        elif b.kind == "choice":
            lead = f"{b.number}. "
            lines += _wrap(b.text, width, pad + lead, pad + " " * len(lead))
        elif b.kind == "closed":
            lines += _wrap(f"(closed: {b.extra}) {b.text}" if b.extra else f"(closed) {b.text}", width,
                           pad + "  ", pad + "    ")
        elif b.kind == "item":
            lead = f"{b.number}. " if b.number is not None else "- "
            lines += _wrap(b.text, width, pad + lead, pad + " " * len(lead))
        elif b.kind == "quote":
            lines += _wrap(f'"{b.text}"', width, pad + "  ", pad + "  ")
            if b.extra:
                lines += _wrap(f"— {b.extra}", width, pad + "    ", pad + "      ")
        elif b.kind == "context":
            shown = "".join(f"[{piece}]" if quoted else piece for quoted, piece in marked(b.extra, b.marks))
            lines += _wrap(f"In context: {context_text(b.text, shown, b.after)}", width,
                           pad + "  ", pad + "  ")
        elif b.kind == "heading":
            if lines and lines[-1] != "" and previous not in ("gap", None):
                lines.append("")
            lines += _wrap(b.text, width, pad, pad)
        elif b.kind == "text" and previous == "text":
            lines.append("")
            lines += _wrap(b.text, width, pad, pad)
        elif b.kind == "error":
            lines += _wrap(f"! {b.text}", width, pad, pad + "  ")
        elif b.kind == "ours":
            lines += _wrap(f"[{b.text}]", width, pad, pad + " ")
        else:
            lines += _wrap(b.text, width, pad, pad)
        previous = b.kind
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"
