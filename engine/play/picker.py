"""The scenario picker: the scenarios grouped by date, each with its title, role, length and
summary, and the scenarios it interlocks with (the shared events they both show).

Read cheaply from each `scenario.yaml` and the `events:` of its scenes
(`engine.build.catalog.scenario_summaries`), without compiling anything; the chosen one is
compiled only once picked. Both front ends show the same blocks; a pick is a number or a
scenario id, numbered in the order shown (by date, then id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engine.play.pages import GAP, PageBlock, block


@dataclass(frozen=True)
class Entry:
    id: str
    path: str
    title: str
    role: str
    when: str
    length: str
    summary: str
    day: int | None = None  # the first day, as a Julian Day Number (for ordering); None if unknown
    events: tuple[str, ...] = ()  # the shared events its scenes show

    @property
    def facts(self) -> str:
        """"Pavel Maliantovich, Minister of Justice · about 30 minutes" (the date heads its group)."""
        return " · ".join(x for x in (self.role, self.length) if x)


def day_label(entry: Entry) -> str:
    """The heading of the entry's group: its first day, Old Style first whatever the scenario's
    calendar, so scenarios of the same day share one heading ("25 October 1917 (7 November N.S.)")."""
    from engine.core.calendar import format_date, from_jdn

    if entry.day is None:
        return entry.when or "Undated"
    try:
        return format_date(from_jdn(entry.day, "julian"), "julian", 0)
    except ValueError:
        return entry.when


def interlocks(entry: Entry, items: list[Entry]) -> str:
    """"Shares with The Duma March: aurora shot, palace falls; …" ("" when it shares nothing)."""
    mine = set(entry.events)
    parts = []
    for other in items:
        shared = [e for e in other.events if e in mine]
        if other.id != entry.id and shared:
            parts.append(f"{other.title}: {', '.join(e.replace('_', ' ') for e in shared)}")
    return f"Shares with {'; '.join(parts)}" if parts else ""


def _when(value: object, calendar: object) -> tuple[str, int | None]:
    """The first day as shown in both calendars, and as a Julian Day Number (None if unknown)."""
    from engine.core.calendar import CALENDARS, format_date, to_jdn

    text = str(value or "")
    try:
        day = value if isinstance(value, date) else date.fromisoformat(text)
        if calendar in CALENDARS:
            return format_date(day, str(calendar), 0), to_jdn(day, str(calendar))
    except ValueError:
        pass
    return text, None


def entries(root: str | None = None) -> list[Entry]:
    from engine.build.catalog import scenario_summaries

    out = []
    for row in scenario_summaries(root):
        when, day = _when(row["date"], row["calendar"])
        events = row.get("events")
        out.append(Entry(id=str(row["id"]), path=str(row["path"]), title=str(row["title"] or row["id"]),
                         role=str(row["role"] or ""), when=when, length=str(row["length"] or ""),
                         summary=" ".join(str(row["summary"] or "").split()), day=day,
                         events=tuple(str(e) for e in events) if isinstance(events, list) else ()))
    # by date (the undated last), then id: the order they are numbered in
    return sorted(out, key=lambda e: (e.day is None, e.day or 0, e.id))


def blocks(items: list[Entry], *, full_ui: bool = False) -> list[PageBlock]:
    out = [block("header", "Chronicle — choose a scenario"), GAP]
    if not items:
        out.append(block("text", "No scenarios found. Put scenario folders in ./scenarios, or set "
                                 "CHRONICLE_SCENARIOS to a folder of them."))
        return out
    group: str | None = None
    for n, e in enumerate(items, 1):
        label = day_label(e)
        if label != group:
            if n > 1:
                out.append(GAP)
            out.append(block("heading", label))
            group = label
        out.append(block("choice", e.title, number=n))
        if e.facts:
            out.append(block("item", e.facts, level=1))
        if e.summary:
            out.append(block("item", e.summary, level=1))
        shared = interlocks(e, items)
        if shared:
            out.append(block("item", shared, level=1))
    out.append(GAP)
    how = "Up and Down, then Enter, or type a number" if full_ui else "Type a number"
    out.append(block("hint", f"{how} to start; quit to leave."))
    return out


def pick(items: list[Entry], text: str) -> Entry | None:
    """The entry a line of input names: its number or its id."""
    text = text.strip()
    if text.isdigit():
        n = int(text[:6])
        return items[n - 1] if 1 <= n <= len(items) else None
    for e in items:
        if e.id == text:
            return e
    return None
