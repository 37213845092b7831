"""Seeded random playthroughs (like ChoiceScript's randomtest).

`random_play(story, n, seed, max_steps)` plays `n` games, each time taking one of the open
choices uniformly at random, and counts how often each scene and each choice is hit, how the
games end and how long they are. A game that reaches no ending within `max_steps` choices is
counted as capped; a game that reaches a scene with no open choice is counted as stuck (a
softlock).

The draw: with `r = random.Random(seed).random`, a step picks `int(r() * k)` among the scene's
k choices; if that one is closed, it picks again, `int(r() * m)` among the m open ones (so every
open choice is equally likely). The same seed gives the same report with the same engine
version; the sequence is not promised across versions.

The inner loop is kept tight: scenes and choices are numbered, counts live in flat lists, and
each variable tuple is interned to a small int, so a step is a few look-ups in memo tables
(`engine.statespace`) that remember what the story's own compiled closures gave — the
transition of `engine.machine.transition`, without the clock (which no condition can read).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from engine.machine import start
from engine.model import Story, Vars, Visits
from engine.statespace import Interner, Memo, paused_gc, per_story, visit_readers

DEFAULT_MAX_STEPS = 1000

Row = tuple[Any, ...]


@dataclass
class RandomReport:
    story_id: str
    playthroughs: int
    seed: int
    max_steps: int
    steps: int = 0  # choices taken in all
    scene_hits: dict[str, int] = field(default_factory=dict)  # entries into each scene
    choice_hits: dict[str, int] = field(default_factory=dict)
    endings: dict[str, int] = field(default_factory=dict)  # every ending, 0 when never reached
    stuck: dict[str, int] = field(default_factory=dict)  # softlocked games by scene
    capped: int = 0  # games that hit max_steps
    longest: int = 0
    longest_game: int = -1  # the number (0-based) of the first longest game

    @property
    def mean_length(self) -> float:
        return self.steps / self.playthroughs if self.playthroughs else 0.0

    def unvisited_scenes(self) -> list[str]:
        return [s for s, n in self.scene_hits.items() if n == 0]

    def unused_choices(self) -> list[str]:
        return [c for c, n in self.choice_hits.items() if n == 0]

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.story_id, "playthroughs": self.playthroughs, "seed": self.seed,
            "max_steps": self.max_steps, "steps": self.steps, "mean_length": round(self.mean_length, 3),
            "longest": self.longest, "longest_game": self.longest_game,
            "endings": self.endings, "stuck": self.stuck, "capped": self.capped,
            "scene_hits": self.scene_hits, "choice_hits": self.choice_hits,
            "unvisited_scenes": self.unvisited_scenes(), "unused_choices": self.unused_choices(),
        }


def _next_vid(test: Any, apply: Any, vars_: Vars, visits: Visits, intern: Interner) -> int:
    """The vid of the variables after the choice, or -1 if it is closed."""
    if test is not None and not test(vars_, visits):
        return -1
    return intern(vars_ if apply is None else apply(vars_, visits))


def _row_vid(row: Row, vid: int, vlist: list[Vars], visits: Visits, intern: Interner) -> int:
    tm = row[0]
    if tm is None:
        return _next_vid(row[1], row[2], vlist[vid], visits, intern)
    nvid: int | None = tm.get(vid)
    if nvid is None:
        nvid = tm[vid] = _next_vid(row[1], row[2], vlist[vid], visits, intern)
    return nvid


class _Tables(NamedTuple):
    """What random play needs of a story, built once per story (`engine.statespace.per_story`)."""

    scene_ids: list[str]
    choice_ids: list[str]
    targets: list[int]  # target scene number of each choice, in choice-number order
    endings: list[bool]  # by scene number
    first: int
    # per scene number: None for an ending, else (rows, len(rows)); a row is (memo, test, apply,
    # visit index, visit cap, target number, choice number). The memo, shared by every row with
    # the same condition and effect, maps a vid to the vid the choice leads to, or to -1 if the
    # choice is closed; a row whose closures read visit counts has none and runs them each time.
    table: list[tuple[tuple[Row, ...], int] | None]
    memos: list[Memo]  # emptied at the start of every run (vids are numbered afresh)


def _tables(story: Story) -> _Tables:
    scene_ids = list(story.scenes)
    sidx = {s: i for i, s in enumerate(scene_ids)}
    readers = visit_readers(story)
    memos: dict[tuple[int, int], Memo] = {}
    table: list[tuple[tuple[Row, ...], int] | None] = []
    choice_ids: list[str] = []
    targets: list[int] = []
    for sid in scene_ids:
        sc = story.scenes[sid]
        built: list[Row] = []
        for c in sc.choices:
            cn = len(choice_ids)
            choice_ids.append(c.id)
            targets.append(sidx[c.target])
            memo = None
            if id(c.test) not in readers and id(c.apply) not in readers:
                memo = memos.setdefault((id(c.test), id(c.apply)), {})
            built.append((memo, c.test, c.apply, c.to_visit, c.to_visit_cap, sidx[c.target], cn))
        table.append(None if sc.ending is not None else (tuple(built), len(built)))
    endings = [story.scenes[s].ending is not None for s in scene_ids]
    return _Tables(scene_ids, choice_ids, targets, endings, sidx[story.start], table, list(memos.values()))


def random_play(story: Story, n: int, seed: int, max_steps: int = DEFAULT_MAX_STEPS) -> RandomReport:
    """Play `n` seeded random games of at most `max_steps` choices each."""
    with paused_gc():
        return _random_play(story, n, seed, max_steps)


def _random_play(story: Story, n: int, seed: int, max_steps: int) -> RandomReport:
    tables = per_story(story, "randomtest", _tables)
    for memo in tables.memos:
        memo.clear()
    table = tables.table
    choice_hits = [0] * len(tables.choice_ids)
    ends = [0] * len(tables.scene_ids)  # endings and softlocks by scene number
    s0 = start(story)
    intern = Interner()
    vlist = intern.values
    first, vid0, visits0 = tables.first, intern(s0.vars), s0.visits
    rng = random.Random(seed)
    rand = rng.random
    total = 0
    capped = 0
    longest, longest_game = -1, -1
    most = max(0, max_steps)
    for game in range(n):
        scene, vid, visits = first, vid0, visits0
        for steps in range(most):  # noqa: B007 - steps is read after the loop
            entry = table[scene]
            if entry is None:
                ends[scene] += 1
                break
            rows, k = entry
            row = rows[int(rand() * k)]
            tm, test, apply, vi, cap, target, number = row
            if tm is None:
                nvid = _next_vid(test, apply, vlist[vid], visits, intern)
            else:
                nvid = tm.get(vid)
                if nvid is None:
                    nvid = tm[vid] = _next_vid(test, apply, vlist[vid], visits, intern)
            if nvid < 0:
                # the pick is closed: pick again among the open ones (still uniform overall)
                open_ = [(r, v) for r in rows if (v := _row_vid(r, vid, vlist, visits, intern)) >= 0]
                if not open_:
                    ends[scene] += 1
                    break
                row, nvid = open_[int(rand() * len(open_))]
                tm, test, apply, vi, cap, target, number = row
            vid = nvid
            if vi >= 0 and visits[vi] < cap:
                visits = visits[:vi] + (visits[vi] + 1,) + visits[vi + 1:]
            choice_hits[number] += 1
            scene = target
        else:  # max_steps choices taken (or none allowed)
            steps = most
            if table[scene] is None:
                ends[scene] += 1
            else:
                capped += 1
        total += steps
        if steps > longest:
            longest, longest_game = steps, game
    # entries into a scene: the starts, plus every choice that leads there
    scene_ids = tables.scene_ids
    scene_hits = [0] * len(scene_ids)
    scene_hits[first] += n
    for t, hits in zip(tables.targets, choice_hits, strict=True):
        if hits:
            scene_hits[t] += hits
    report = RandomReport(story.id, n, seed, max_steps, steps=total, capped=capped,
                          longest=max(longest, 0), longest_game=longest_game)
    report.scene_hits = dict(zip(scene_ids, scene_hits, strict=True))
    report.choice_hits = dict(zip(tables.choice_ids, choice_hits, strict=True))
    for sid, is_end, count in zip(scene_ids, tables.endings, ends, strict=True):
        if is_end:
            report.endings[sid] = count
        elif count:
            report.stuck[sid] = count
    return report
