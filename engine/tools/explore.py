"""Exhaustive exploration of every reachable state of a story (like ChoiceScript's quicktest).

A state, for exploration, is the key ``(scene, vars, visits)``: conditions cannot read the
clock, so the clock never decides which choices are open and is left out. A breadth-first
search from the start visits every key once, remembering for each the state it was first
reached from and the choice taken, so every path it reports is a shortest one.

Per state nothing is allocated but the key tuple (and the new variable and visit tuples the
transition makes): parents, choices and successor lists live in flat lists indexed by the
state's number in BFS order. The one transition function is `engine.core.machine.transition`.

After the search:

* endings: the first state reached in each ending scene, hence a shortest path to it;
* softlocks: non-ending states with no open choice;
* traps: strongly connected sets of states with a cycle from which no ending can be reached
  ("cycles with no way out"), found by a reverse search from the endings and Tarjan's
  algorithm on the states left over;
* bounds: effects whose result, computed without clamping, falls outside a variable's
  declared ``min``/``max`` (the engine clamps it; the author may not have meant it to).
"""

from __future__ import annotations

import os
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from engine.base.gcpause import paused_gc
from engine.core.machine import start
from engine.core.model import Choice, Story, Vars, Visits
from engine.expressions.language import VarSpec, parse_effects
from engine.tools.step_tables import Interner, cleared, per_story, visit_readers
from engine.tools.text_branches import ArmInfo, TextBranches

DEFAULT_MAX_STATES = 1_000_000
DEFAULT_MAX_MEMORY = 1 << 30  # bytes the process may hold while exploring (--max-memory, in MB)
EXAMPLES = 20  # how many softlocks / bound crossings are listed in detail


@dataclass
class Softlock:
    scene: str
    vars: dict[str, object]
    path: list[str]  # a shortest path of choice ids to this state


@dataclass
class Trap:
    """A set of states with a cycle from which no ending can be reached."""

    scenes: list[str]
    states: int
    path: list[str]  # a shortest path into the trap


@dataclass
class BoundCrossing:
    variable: str
    side: str  # "min" or "max"
    limit: int
    raw: int  # the value the effect computed before clamping
    choice: str
    path: list[str]  # a shortest path through the choice (given for the first EXAMPLES only)


@dataclass
class ExploreResult:
    story_id: str
    states: int = 0
    transitions: int = 0
    complete: bool = True
    max_states: int = DEFAULT_MAX_STATES
    expanded: int = 0  # states whose choices were followed (== states when complete)
    max_depth: int = 0
    longest_path: list[str] = field(default_factory=list)
    reached_scenes: list[str] = field(default_factory=list)
    unreachable_scenes: list[str] = field(default_factory=list)
    unreached_choices: list[str] = field(default_factory=list)  # choices of unreachable scenes
    never_enabled_choices: list[str] = field(default_factory=list)  # reached scene, never open
    endings: dict[str, dict[str, Any]] = field(default_factory=dict)
    softlock_count: int = 0
    softlocks: list[Softlock] = field(default_factory=list)
    doomed_states: int = 0  # states from which no ending can be reached
    traps: list[Trap] = field(default_factory=list)
    bounds: list[BoundCrossing] = field(default_factory=list)
    # arms of text templates ({if}/{elif}/{else}) that no explored state shows
    unshown_arms: list[ArmInfo] = field(default_factory=list)
    stopped_by: str | None = None  # "states" (--max-states) or "memory" (--max-memory) when incomplete
    max_memory: int | None = DEFAULT_MAX_MEMORY

    @property
    def coverage(self) -> dict[str, int]:
        """How much was explored: states found and expanded, scenes reached of all."""
        return {"states": self.states, "expanded": self.expanded, "scenes_reached": len(self.reached_scenes),
                "scenes": len(self.reached_scenes) + len(self.unreachable_scenes)}

    @property
    def ok(self) -> bool:
        """No softlock, no trap, every ending and scene reachable."""
        return (not self.softlock_count and not self.traps and not self.unreachable_scenes
                and all(e["reachable"] for e in self.endings.values()))

    @property
    def problems(self) -> list[str]:
        """What makes `chronicle explore` exit 1, one line each (empty: the story is sound)."""
        out = []
        if not self.complete:
            limit = "--max-memory" if self.stopped_by == "memory" else "--max-states"
            out.append(f"the exploration is incomplete: it stopped at {limit} after {self.states:,} states")
        if self.softlock_count:
            out.append(f"{self.softlock_count:,} softlock(s)")
        if self.traps:
            out.append(f"{len(self.traps):,} cycle(s) with no way out")
        never = [sid for sid, e in self.endings.items() if not e["reachable"]]
        if never:
            out.append(f"{len(never)} ending(s) never reached" + ("" if self.complete else " so far"))
        if self.unreachable_scenes and self.complete:
            out.append(f"{len(self.unreachable_scenes)} scene(s) never reached")
        if self.never_enabled_choices and self.complete:
            out.append(f"{len(self.never_enabled_choices)} choice(s) never open")
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.story_id,
            "complete": self.complete,
            "stopped_by": self.stopped_by,
            "coverage": self.coverage,
            "max_states": self.max_states,
            "max_memory_mb": None if self.max_memory is None else self.max_memory >> 20,
            "states": self.states,
            "expanded": self.expanded,
            "transitions": self.transitions,
            "max_depth": self.max_depth,
            "longest_path": self.longest_path,
            "reached_scenes": self.reached_scenes,
            "unreachable_scenes": self.unreachable_scenes,
            "unreached_choices": self.unreached_choices,
            "never_enabled_choices": self.never_enabled_choices,
            "endings": self.endings,
            "softlock_count": self.softlock_count,
            "softlocks": [vars(s) for s in self.softlocks],
            "doomed_states": self.doomed_states,
            "traps": [vars(t) for t in self.traps],
            "bounds": [vars(b) for b in self.bounds],
            "unshown_text_branches": [vars(a) for a in self.unshown_arms],
        }


class Spans:
    """The successors of state i are dst[a:b] for (a, b) = get(i): kept for the states that have
    edges, in three flat arrays (24 bytes a state; a dict of tuples took about ten times that)."""

    __slots__ = ("states", "starts", "ends")

    def __init__(self) -> None:
        self.states, self.starts, self.ends = array("q"), array("q"), array("q")

    def add(self, state: int, start: int, end: int) -> None:
        """States are added in increasing order."""
        self.states.append(state)
        self.starts.append(start)
        self.ends.append(end)

    def get(self, state: int, default: tuple[int, int] = (0, 0)) -> tuple[int, int]:
        at = bisect_left(self.states, state)
        if at < len(self.states) and self.states[at] == state:
            return self.starts[at], self.ends[at]
        return default


class _Tables(NamedTuple):
    """What exploration needs of a story, built once per story (`engine.tools.step_tables.per_story`)."""

    scene_ids: list[str]
    ending: list[bool]  # by scene number
    all_choices: list[Choice]  # in choice-number order
    # per scene number: None for an ending, else its rows (see `Row`)
    table: list[tuple[Row, ...] | None]
    memos: list[dict[int, Any]]  # emptied before and after every run (vids are numbered afresh)
    limits: Limits
    # by scene number: 1 if choices with no condition lead from it to an ending; every state in
    # such a scene can reach an ending, whatever its variables and visits
    sure_live: bytes


# A row: (condition memo, effect memo, target scene number, choice number, full row), where the
# full row is (condition memo, effect memo, target scene number, choice number, visit index,
# visit cap, test, apply, raw effect, crossings memo). The condition memo maps a vid to whether
# the choice is open (None: no condition); the effect memo maps it to the vid of the result, or
# to -1 - that vid when the effect computed without clamping (the raw effect, None unless the
# effect writes a bounded int) falls outside a bound (the crossings memo says how; None: no
# effect). Memos are shared by every row with the same
# closure. A closure that reads visit counts gets `_NO_MEMO`, which is never written to, and
# is run every time (its crossings are handed back through a dict of the row's own).
Row = tuple[Any, ...]
Limits = tuple[tuple[str, int, int | None, int | None], ...]  # bounded ints: (name, index, min, max)
Crossings = tuple[tuple[str, str, int, int], ...]  # (variable, "min"/"max", limit, raw value)
_NO_MEMO: dict[int, Any] = {}


def _tables(story: Story) -> _Tables:
    scene_ids = list(story.scenes)
    sidx = {s: i for i, s in enumerate(scene_ids)}
    raw = _raw_effects(story)
    readers = visit_readers(story)
    memos: dict[int, dict[int, Any]] = {}
    crossing_memos: dict[int, dict[int, Any]] = {}

    def memo(fn: Any, table: dict[int, dict[int, Any]]) -> dict[int, Any] | None:
        if fn is None:
            return None
        if id(fn) in readers:
            return _NO_MEMO
        return table.setdefault(id(fn), {})

    all_choices: list[Choice] = []
    table: list[tuple[Row, ...] | None] = []
    for sid in scene_ids:
        sc = story.scenes[sid]
        rows = []
        for c in sc.choices:
            cn = len(all_choices)
            all_choices.append(c)
            raw_fn = raw[c.id][0] if c.id in raw else None
            em = memo(c.apply, memos)
            # with no effect memo, a crossing is handed back through a dict of the row's own
            xm = {} if em is _NO_MEMO else memo(c.apply, crossing_memos)
            cm = memo(c.test, memos)
            rows.append((cm, em, sidx[c.target], cn, (cm, em, sidx[c.target], cn, c.to_visit, c.to_visit_cap,
                                                      c.test, c.apply, raw_fn, xm)))
        table.append(None if sc.ending is not None else tuple(rows))
    limits = tuple((v.name, v.index, v.min, v.max) for v in story.variables
                   if v.type == "int" and (v.min is not None or v.max is not None))
    ending = [story.scenes[s].ending is not None for s in scene_ids]
    return _Tables(scene_ids, ending, all_choices, table, [*memos.values(), *crossing_memos.values()], limits,
                   _sure_live(story, sidx, ending))


def _sure_live(story: Story, sidx: dict[str, int], ending: list[bool]) -> bytes:
    """Scenes from which choices without a condition (open in every state) reach an ending."""
    preds: list[list[int]] = [[] for _ in sidx]
    for sid, sc in story.scenes.items():
        if sc.ending is None:
            for c in sc.choices:
                if c.test is None:
                    preds[sidx[c.target]].append(sidx[sid])
    live = bytearray(len(sidx))
    work = [n for n, e in enumerate(ending) if e]
    for n in work:
        live[n] = 1
    for n in work:
        for p in preds[n]:
            if not live[p]:
                live[p] = 1
                work.append(p)
    return bytes(live)


def _is_open(row: Row, vid: int, vlist: list[Vars], visits: Visits) -> bool:
    """The condition memo missed: run the condition (and remember it, if it may)."""
    open_ = bool(row[6](vlist[vid], visits))
    if row[0] is not _NO_MEMO:
        row[0][vid] = open_
    return open_


def _effect(row: Row, vid: int, vlist: list[Vars], visits: Visits, intern: Callable[[Vars], int],
            limits: Limits) -> int:
    """The effect memo missed: run the effect (and remember it, if it may); see `Row`."""
    vars_ = vlist[vid]
    nv = row[7](vars_, visits)
    nvid = intern(nv)
    if row[8] is not None:  # the effect writes a bounded variable: run it unclamped too
        out = row[8](vars_, visits)
        found = []
        for name, i, lo, hi in limits:
            x = out[i]
            assert isinstance(x, int)
            if lo is not None and x < lo:
                found.append((name, "min", lo, x))
            elif hi is not None and x > hi:
                found.append((name, "max", hi, x))
        if found:
            row[9][vid] = tuple(found)
            nvid = -1 - nvid
    if row[1] is not _NO_MEMO:
        row[1][vid] = nvid
    return nvid


def _raw_effects(story: Story) -> dict[str, tuple[Callable[[Vars, Visits], Vars], tuple[int, ...]]]:
    """For choices whose effects write a bounded int variable: the effect computed without
    clamping, and the indices of the bounded variables it writes."""
    bounded = {v.name: v.index for v in story.variables
               if v.type == "int" and (v.min is not None or v.max is not None)}
    if not bounded:
        return {}
    specs = {v.name: VarSpec(v.name, v.index, v.type, None, None, v.values) for v in story.variables}
    scene_ids = list(story.scenes)
    visit_index = {s: i for i, s in enumerate(story.tracked)}
    out: dict[str, tuple[Callable[[Vars, Visits], Vars], tuple[int, ...]]] = {}
    memo: dict[tuple[str, ...], Any] = {}
    for sc in story.scenes.values():
        for c in sc.choices:
            if not c.do:
                continue
            if c.do not in memo:
                eff = parse_effects(list(c.do) if len(c.do) > 1 else c.do[0], specs, scene_ids)
                written = tuple(sorted(bounded[w] for w in eff.writes if w in bounded))
                memo[c.do] = (eff.bind(visit_index), written) if written else None
            if memo[c.do] is not None:
                out[c.id] = memo[c.do]
    return out


def _path(back: Sequence[int], choices: Sequence[Choice], nc: int, i: int) -> list[str]:
    """A shortest path of choice ids to state i (`back[i]` is parent * nc + choice number)."""
    out: list[str] = []
    while i > 0:
        i, cn = divmod(back[i], nc)
        out.append(choices[cn].id)
    out.reverse()
    return out


def explore(story: Story, max_states: int = DEFAULT_MAX_STATES,
            max_memory: int | None = DEFAULT_MAX_MEMORY) -> ExploreResult:
    """Visit every reachable state (up to `max_states`, and while the process stays under
    `max_memory` bytes; None: no memory limit) and report what an author must know."""
    tables = per_story(story, "explore", _tables)
    budget = Budget(max(1, max_states), max_memory, tables.memos)
    with paused_gc(), cleared(tables.memos):
        result = _explore(story, tables, max(1, max_states), budget)
    result.stopped_by = budget.why
    result.max_memory = max_memory
    return result


def resident_bytes() -> int:
    """The memory the process holds now (Linux: /proc/self/statm), else its peak so far."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


class Budget:
    """When the search must stop: at `max_states`, or when the process holds more than
    `max_memory` bytes. Asked every `CHECK_EVERY` new states (nothing is added to the inner
    loop: it is the state limit the search already tests, moved on in steps). The memos of
    conditions and effects are only caches: they are emptied when they grow past `MEMO_ENTRIES`,
    so a story whose every state has new variables does not pay for them twice."""

    CHECK_EVERY = 1 << 16
    MEMO_ENTRIES = 1 << 18

    def __init__(self, max_states: int, max_memory: int | None, memos: list[dict[int, Any]]) -> None:
        self.max_states, self.max_memory, self.memos = max_states, max_memory, memos
        self.why: str | None = None  # "states" or "memory" once the search stopped early

    def next_limit(self, n: int) -> int:
        """The state count at which to ask again; `n` itself to stop now."""
        if n >= self.max_states:
            self.why = "states"
            return n
        if sum(map(len, self.memos)) > self.MEMO_ENTRIES:
            for memo in self.memos:
                memo.clear()
        if self.max_memory is not None and n > 1 and resident_bytes() > self.max_memory:
            self.why = "memory"
            return n
        return min(self.max_states, n + self.CHECK_EVERY)


def _explore(story: Story, tables: _Tables, max_states: int, budget: Budget) -> ExploreResult:
    table, limits, sure = tables.table, tables.limits, tables.sure_live
    n_scenes = len(tables.scene_ids)
    nc = max(1, len(tables.all_choices))
    enabled = bytearray(len(tables.all_choices))
    interner = Interner()
    intern, vlist = interner.__call__, interner.values
    track = bool(story.tracked)
    # A state is the int key  ctx << shift | scene number, where ctx is the vid when no visits
    # are tracked, else the number of the interned (vid, visits) pair. States are numbered in
    # BFS order; the successors of state i are dst[a:b] for (a, b) = span[i], kept only for
    # the states the no-way-out search must look at: none of an ending or of a surely live
    # scene (`_Tables.sure_live`), which needs no search and cannot be stuck either.
    shift = n_scenes.bit_length()
    mask = (1 << shift) - 1
    ctx_ids: dict[tuple[int, Visits], int] = {}
    ctxs: list[tuple[int, Visits]] = []
    s0 = start(story)
    vid0 = intern(s0.vars)
    if track:
        ctx_ids[(vid0, s0.visits)] = 0
        ctxs.append((vid0, s0.visits))
    first = (0 if track else vid0) << shift | tables.scene_ids.index(s0.scene)
    order: list[int] = [first]
    seen: dict[int, int] = {first: 0}
    back = array("q", [-1])  # parent state * nc + choice number
    dst = array("q")
    span = Spans()
    ending_states: list[int] = []
    softlock_idx: list[int] = []
    bounds_at: list[tuple[int, int, tuple[str, str, int, int]]] = []  # (state, choice number, crossing)
    bounds_seen: set[tuple[str, str, int]] = set()
    closed = 0  # closed choices of the expanded states of surely live scenes
    closed_before = 0
    complete = True
    i = -1
    n = 1  # states found
    n_max = budget.next_limit(n)
    append_dst = dst.append
    append_order = order.append
    append_back = back.append
    get = seen.get
    visits: Visits = s0.visits
    # The search, three times over for speed: without visit counts, from a surely live scene
    # (no edges kept: the commonest case, first) or not; and the general case, with visit
    # counts. Keep them in step.
    # without visit counts, a surely live scene's rows (else None): the commonest case, first
    fast = [rows if rows is not None and sure[k] and not track else None for k, rows in enumerate(table)]
    for key in order:  # the list grows while we walk it: a FIFO queue
        i += 1
        rows = fast[key & mask]
        if rows is not None:
            vid = key >> shift
            closed_before = closed
            for cm, em, target, cn, row in rows:
                if cm is not None:
                    is_open = cm.get(vid)
                    if is_open is None:
                        is_open = _is_open(row, vid, vlist, visits)
                    if not is_open:
                        closed += 1
                        continue
                    enabled[cn] = 1
                if em is None:
                    nvid = vid
                else:
                    nvid = em.get(vid)
                    if nvid is None:
                        nvid = _effect(row, vid, vlist, visits, intern, limits)
                    if nvid < 0:
                        nvid = -1 - nvid
                        _crossed(row, vid, i, cn, bounds_seen, bounds_at)
                nkey = nvid << shift | target
                if get(nkey) is None:
                    if n >= n_max:
                        n_max = budget.next_limit(n)
                        if n >= n_max:
                            complete = False
                            break
                    seen[nkey] = n
                    n += 1
                    append_order(nkey)
                    append_back(i * nc + cn)
            if not complete:
                closed = closed_before
                while bounds_at and bounds_at[-1][0] == i:
                    bounds_at.pop()
                break
            continue
        scene = key & mask
        rows = table[scene]
        if rows is None:
            ending_states.append(i)
            continue
        if track:
            cx = key >> shift
            vid, visits = ctxs[cx]
        else:
            vid = key >> shift
        mark = len(dst)
        if not track:
            for cm, em, target, cn, row in rows:
                if cm is not None:
                    is_open = cm.get(vid)
                    if is_open is None:
                        is_open = _is_open(row, vid, vlist, visits)
                    if not is_open:
                        continue
                    enabled[cn] = 1
                if em is None:
                    nvid = vid
                else:
                    nvid = em.get(vid)
                    if nvid is None:
                        nvid = _effect(row, vid, vlist, visits, intern, limits)
                    if nvid < 0:
                        nvid = -1 - nvid
                        _crossed(row, vid, i, cn, bounds_seen, bounds_at)
                nkey = nvid << shift | target
                j = get(nkey)
                if j is None:
                    if n >= n_max:
                        n_max = budget.next_limit(n)
                        if n >= n_max:
                            complete = False
                            break
                    j = seen[nkey] = n
                    n += 1
                    append_order(nkey)
                    append_back(i * nc + cn)
                append_dst(j)
        else:
            for cm, em, target, cn, row in rows:
                if cm is not None:
                    is_open = cm.get(vid)
                    if is_open is None:
                        is_open = _is_open(row, vid, vlist, visits)
                    if not is_open:
                        continue
                    enabled[cn] = 1
                if em is None:
                    nvid = vid
                else:
                    nvid = em.get(vid)
                    if nvid is None:
                        nvid = _effect(row, vid, vlist, visits, intern, limits)
                    if nvid < 0:
                        nvid = -1 - nvid
                        _crossed(row, vid, i, cn, bounds_seen, bounds_at)
                vi = row[4]
                if nvid == vid and (vi < 0 or visits[vi] >= row[5]):
                    ncx = cx
                else:
                    pair = (nvid, visits[:vi] + (visits[vi] + 1,) + visits[vi + 1:]
                            if vi >= 0 and visits[vi] < row[5] else visits)
                    found = ctx_ids.get(pair)
                    if found is None:
                        found = ctx_ids[pair] = len(ctxs)
                        ctxs.append(pair)
                    ncx = found
                nkey = ncx << shift | target
                j = get(nkey)
                if j is None:
                    if n >= n_max:
                        n_max = budget.next_limit(n)
                        if n >= n_max:
                            complete = False
                            break
                    j = seen[nkey] = n
                    n += 1
                    append_order(nkey)
                    append_back(i * nc + cn)
                append_dst(j)
        if not complete:
            del dst[mark:]
            while bounds_at and bounds_at[-1][0] == i:
                bounds_at.pop()
            break
        end = len(dst)
        if end > mark:
            span.add(i, mark, end)
        else:
            softlock_idx.append(i)
    expanded = i if not complete else len(order)
    transitions = len(dst)
    if not track:  # the transitions of surely live scenes, which keep no edges
        sure_rows = [len(rows) if rows is not None and sure[k] else 0 for k, rows in enumerate(table)]
        transitions += sum(map(sure_rows.__getitem__, map(mask.__and__, order[:expanded]))) - closed
    return _report(story, tables, max_states, complete, expanded, transitions, order, back, dst, span,
                   ending_states, softlock_idx, bounds_at, enabled, vlist, ctxs if track else None)


def _crossed(row: Row, vid: int, i: int, cn: int, bounds_seen: set[tuple[str, str, int]],
             bounds_at: list[tuple[int, int, tuple[str, str, int, int]]]) -> None:
    """Note the first time each choice pushes each variable past each bound."""
    xm = row[9]
    for crossing in (xm.pop(vid) if row[1] is _NO_MEMO else xm[vid]):
        seen_key = (crossing[0], crossing[1], cn)
        if seen_key not in bounds_seen:
            bounds_seen.add(seen_key)
            bounds_at.append((i, cn, crossing))


def _report(story: Story, tables: _Tables, max_states: int, complete: bool, expanded: int, transitions: int,
            order: list[int], back: Sequence[int], dst: Sequence[int], span: Spans,
            ending_states: list[int],
            softlock_idx: list[int], bounds_at: list[tuple[int, int, tuple[str, str, int, int]]],
            enabled: bytearray, vlist: list[Vars], ctxs: list[tuple[int, Visits]] | None) -> ExploreResult:
    scene_ids, all_choices = tables.scene_ids, tables.all_choices
    n_scenes = len(scene_ids)
    nc = max(1, len(all_choices))
    shift = n_scenes.bit_length()
    mask = (1 << shift) - 1

    def vars_of(k: int) -> Vars:
        cx = order[k] >> shift
        return vlist[cx if ctxs is None else ctxs[cx][0]]

    def path(k: int) -> list[str]:
        return _path(back, all_choices, nc, k)

    result = ExploreResult(story.id, states=len(order), transitions=transitions, complete=complete,
                           max_states=max_states, expanded=expanded)
    # BFS order: the last state found is one of the deepest
    result.longest_path = path(len(order) - 1)
    result.max_depth = len(result.longest_path)
    names = [v.name for v in story.variables]
    reached_numbers = set(map(mask.__and__, order))
    # endings found but not expanded (cap reached) count too: the first state in each
    ending_first: dict[int, int] = {}
    for k in ending_states:
        ending_first.setdefault(order[k] & mask, k)
    for k in range(expanded, len(order)):
        sn = order[k] & mask
        if tables.ending[sn] and sn not in ending_first:
            ending_first[sn] = k
    result.reached_scenes = [s for n, s in enumerate(scene_ids) if n in reached_numbers]
    result.unreachable_scenes = [s for n, s in enumerate(scene_ids) if n not in reached_numbers]
    reached = set(result.reached_scenes)
    result.unreached_choices = [c.id for c in all_choices if c.scene not in reached]
    result.never_enabled_choices = [c.id for n, c in enumerate(all_choices)
                                    if c.scene in reached and c.test is not None and not enabled[n]]
    for n, sid in enumerate(scene_ids):
        if tables.ending[n]:
            idx = ending_first.get(n)
            ending = story.scenes[sid].ending
            assert ending is not None
            result.endings[sid] = {
                "kind": ending.kind, "reachable": idx is not None,
                "shortest_path": path(idx) if idx is not None else None,
            }
    result.softlock_count = len(softlock_idx)
    result.softlocks = [Softlock(scene_ids[order[k] & mask], dict(zip(names, vars_of(k), strict=True)), path(k))
                        for k in softlock_idx[:EXAMPLES]]
    if not all(tables.sure_live[n] for n in reached_numbers):  # else every state is live
        live = bytearray(map(tables.sure_live.__getitem__, map(mask.__and__, order)))
        _find_traps(result, lambda k: scene_ids[order[k] & mask], live, span, dst, ending_states, expanded,
                    path)
    for k, cn, (name, side, limit, x) in bounds_at:
        c = all_choices[cn]
        crossing_path = path(k) + [c.id] if len(result.bounds) < EXAMPLES else []
        result.bounds.append(BoundCrossing(name, side, limit, x, c.id, crossing_path))
    branches = TextBranches(story)
    if branches:
        shown: set[tuple[str, str, int]] = set()
        for k in range(len(order)):
            sid = scene_ids[order[k] & mask]
            cx = order[k] >> shift
            vars_, visits = (vlist[cx], story.initial_visits) if ctxs is None else (vlist[ctxs[cx][0]], ctxs[cx][1])
            shown.update(branches.shown(sid, vars_, visits))
            if k < expanded:
                shown.update(branches.notes_from(sid, vars_, visits))
        result.unshown_arms = [a for a in branches.arms if (a.scene, a.where, a.number) not in shown]
    return result


def _find_traps(result: ExploreResult, scene_of: Callable[[int], str], live: bytearray,
                span: Spans,
                dst: Sequence[int], ending_states: list[int], expanded: int, path: Callable[[int], list[str]]) -> None:
    """`live` comes with the states of surely live scenes (`_Tables.sure_live`) marked."""
    # live: an ending can be reached from it (states not expanded count as live: unknown).
    # Most edges go forward in BFS order, so one backward sweep settles nearly every state;
    # the few left are swept again until nothing changes.
    n = len(live)
    live[expanded:] = b"\x01" * (n - expanded)
    for k in ending_states:
        live[k] = 1
    todo = [k for k in range(expanded - 1, -1, -1) if not live[k]] if live.count(0) else []
    while True:
        changed = False
        rest = []
        for k in todo:
            if live[k]:
                continue
            for e in range(*span.get(k, (0, 0))):
                if live[dst[e]]:
                    live[k] = 1
                    changed = True
                    break
            else:
                rest.append(k)
        if not changed or not rest:
            break
        todo = rest
    doomed = [k for k in range(n) if not live[k]] if live.count(0) else []
    result.doomed_states = len(doomed)
    # Tarjan's strongly connected components on the doomed states (iterative)
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on: set[int] = set()
    st: list[int] = []
    sccs: list[list[int]] = []
    counter = 0
    for root in doomed:
        if root in index:
            continue
        work: list[tuple[int, int]] = [(root, span.get(root, (0, 0))[0])]
        index[root] = low[root] = counter
        counter += 1
        st.append(root)
        on.add(root)
        while work:
            v, e = work[-1]
            if e < span.get(v, (0, 0))[1]:
                work[-1] = (v, e + 1)
                w = dst[e]
                if live[w]:
                    continue
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    st.append(w)
                    on.add(w)
                    work.append((w, span.get(w, (0, 0))[0]))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = st.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                cyclic = len(comp) > 1 or v in dst[slice(*span.get(v, (0, 0)))]
                if cyclic:
                    sccs.append(comp)
    sccs.sort(key=min)
    for comp in sccs[:EXAMPLES]:
        scenes = sorted({scene_of(k) for k in comp})
        result.traps.append(Trap(scenes, len(comp), path(min(comp))))
