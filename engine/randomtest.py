"""Seeded random playthroughs (like ChoiceScript's randomtest).

`random_play(story, n, seed, max_steps)` plays `n` games, each time taking one of the open
choices uniformly at random (`random.Random(seed)`: the same seed gives the same report), and
counts how often each scene and each choice is hit, how the games end and how long they are.
A game that reaches no ending within `max_steps` choices is counted as capped; a game that
reaches a scene with no open choice is counted as stuck (a softlock).

The inner loop is kept tight: scenes and choices are numbered, counts live in flat lists, and
the transition is `engine.machine.transition`'s own, inlined, without the clock (which no
condition can read).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from engine.machine import start
from engine.model import Story

DEFAULT_MAX_STEPS = 1000


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


def random_play(story: Story, n: int, seed: int, max_steps: int = DEFAULT_MAX_STEPS) -> RandomReport:
    """Play `n` seeded random games of at most `max_steps` choices each."""
    scene_ids = list(story.scenes)
    sidx = {s: i for i, s in enumerate(scene_ids)}
    all_choices = [c for sc in story.scenes.values() for c in sc.choices]
    # per scene number: None for an ending, else (conditional?, rows, len(rows)); a row is
    # (test, apply, visit index, visit cap, target number, choice number)
    table: list[tuple[bool, tuple[tuple[Any, ...], ...], int] | None] = []
    cn = 0
    for sid in scene_ids:
        sc = story.scenes[sid]
        if sc.ending is not None:
            table.append(None)
            cn += len(sc.choices)
            continue
        built: list[tuple[Any, ...]] = []
        for c in sc.choices:
            built.append((c.test, c.apply, c.to_visit, c.to_visit_cap, sidx[c.target], cn))
            cn += 1
        table.append((sc.conditional, tuple(built), len(built)))
    choice_hits = [0] * len(all_choices)
    ends = [0] * len(scene_ids)  # endings and softlocks by scene number
    s0 = start(story)
    first, vars0, visits0 = sidx[s0.scene], s0.vars, s0.visits
    rng = random.Random(seed)
    rand = rng.random
    total = 0
    capped = 0
    longest, longest_game = -1, -1
    for game in range(n):
        scene, vars_, visits = first, vars0, visits0
        steps = 0
        while True:
            entry = table[scene]
            if entry is None:
                ends[scene] += 1
                break
            if steps >= max_steps:
                capped += 1
                break
            conditional, rows, k = entry
            row = rows[int(rand() * k)]
            if conditional and row[0] is not None and not row[0](vars_, visits):
                # the pick is closed: pick again among the open ones (still uniform overall)
                open_ = [r for r in rows if r[0] is None or r[0](vars_, visits)]
                if not open_:
                    ends[scene] += 1
                    break
                row = open_[int(rand() * len(open_))]
            test, apply, vi, cap, scene, number = row
            if apply is not None:
                vars_ = apply(vars_, visits)
            if vi >= 0 and visits[vi] < cap:
                visits = visits[:vi] + (visits[vi] + 1,) + visits[vi + 1:]
            choice_hits[number] += 1
            steps += 1
        total += steps
        if steps > longest:
            longest, longest_game = steps, game
    # entries into a scene: the starts, plus every choice that leads there
    scene_hits = [0] * len(scene_ids)
    scene_hits[first] += n
    for k, c in enumerate(all_choices):
        scene_hits[sidx[c.target]] += choice_hits[k]
    report = RandomReport(story.id, n, seed, max_steps, steps=total, capped=capped,
                          longest=max(longest, 0), longest_game=longest_game)
    report.scene_hits = dict(zip(scene_ids, scene_hits, strict=True))
    report.choice_hits = {c.id: choice_hits[k] for k, c in enumerate(all_choices)}
    for k, sid in enumerate(scene_ids):
        if story.scenes[sid].ending is not None:
            report.endings[sid] = ends[k]
        elif ends[k]:
            report.stuck[sid] = ends[k]
    return report
