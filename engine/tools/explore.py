"""Exhaustive exploration of every reachable state of a story (like ChoiceScript's quicktest).

A state, for exploration, is the key ``(scene, vars, visits)``: conditions cannot read the
clock, so the clock never decides which choices are open and is left out. A breadth-first
search from the start visits every key once, remembering for each the state it was first
reached from and the choice taken, so every path it reports is a shortest one.

The step is not computed here. It is the machine's (`engine.core.machine.allows`, `effect` and
`visit`, of which `machine.transition` is made), taken through the step table of
`engine.tools.step_tables`: a state is one int key of a `Walk` (scene number, variables and visit
counts interned), and `breadth_first` reads the table's memos inline, as `Walk.successors` does, calling
the walk's functions (which ask the machine) whenever a memo misses; `tests/test_step_tables.py`
checks it against `machine.choose`. Per state nothing is allocated but the key (and the new
variable and visit tuples the machine makes): parents, choices and successor lists live in flat
arrays indexed by the state's number in BFS order.

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
from engine.core.model import Choice, Story, Vars
from engine.tools.step_tables import VID_BITS, VID_MASK, Walk, per_story, walking
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


def _sure_live(story: Story) -> bytes:
    """By scene number (`StepTable.scene_ids`): 1 for the scenes from which choices without a
    condition (open in every state) lead to an ending. Every state in such a scene can reach an
    ending, whatever its variables and visits, and is never stuck; built once per story."""
    sidx = {s: i for i, s in enumerate(story.scenes)}
    ending = [sc.ending is not None for sc in story.scenes.values()]
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
    with paused_gc(), walking(story, bounds=True) as walk:
        budget = Budget(max(1, max_states), max_memory, walk.table.memos)
        result = _report(walk, max(1, max_states), breadth_first(walk, budget))
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


class Search(NamedTuple):
    """What the breadth-first search found: states numbered in BFS order (`order[i]` is the
    `Walk` key of state i), each but the first reached from `back[i]` = parent * nc + choice
    number; the successors of state i are dst[a:b] for (a, b) = span.get(i), kept only for the
    states the no-way-out search must look at: none of an ending or of a surely live scene
    (`_sure_live`), which needs no search and cannot be stuck either."""

    order: list[int]
    back: array[int]
    dst: array[int]
    span: Spans
    ending_states: list[int]
    softlock_idx: list[int]
    bounds_at: list[tuple[int, int, tuple[str, str, int, int]]]  # (state, choice number, crossing)
    enabled: bytearray  # by choice number: 1 if open in some expanded state
    transitions: int
    complete: bool
    expanded: int  # the states whose choices were all followed: the first `expanded` of `order`
    sure: bytes  # `_sure_live`


def breadth_first(walk: Walk, budget: Budget) -> Search:
    """The breadth-first search from the start, over the keys of `walk` (a `walking(story,
    bounds=True)`), until every state is expanded or `budget` says stop.

    Its step is the one of `engine.tools.step_tables`: the loop reads `walk.table`'s rows and
    memos exactly as `Walk.successors` does (inline, as a call per state would cost a quarter of
    the speed), and when a memo misses calls `walk.is_open`, `walk.effected` and `walk.visited`,
    which ask `engine.core.machine`. Stories with and without visit counts take the same loop."""
    table = walk.table
    rows_of = table.rows
    sure = per_story(walk.story, "explore", _sure_live)
    nc = max(1, len(table.choices))
    enabled = bytearray(len(table.choices))
    is_open, effected, visited, crossings = walk.is_open, walk.effected, walk.visited, walk.crossings
    shift, mask = walk.shift, walk.mask
    first = walk.start()
    order: list[int] = [first]
    seen: dict[int, int] = {first: 0}
    back = array("q", [-1])
    dst = array("q")
    span = Spans()
    ending_states: list[int] = []
    softlock_idx: list[int] = []
    bounds_at: list[tuple[int, int, tuple[str, str, int, int]]] = []
    bounds_seen: set[tuple[str, str, int]] = set()
    closed = 0  # closed choices of the expanded states
    complete = True
    i = -1
    n = 1  # states found
    n_max = budget.next_limit(n)
    append_dst = dst.append
    append_order = order.append
    append_back = back.append
    get = seen.get
    for key in order:  # the list grows while we walk it: a FIFO queue
        i += 1
        scene = key & mask
        rows = rows_of[scene]
        if rows is None:
            ending_states.append(i)
            continue
        ctx = key >> shift
        vid = ctx & VID_MASK
        wid = ctx >> VID_BITS
        base = wid << VID_BITS
        keep = not sure[scene]
        mark = len(dst)
        closed_before = closed
        for cm, em, vm, target, cn, more in rows:
            if cm is not None:
                open_ = cm.get(vid)
                if open_ is None:
                    open_ = is_open(cm, more[0], vid, wid)
                if not open_:
                    closed += 1
                    continue
                enabled[cn] = 1
            if em is None:
                nvid = vid
            else:
                nvid = em.get(vid)
                if nvid is None:
                    nvid = effected(em, more, vid, wid)
                if nvid < 0:
                    nvid = -1 - nvid
                    for crossing in crossings(em, more, vid):  # note the first time each choice
                        seen_key = (crossing[0], crossing[1], cn)  # pushes each variable past each bound
                        if seen_key not in bounds_seen:
                            bounds_seen.add(seen_key)
                            bounds_at.append((i, cn, crossing))
            if vm is None:
                nkey = (base | nvid) << shift | target
            else:
                nwid = vm.get(wid)
                if nwid is None:
                    nwid = visited(vm, more[0], wid)
                nkey = (nwid << VID_BITS | nvid) << shift | target
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
            if keep:
                append_dst(j)
        else:
            if keep:
                end = len(dst)
                if end > mark:
                    span.add(i, mark, end)
                else:
                    softlock_idx.append(i)
            continue
        # stopped by the budget while following the choices of state i: it is not expanded
        closed = closed_before
        del dst[mark:]
        while bounds_at and bounds_at[-1][0] == i:
            bounds_at.pop()
        break
    expanded = i if not complete else len(order)
    # every choice of an expanded state that was not closed is a transition
    n_rows = [0 if rows is None else len(rows) for rows in rows_of]
    transitions = sum(map(n_rows.__getitem__, map(mask.__and__, order[:expanded]))) - closed
    return Search(order, back, dst, span, ending_states, softlock_idx, bounds_at, enabled, transitions, complete,
                  expanded, sure)


def _report(walk: Walk, max_states: int, found: Search) -> ExploreResult:
    order, back, dst, span, expanded, sure = found.order, found.back, found.dst, found.span, found.expanded, found.sure
    story, table = walk.story, walk.table
    scene_ids, all_choices = table.scene_ids, table.choices
    nc = max(1, len(all_choices))
    mask = walk.mask
    is_ending = [rows is None for rows in table.rows]

    def vars_of(k: int) -> Vars:
        return walk.vars_of(order[k])

    def path(k: int) -> list[str]:
        return _path(back, all_choices, nc, k)

    result = ExploreResult(story.id, states=len(order), transitions=found.transitions, complete=found.complete,
                           max_states=max_states, expanded=expanded)
    # BFS order: the last state found is one of the deepest
    result.longest_path = path(len(order) - 1)
    result.max_depth = len(result.longest_path)
    names = [v.name for v in story.variables]
    reached_numbers = set(map(mask.__and__, order))
    # endings found but not expanded (cap reached) count too: the first state in each
    ending_first: dict[int, int] = {}
    for k in found.ending_states:
        ending_first.setdefault(order[k] & mask, k)
    for k in range(expanded, len(order)):
        sn = order[k] & mask
        if is_ending[sn] and sn not in ending_first:
            ending_first[sn] = k
    result.reached_scenes = [s for n, s in enumerate(scene_ids) if n in reached_numbers]
    result.unreachable_scenes = [s for n, s in enumerate(scene_ids) if n not in reached_numbers]
    reached = set(result.reached_scenes)
    result.unreached_choices = [c.id for c in all_choices if c.scene not in reached]
    result.never_enabled_choices = [c.id for n, c in enumerate(all_choices)
                                    if c.scene in reached and c.test is not None and not found.enabled[n]]
    for n, sid in enumerate(scene_ids):
        if is_ending[n]:
            idx = ending_first.get(n)
            ending = story.scenes[sid].ending
            assert ending is not None
            result.endings[sid] = {
                "kind": ending.kind, "reachable": idx is not None,
                "shortest_path": path(idx) if idx is not None else None,
            }
    result.softlock_count = len(found.softlock_idx)
    result.softlocks = [Softlock(scene_ids[order[k] & mask], dict(zip(names, vars_of(k), strict=True)), path(k))
                        for k in found.softlock_idx[:EXAMPLES]]
    if not all(sure[n] for n in reached_numbers):  # else every state is live
        live = bytearray(map(sure.__getitem__, map(mask.__and__, order)))
        _find_traps(result, lambda k: scene_ids[order[k] & mask], live, span, dst, found.ending_states, expanded,
                    path)
    for k, cn, (name, side, limit, x) in found.bounds_at:
        c = all_choices[cn]
        crossing_path = path(k) + [c.id] if len(result.bounds) < EXAMPLES else []
        result.bounds.append(BoundCrossing(name, side, limit, x, c.id, crossing_path))
    branches = TextBranches(story)
    if branches:
        shown: set[tuple[str, str, int]] = set()
        for k in range(len(order)):
            sid = scene_ids[order[k] & mask]
            vars_, visits = walk.vars_of(order[k]), walk.visits_of(order[k])
            shown.update(branches.shown(sid, vars_, visits))
            if k < expanded:
                shown.update(branches.notes_from(sid, vars_, visits))
        result.unshown_arms = [a for a in branches.arms if (a.scene, a.where, a.number) not in shown]
    return result


def _find_traps(result: ExploreResult, scene_of: Callable[[int], str], live: bytearray,
                span: Spans,
                dst: Sequence[int], ending_states: list[int], expanded: int, path: Callable[[int], list[str]]) -> None:
    """`live` comes with the states of surely live scenes (`_sure_live`) marked."""
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
