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

The inner loop is kept tight: scenes and choices are numbered, counts live in flat lists, each
variable tuple is interned to a small int (`engine.tools.step_tables`), a state is one int, and the
open choices of each state met (with the state each leads to) are remembered, so a step is one
look-up and one draw. They are computed with the story's own compiled closures — the
transition of `engine.core.machine.transition`, without the clock (which no condition can read) —
through memo tables that remember what each closure gave for each variable tuple.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain, repeat
from typing import Any, NamedTuple

from engine.base.gcpause import paused_gc
from engine.core.machine import start
from engine.core.model import Story, Vars, Visits
from engine.tools.step_tables import Interner, Memo, cleared, per_story, visit_readers
from engine.tools.text_branches import ArmInfo, TextBranches

DEFAULT_MAX_STEPS = 1000
BLOCK = 1 << 14  # random bytes drawn at a time (a multiple of 4: the stream is one randbytes call)
CACHE_LIMIT = 1 << 18  # states whose open choices are remembered (then forgotten, all at once)

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


def _next_vid(test: Any, apply: Any, vars_: Vars, visits: Visits, intern: Callable[[Vars], int]) -> int:
    """The vid of the variables after the choice, or -1 if it is closed."""
    if test is not None and not test(vars_, visits):
        return -1
    return intern(vars_ if apply is None else apply(vars_, visits))


def _row_vid(row: Row, vid: int, vlist: list[Vars], visits: Visits, intern: Callable[[Vars], int]) -> int:
    memo, _, _, (test, apply, _, _) = row
    if memo is None:
        return _next_vid(test, apply, vlist[vid], visits, intern)
    nvid: int | None = memo.get(vid)
    if nvid is None:
        nvid = memo[vid] = _next_vid(test, apply, vlist[vid], visits, intern)
    return nvid


class _Tables(NamedTuple):
    """What random play needs of a story, built once per story (`engine.tools.step_tables.per_story`)."""

    scene_ids: list[str]
    choice_ids: list[str]
    targets: list[int]  # target scene number of each choice, in choice-number order
    endings: list[bool]  # by scene number
    first: int
    # per scene number: None for an ending, else its rows: (memo, target number, choice number,
    # (test, apply, visit index, visit cap)). The memo, shared by every row with the same
    # condition and effect, maps a vid to the vid the choice leads to, or to -1 if the choice
    # is closed; rows whose closures read visit counts have none and run them every time.
    table: list[tuple[Row, ...] | None]
    memos: list[Memo]  # emptied before and after every run (vids are numbered afresh)


def _tables(story: Story) -> _Tables:
    scene_ids = list(story.scenes)
    sidx = {s: i for i, s in enumerate(scene_ids)}
    readers = visit_readers(story)
    memos: dict[tuple[int, int], Memo] = {}
    table: list[tuple[Row, ...] | None] = []
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
            built.append((memo, sidx[c.target], cn, (c.test, c.apply, c.to_visit, c.to_visit_cap)))
        table.append(None if sc.ending is not None else tuple(built))
    endings = [story.scenes[s].ending is not None for s in scene_ids]
    return _Tables(scene_ids, choice_ids, targets, endings, sidx[story.start], table, list(memos.values()))


def random_play(story: Story, n: int, seed: int, max_steps: int = DEFAULT_MAX_STEPS) -> RandomReport:
    """Play `n` seeded random games of at most `max_steps` choices each."""
    tables = per_story(story, "randomtest", _tables)
    with paused_gc(), cleared(tables.memos):
        return _random_play(story, tables, n, seed, max_steps)


def _random_play(story: Story, tables: _Tables, n: int, seed: int, max_steps: int) -> RandomReport:
    table = tables.table
    n_scenes = len(tables.scene_ids)
    choice_hits = [0] * len(tables.choice_ids)
    ends = [0] * n_scenes  # endings and softlocks by scene number
    interner = Interner()
    intern, vlist = interner.__call__, interner.values
    track = bool(story.tracked)
    ctx_ids: dict[tuple[int, Visits], int] = {}
    ctxs: list[tuple[int, Visits]] = []
    # A state is the int  ctx << shift | scene number, where ctx is the vid when no visits are
    # tracked, else the number of the interned (vid, visits) pair. `cache` maps a state to its
    # open choices: (((next state, choice number), ...), m, byte limit), with m = -1 for an
    # ending (and 0 when stuck); so a step is one look-up and one draw.
    shift = n_scenes.bit_length()
    mask = (1 << shift) - 1

    def ctx(vid: int, visits: Visits) -> int:
        if not track:
            return vid
        pair = (vid, visits)
        found = ctx_ids.get(pair)
        if found is None:
            found = ctx_ids[pair] = len(ctxs)
            ctxs.append(pair)
        return found

    s0 = start(story)
    first = ctx(intern(s0.vars), s0.visits) << shift | tables.first
    cache: dict[int, tuple[tuple[tuple[int, int], ...], int, int]] = {}
    get = cache.get

    def expand(state: int) -> tuple[tuple[tuple[int, int], ...], int, int]:
        rows = table[state & mask]
        if rows is None:
            found: tuple[tuple[tuple[int, int], ...], int, int] = ((), -1, 0)
        else:
            vid, visits = ctxs[state >> shift] if track else (state >> shift, s0.visits)
            opts = []
            for row in rows:
                nvid = _row_vid(row, vid, vlist, visits, intern)
                if nvid >= 0:
                    _, target, number, (_, _, vi, cap) = row
                    if vi >= 0 and visits[vi] < cap:
                        nvisits = visits[:vi] + (visits[vi] + 1,) + visits[vi + 1:]
                    else:
                        nvisits = visits
                    opts.append((ctx(nvid, nvisits) << shift | target, number))
            m = len(opts)
            found = (tuple(opts), m, 256 - 256 % m if 0 < m <= 256 else 0)
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
            if table[state & mask] is None:
                ends[state & mask] += 1
            else:
                capped += 1
        total += steps
        if steps > longest:
            longest, longest_game = steps, game
    # entries into a scene: the starts, plus every choice that leads there
    scene_ids = tables.scene_ids
    scene_hits = [0] * len(scene_ids)
    scene_hits[tables.first] += n
    for t, hits in zip(tables.targets, choice_hits, strict=True):
        if hits:
            scene_hits[t] += hits
    report = RandomReport(story.id, n, seed, max_steps, steps=total, capped=capped,
                          longest=max(longest, 0), longest_game=longest_game)
    report.scene_hits = dict(zip(scene_ids, scene_hits, strict=True))
    report.choice_hits = dict(zip(tables.choice_ids, choice_hits, strict=True))
    if entered is not None:
        counts = dict.fromkeys(((a.scene, a.where, a.number) for a in branches.arms), 0)
        for (st, number), times in entered.items():
            vid, visits = ctxs[st >> shift] if track else (st >> shift, s0.visits)
            sid = scene_ids[st & mask]
            for key in branches.shown(sid, vlist[vid], visits):
                counts[key] += times
            if number >= 0:
                choice = story.choices_by_id[tables.choice_ids[number]]
                for key in branches.shown_note(choice, vlist[vid], visits):
                    counts[key] += times
        report.arm_hits = [(a, counts[(a.scene, a.where, a.number)]) for a in branches.arms]
    for sid, is_end, count in zip(scene_ids, tables.endings, ends, strict=True):
        if is_end:
            report.endings[sid] = count
        elif count:
            report.stuck[sid] = count
    return report
