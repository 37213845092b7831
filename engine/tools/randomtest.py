"""Seeded random playthroughs (like ChoiceScript's randomtest).

`random_play(story, n, seed, max_steps)` plays `n` games, each time taking one of the open
choices uniformly at random, and counts how often each scene and each choice is hit, how the
games end and how long they are. A game that reaches no ending within `max_steps` choices is
counted as capped; a game that reaches a scene with no open choice is counted as stuck (a
softlock).

The draw: the games read, in order, the bytes of `random.Random(seed).randbytes` (as if one
long call). A step picks among the m open choices, in the author's order, with one byte b: a
byte with b >= 256 - 256 % m is passed over and the next one read, else it picks choice b % m,
so every open choice is exactly equally likely (with more than 256 open choices, big-endian
groups of two or more bytes are read the same way). The same seed gives the same report with
the same engine version; the sequence is not promised across versions.

The step is not computed here: the open choices of a state, and the state each leads to, are
`engine.tools.step_tables.Walk.successors`, which is the machine's step (`engine.core.machine.allows`,
`effect` and `visit`, of which `machine.transition` is made; the clock, which no condition can
read, is left out) remembered in memo tables. The inner loop is kept tight: scenes and choices
are numbered, counts live in flat lists, a state is one int key of the walk, and the successors
of each state met are remembered, so a step is one look-up and one draw.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain, repeat
from typing import Any

from engine.base.gcpause import paused_gc
from engine.core.model import Story
from engine.tools.step_tables import Walk, walking
from engine.tools.text_branches import ArmInfo, TextBranches

DEFAULT_MAX_STEPS = 1000
BLOCK = 1 << 14  # random bytes drawn at a time (a multiple of 4: the stream is one randbytes call)
CACHE_LIMIT = 1 << 18  # states whose open choices are remembered (then forgotten, all at once)


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
    # how many times each arm of a text template ({if}/{elif}/{else}) was shown
    arm_hits: list[tuple[ArmInfo, int]] = field(default_factory=list)

    @property
    def mean_length(self) -> float:
        return self.steps / self.playthroughs if self.playthroughs else 0.0

    @property
    def problems(self) -> list[str]:
        """What makes `chronicle randomtest` exit 1: games stuck in a softlock, or no game ended."""
        out = []
        stuck = sum(self.stuck.values())
        if stuck:
            out.append(f"{stuck:,} of {self.playthroughs:,} game(s) got stuck (a scene with no open choice)")
        if self.playthroughs and not any(self.endings.values()):
            out.append("no game reached an ending")
        return out

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
            "text_branches": [{**vars(a), "shown": k} for a, k in self.arm_hits],
        }


def _uniform(k: int, draw: Callable[[], int], first: int | None = None) -> int:
    """A number in range(k), exactly uniform, from the byte stream (see the module's doc);
    `first` is a byte already read that begins the first group."""
    size = 1
    while 256**size < k:
        size += 1
    span = 256**size
    limit = span - span % k
    while True:
        v = 0
        for _ in range(size):
            if first is None:
                v = v << 8 | draw()
            else:
                v, first = first, None
        if v < limit:
            return v % k


def random_play(story: Story, n: int, seed: int, max_steps: int = DEFAULT_MAX_STEPS) -> RandomReport:
    """Play `n` seeded random games of at most `max_steps` choices each."""
    with paused_gc(), walking(story) as walk:
        return _random_play(walk, n, seed, max_steps)


def _random_play(walk: Walk, n: int, seed: int, max_steps: int) -> RandomReport:
    story, table = walk.story, walk.table
    rows_of = table.rows
    n_scenes = len(table.scene_ids)
    choice_hits = [0] * len(table.choices)
    ends = [0] * n_scenes  # endings and softlocks by scene number
    # A state is a key of `walk` (`engine.tools.step_tables.Walk`). `cache` maps a state to its
    # open choices: (((next state, choice number), ...), m, byte limit), with m = -1 for an
    # ending (and 0 when stuck); so a step is one look-up and one draw.
    successors, mask = walk.successors, walk.mask
    first = walk.start()
    cache: dict[int, tuple[tuple[tuple[int, int], ...], int, int]] = {}
    get = cache.get

    def expand(state: int) -> tuple[tuple[tuple[int, int], ...], int, int]:
        succ = successors(state)
        if succ is None:
            found: tuple[tuple[tuple[int, int], ...], int, int] = ((), -1, 0)
        else:
            m = len(succ)
            found = (tuple(succ), m, 256 - 256 % m if 0 < m <= 256 else 0)
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[state] = found
        return found

    branches = TextBranches(story)
    # with text branches: how often each state was entered, and by which choice (-1: the start)
    entered: dict[tuple[int, int], int] | None = {} if branches else None
    rng = random.Random(seed)
    draw = chain.from_iterable(map(rng.randbytes, repeat(BLOCK))).__next__
    total = 0
    capped = 0
    longest, longest_game = -1, -1
    most = max(0, max_steps)
    for game in range(n):
        state = first
        if entered is not None:
            entered[(state, -1)] = entered.get((state, -1), 0) + 1
        for steps in range(most):  # noqa: B007 - steps is read after the loop
            entry = get(state)
            if entry is None:
                entry = expand(state)
            opts, m, limit = entry
            if m <= 0:  # an ending, or stuck
                ends[state & mask] += 1
                break
            b = draw()
            if b >= limit:
                b = _uniform(m, draw, None if limit else b)
            state, number = opts[b % m]
            choice_hits[number] += 1
            if entered is not None:
                entered[(state, number)] = entered.get((state, number), 0) + 1
        else:  # max_steps choices taken (or none allowed)
            steps = most
            if rows_of[state & mask] is None:
                ends[state & mask] += 1
            else:
                capped += 1
        total += steps
        if steps > longest:
            longest, longest_game = steps, game
    # entries into a scene: the starts, plus every choice that leads there
    scene_ids = table.scene_ids
    scene_hits = [0] * len(scene_ids)
    scene_hits[walk.scene_of(first)] += n
    for t, hits in zip(table.targets, choice_hits, strict=True):
        if hits:
            scene_hits[t] += hits
    report = RandomReport(story.id, n, seed, max_steps, steps=total, capped=capped,
                          longest=max(longest, 0), longest_game=longest_game)
    report.scene_hits = dict(zip(scene_ids, scene_hits, strict=True))
    report.choice_hits = dict(zip((c.id for c in table.choices), choice_hits, strict=True))
    if entered is not None:
        counts = dict.fromkeys(((a.scene, a.where, a.number) for a in branches.arms), 0)
        for (st, number), times in entered.items():
            vars_, visits = walk.vars_of(st), walk.visits_of(st)
            sid = scene_ids[st & mask]
            for key in branches.shown(sid, vars_, visits):
                counts[key] += times
            if number >= 0:
                choice = table.choices[number]
                for key in branches.shown_note(choice, vars_, visits):
                    counts[key] += times
        report.arm_hits = [(a, counts[(a.scene, a.where, a.number)]) for a in branches.arms]
    for sid, rows, count in zip(scene_ids, rows_of, ends, strict=True):
        if rows is None:
            report.endings[sid] = count
        elif count:
            report.stuck[sid] = count
    return report
