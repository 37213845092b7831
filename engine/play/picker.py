"""The scenario picker: every scenario with its title, role, date, length and summary.

Read cheaply from each `scenario.yaml` (`engine.build.catalog.scenario_summaries`), without
compiling anything; the chosen one is compiled only once picked. Both front ends show the
same blocks; a pick is a number or a scenario id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engine.play.pages import GAP, Block, block


@dataclass(frozen=True)
class Entry:
    id: str
    path: str
    title: str
    role: str
    when: str
    length: str
    summary: str

    @property
    def facts(self) -> str:
        """"Pavel Maliantovich, Minister of Justice · 25 October 1917 (7 November N.S.) · about 30 minutes"."""
        return " · ".join(x for x in (self.role, self.when, self.length) if x)


def _when(value: object, calendar: object) -> str:
    from engine.core.calendar import CALENDARS, format_date

    text = str(value or "")
    try:
        day = value if isinstance(value, date) else date.fromisoformat(text)
        if calendar in CALENDARS:
            return format_date(day, str(calendar), 0)
    except ValueError:
        pass
    return text


def entries(root: str | None = None) -> list[Entry]:
    from engine.build.catalog import scenario_summaries

    out = []
    for row in scenario_summaries(root):
        out.append(Entry(id=str(row["id"]), path=str(row["path"]), title=str(row["title"] or row["id"]),
                         role=str(row["role"] or ""), when=_when(row["date"], row["calendar"]),
                         length=str(row["length"] or ""), summary=" ".join(str(row["summary"] or "").split())))
    return out


def blocks(items: list[Entry], *, full_ui: bool = False) -> list[Block]:
    out = [block("header", "Chronicle — choose a scenario"), GAP]
    if not items:
        out.append(block("text", "No scenarios found. Put scenario folders in ./scenarios, or set "
                                 "CHRONICLE_SCENARIOS to a folder of them."))
        return out
    for n, e in enumerate(items, 1):
        out.append(block("choice", e.title, number=n))
        if e.facts:
            out.append(block("item", e.facts, level=1))
        if e.summary:
            out.append(block("item", e.summary, level=1))
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
