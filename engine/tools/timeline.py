"""The timeline: the scenes of several scenarios placed on one clock, and their shared events.

A class can see what happened in the Malachite Hall, the Duma, the fortress and Smolny in the
same hour. Each scene is placed at the earliest clock any path of choices reaches it with
(the clock of `engine.core.machine`: a scene's own time moves it forward, across midnight when
the time of day is earlier), as a Julian Day Number and minutes into the day, so scenarios
written in either calendar share one clock and are shown in both. A scene with a time of its
own is *exact*; one without follows the scene before it ("after 19:00").

Scenes that list the same `events:` id are the same moment seen from different rooms: the
timeline links them, and `conflicts` reports (E705) an event given different times by the
scenarios that share it. This module is pure data; `chronicle timeline` renders it.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from engine.base.codes import CODES as TABLE
from engine.base.diagnostics import Diagnostic
from engine.core import machine
from engine.core.calendar import MINUTES_PER_DAY, MONTHS, advance, format_time, from_jdn, to_jdn
from engine.core.model import Story
from engine.tools.lint import SourceFiles

MAX_SCENES = 100_000  # a bound on the work of placing one scenario's scenes


@dataclass(frozen=True)
class Moment:
    """One scene on the shared clock."""

    scenario: str  # the scenario's id
    scenario_title: str
    scene: str
    title: str
    place: str
    jdn: int  # the day, as a Julian Day Number (the same day in both calendars)
    minutes: int  # minutes after midnight
    exact: bool  # the scene has a time of its own
    events: tuple[str, ...] = ()
    invented: str = ""
    file: str = ""
    line: int = 0

    @property
    def julian(self) -> date:
        return from_jdn(self.jdn, "julian")

    @property
    def gregorian(self) -> date:
        return from_jdn(self.jdn, "gregorian")

    @property
    def time(self) -> str:
        return format_time(self.minutes)

    @property
    def anchor(self) -> str:
        """A stable id for links: "scenario--scene" (both are checked identifiers)."""
        return f"{self.scenario}--{self.scene}"

    def sort_key(self) -> tuple[int, int, bool, str, str]:
        return (self.jdn, self.minutes, not self.exact, self.scenario, self.scene)


@dataclass(frozen=True)
class Timeline:
    moments: tuple[Moment, ...]  # in clock order

    def events(self) -> dict[str, tuple[Moment, ...]]:
        """Each event id shared by at least two scenarios, with its scenes in clock order."""
        found: dict[str, list[Moment]] = {}
        for m in self.moments:
            for ev in m.events:
                found.setdefault(ev, []).append(m)
        return {ev: tuple(ms) for ev, ms in sorted(found.items()) if len({m.scenario for m in ms}) >= 2}

    def between(self, start: int | None, end: int | None) -> Timeline:
        """The moments whose time of day is in [start, end] (minutes; wraps midnight when start > end)."""
        if start is None and end is None:
            return self
        lo = 0 if start is None else start
        hi = MINUTES_PER_DAY - 1 if end is None else end
        if lo <= hi:
            keep = [m for m in self.moments if lo <= m.minutes <= hi]
        else:
            keep = [m for m in self.moments if m.minutes >= lo or m.minutes <= hi]
        return replace(self, moments=tuple(keep))

    def days(self) -> list[tuple[int, tuple[Moment, ...]]]:
        """The moments grouped by day, in order."""
        out: dict[int, list[Moment]] = {}
        for m in self.moments:
            out.setdefault(m.jdn, []).append(m)
        return [(day, tuple(ms)) for day, ms in out.items()]


def place(story: Story) -> list[Moment]:
    """Every scene of `story` that a path reaches with a known clock, at its earliest clock.

    Scenes before the first scene with a time (the clock still unknown) are left out."""
    first = machine.start(story)
    # the clock is unknown (None, before every time: -1 here) until the first scene with a time
    best: dict[str, int] = {story.start: -1 if first.clock is None else first.clock}
    todo = [(best[story.start], story.start)]
    while todo and len(best) <= MAX_SCENES:
        clock, sid = heapq.heappop(todo)
        if best.get(sid, clock) < clock:
            continue
        scene = story.scenes.get(sid)
        if scene is None:
            continue
        for c in scene.choices:
            target = story.scenes.get(c.target)
            if target is None:
                continue
            moved = advance(None if clock < 0 else clock, target.time, target.day)
            then = -1 if moved is None else moved
            if then < best.get(c.target, then + 1):
                best[c.target] = then
                heapq.heappush(todo, (then, c.target))
    start_jdn = to_jdn(story.start_date, story.calendar)
    out = []
    for sid, clock in best.items():
        if clock < 0:  # no time yet: the scene cannot be placed
            continue
        sc = story.scenes[sid]
        day, minutes = divmod(clock, MINUTES_PER_DAY)
        out.append(Moment(story.id, story.title, sid, sc.title, sc.place, start_jdn + day, minutes,
                          sc.time is not None, sc.events, sc.invented, sc.file, sc.line))
    return out


def timeline(stories: Iterable[Story]) -> Timeline:
    moments = [m for story in stories for m in place(story)]
    return Timeline(tuple(sorted(moments, key=Moment.sort_key)))


def conflicts(stories: Sequence[Story]) -> list[Diagnostic]:
    """E705: a shared event that the scenarios sharing it place at different times (exact scenes
    only; a scene with events but no time of its own is lint's E704)."""
    line = timeline(stories)
    files = SourceFiles()
    out: list[Diagnostic] = []
    for ev, moments in line.events().items():
        exact = [m for m in moments if m.exact]
        times = {(m.jdn, m.minutes) for m in exact}
        if len(times) < 2:
            continue
        # the first scenario (by id) that gives the event sets the time the others are measured by
        first = min(exact, key=lambda m: (m.scenario, m.scene))
        for m in exact:
            if (m.jdn, m.minutes) == (first.jdn, first.minutes):
                continue
            ln, col = files.mark(m.file, ("scenes", m.scene, "time"), m.line)
            out.append(Diagnostic(
                m.file, ln, col, TABLE["E705"].severity, "E705",
                f'the event "{ev}" is at {_when(m)} in {m.scenario} ("{m.scene}") but at {_when(first)} '
                f'in {first.scenario} ("{first.scene}")',
                "the same event happens at the same time in every scenario: give the scenes the time "
                "the record gives it (see chronicle timeline)"))
    return sorted(out)


def _when(m: Moment) -> str:
    j, g = m.julian, m.gregorian
    return f"{j.day} {MONTHS[j.month - 1]} {j.year} O.S. ({g.day} {MONTHS[g.month - 1]} N.S.), {m.time}"

