"""Exhaustive exploration of every reachable state of a story (like ChoiceScript's quicktest).

A state, for exploration, is the key ``(scene, vars, visits)``: conditions cannot read the
clock, so the clock never decides which choices are open and is left out. A breadth-first
search from the start visits every key once, remembering for each the state it was first
reached from and the choice taken, so every path it reports is a shortest one.

Per state nothing is allocated but the key tuple (and the new variable and visit tuples the
transition makes): parents, choices and successor lists live in flat lists indexed by the
state's number in BFS order. The one transition function is `engine.machine.transition`.

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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.expr import VarSpec, parse_effects
from engine.machine import start
from engine.model import Choice, Story, Vars, Visits

DEFAULT_MAX_STATES = 1_000_000
EXAMPLES = 20  # how many softlocks / bound crossings are listed in detail

Key = tuple[str, Vars, Visits]


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

    @property
    def ok(self) -> bool:
        """No softlock, no trap, every ending and scene reachable."""
        return (not self.softlock_count and not self.traps and not self.unreachable_scenes
                and all(e["reachable"] for e in self.endings.values()))

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.story_id,
            "complete": self.complete,
            "max_states": self.max_states,
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
        }


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


def _path(parent: Sequence[int], via: Sequence[Choice | None], i: int) -> list[str]:
    out: list[str] = []
    while i > 0:
        c = via[i]
        assert c is not None
        out.append(c.id)
        i = parent[i]
    out.reverse()
    return out


def explore(story: Story, max_states: int = DEFAULT_MAX_STATES) -> ExploreResult:
    """Visit every reachable state (up to `max_states`) and report what an author must know."""
    max_states = max(1, max_states)
    all_choices = [c for sc in story.scenes.values() for c in sc.choices]
    number = {c.id: n for n, c in enumerate(all_choices)}
    raw = _raw_effects(story)
    bounded = {v.index: (v.min, v.max) for v in story.variables}
    # per scene: (choice, test, apply, visit index, visit cap, target, number, watched bounds),
    # or None for an ending. The transition is engine.machine.transition's, inlined (see
    # tests/test_explore.py::test_inline_transition_matches_machine).
    table: dict[str, tuple[tuple[Any, ...], ...] | None] = {}
    for sid, sc in story.scenes.items():
        if sc.ending is not None:
            table[sid] = None
            continue
        rows = []
        for c in sc.choices:
            watch = None
            if c.id in raw:
                watch = tuple((k, *bounded[k]) for k in raw[c.id][1])
            rows.append((c, c.test, c.apply, c.to_visit, c.to_visit_cap, c.target, number[c.id], watch))
        table[sid] = tuple(rows)
    endings = {sid for sid, sc in story.scenes.items() if sc.ending is not None}
    enabled = [False] * len(all_choices)

    s0 = start(story)
    first: Key = (s0.scene, s0.vars, s0.visits)
    order: list[Key] = [first]
    seen: dict[Key, int] = {first: 0}
    parent: list[int] = [0]
    via: list[Choice | None] = [None]
    dst: list[int] = []  # successors of state i: dst[off[i]:off[i + 1]]
    off: list[int] = [0]
    ending_first: dict[str, int] = {}
    softlock_idx: list[int] = []
    pinned: list[tuple[int, Choice]] = []  # a watched variable ended at a bound
    complete = True
    i = 0
    n_max = max_states
    append_dst = dst.append
    get = seen.get
    for scene, vars_, visits in order:  # the list grows while we walk it: a FIFO queue
        entries = table[scene]
        if entries is None:
            if scene not in ending_first:
                ending_first[scene] = i
            off.append(len(dst))
            i += 1
            continue
        mark = len(dst)
        for c, test, apply, vi, cap, target, cn, watch in entries:
            if test is not None:
                if not test(vars_, visits):
                    continue
                enabled[cn] = True
            nv = vars_ if apply is None else apply(vars_, visits)
            if vi >= 0 and visits[vi] < cap:
                key = (target, nv, visits[:vi] + (visits[vi] + 1,) + visits[vi + 1:])
            else:
                key = (target, nv, visits)
            if watch is not None:
                for k, lo, hi in watch:
                    if nv[k] == lo or nv[k] == hi:
                        pinned.append((i, c))
                        break
            j = get(key)
            if j is None:
                j = len(order)
                if j >= n_max:
                    complete = False
                    break
                seen[key] = j
                order.append(key)
                parent.append(i)
                via.append(c)
            append_dst(j)
        if not complete:
            del dst[mark:]
            while pinned and pinned[-1][0] == i:
                pinned.pop()
            break
        if len(dst) == mark:
            softlock_idx.append(i)
        off.append(len(dst))
        i += 1
    expanded = i
    for k in range(expanded, len(order)):  # endings found but not expanded (cap reached)
        if order[k][0] in endings and order[k][0] not in ending_first:
            ending_first[order[k][0]] = k

    result = ExploreResult(story.id, states=len(order), transitions=len(dst), complete=complete,
                           max_states=max_states, expanded=expanded)
    # BFS order: the last state found is one of the deepest
    result.longest_path = _path(parent, via, len(order) - 1)
    result.max_depth = len(result.longest_path)
    names = [v.name for v in story.variables]

    reached = {k[0] for k in order}
    result.reached_scenes = [s for s in story.scenes if s in reached]
    result.unreachable_scenes = [s for s in story.scenes if s not in reached]
    result.unreached_choices = [c.id for c in all_choices if c.scene not in reached]
    result.never_enabled_choices = [c.id for n, c in enumerate(all_choices)
                                    if c.scene in reached and c.test is not None and not enabled[n]]
    for sid in story.scenes:
        if sid in endings:
            idx = ending_first.get(sid)
            sc = story.scenes[sid]
            assert sc.ending is not None
            result.endings[sid] = {
                "kind": sc.ending.kind, "reachable": idx is not None,
                "shortest_path": _path(parent, via, idx) if idx is not None else None,
            }
    result.softlock_count = len(softlock_idx)
    result.softlocks = [Softlock(order[k][0], dict(zip(names, order[k][1], strict=True)), _path(parent, via, k))
                        for k in softlock_idx[:EXAMPLES]]
    _find_traps(result, order, off, dst, endings, expanded, parent, via)
    _find_bounds(result, story, raw, order, pinned, parent, via)
    return result


def _bounded_indices(story: Story) -> set[int]:
    return {v.index for v in story.variables if v.type == "int" and (v.min is not None or v.max is not None)}


def _find_traps(result: ExploreResult, order: list[Key], off: list[int], dst: list[int],
                endings: set[str], expanded: int, parent: list[int], via: list[Choice | None]) -> None:
    n = len(order)
    # live: an ending can be reached from it (states not expanded count as live: unknown).
    # Most edges go forward in BFS order, so one backward sweep settles nearly every state;
    # the few left are swept again until nothing changes.
    live = bytearray(n)
    for k in range(expanded, n):
        live[k] = 1
    for k in range(expanded):
        if order[k][0] in endings:
            live[k] = 1
    todo = range(expanded - 1, -1, -1)
    while True:
        changed = False
        rest = []
        for k in todo:
            if live[k]:
                continue
            for e in range(off[k], off[k + 1]):
                if live[dst[e]]:
                    live[k] = 1
                    changed = True
                    break
            else:
                rest.append(k)
        if not changed or not rest:
            break
        todo = rest  # type: ignore[assignment]
    doomed = [k for k in range(n) if not live[k]]
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
        work: list[tuple[int, int]] = [(root, off[root])]
        index[root] = low[root] = counter
        counter += 1
        st.append(root)
        on.add(root)
        while work:
            v, e = work[-1]
            if e < off[v + 1]:
                work[-1] = (v, e + 1)
                w = dst[e]
                if live[w]:
                    continue
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    st.append(w)
                    on.add(w)
                    work.append((w, off[w]))
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
                cyclic = len(comp) > 1 or v in dst[off[v]:off[v + 1]]
                if cyclic:
                    sccs.append(comp)
    sccs.sort(key=min)
    for comp in sccs[:EXAMPLES]:
        scenes = sorted({order[k][0] for k in comp})
        result.traps.append(Trap(scenes, len(comp), _path(parent, via, min(comp))))


def _find_bounds(result: ExploreResult, story: Story,
                 raw: dict[str, tuple[Callable[[Vars, Visits], Vars], tuple[int, ...]]],
                 order: list[Key], pinned: list[tuple[int, Choice]], parent: list[int],
                 via: list[Choice | None]) -> None:
    """For transitions that left a bounded variable at a bound: was the unclamped result outside?"""
    seen: set[tuple[str, str, str]] = set()
    limits = [(v.name, v.index, v.min, v.max) for v in story.variables if v.index in _bounded_indices(story)]
    for k, c in pinned:
        _, vars_, visits = order[k]
        out = raw[c.id][0](vars_, visits)
        for name, i, lo, hi in limits:
            x = out[i]
            assert isinstance(x, int)
            side = "min" if lo is not None and x < lo else "max" if hi is not None and x > hi else ""
            if side and (name, side, c.id) not in seen:
                seen.add((name, side, c.id))
                limit = lo if side == "min" else hi
                assert limit is not None
                path = _path(parent, via, k) + [c.id] if len(result.bounds) < EXAMPLES else []
                result.bounds.append(BoundCrossing(name, side, limit, x, c.id, path))
