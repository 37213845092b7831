"""The step of the state-space tools: the machine's own step over numbered states, remembered.

A step is defined once, in `engine.core.machine`: `allows` (is a choice open), `effect` (the
variables after it, clamped into their bounds by the compiled closures) and `visit` (the visit
counts after it); `machine.transition` is those three and the clock. Random play
(`engine.tools.randomtest`) takes exactly that step by calling `Walk.successors`; exhaustive
exploration (`engine.tools.explore.breadth_first`), which cannot afford a call per state, reads the same
table the same way inline. Neither computes a step of its own: when a memo misses, both call the
walk's `is_open`, `effected` and `visited`, which call the machine's three functions and
remember what they gave. The clock is left out, as no condition can read it: a tool's state is
(scene, variables, visit counts). `tests/test_step_tables.py` checks on random walks of every
shipped scenario that `successors` and exploration's search give what `machine.choose` gives,
choice by choice, and that the tools go through the machine's functions.

What is remembered. Conditions and effects are pure functions of ``(vars, visits)``, and most of
them read only the variables; a story has few distinct variable tuples (four variables of 0..3
make 256) but very many states. So a walk interns each variable tuple to a small int (its *vid*)
and each visit-count tuple to another (its *wid*), and remembers per compiled closure and vid what
it gave: a condition is run once per distinct variable tuple, an effect likewise (its memo holds
the vid of the result), a choice's `visit` once per distinct visit-count tuple. A closure that
reads visit counts is never remembered by vid alone: it is run every time. A state is then one
int (scene number, vid and wid packed, see `Walk.key`), and a step a few dict look-ups.

With ``bounds=True`` (exploration), a table also notes when an effect computed *without* clamping
falls outside a variable's declared ``min``/``max`` (`Walk.crossed`): what the author may not
have meant, which the clamped step itself cannot show.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, NamedTuple, TypeVar

from engine.core import machine
from engine.core.model import Choice, Story, Vars, Visits
from engine.expressions.language import ExprError, VarSpec, parse_condition, parse_effects

Memo = dict[int, Any]
T = TypeVar("T")
Limits = tuple[tuple[str, int, int | None, int | None], ...]  # bounded ints: (name, index, min, max)
Crossings = tuple[tuple[str, str, int, int], ...]  # (variable, "min"/"max", limit, raw value)
RawEffect = Callable[[Vars, Visits], Vars]

# A state key is  (wid << VID_BITS | vid) << shift | scene number  (see `Walk.key`): a story
# without visit counts has one wid, 0, and its keys are  vid << shift | scene number.
VID_BITS = 32  # more distinct variable tuples than this would not fit in any memory
VID_MASK = (1 << VID_BITS) - 1

# per story (by identity, dropped when the story is): tables built once for a tool
_PER_STORY: dict[tuple[int, str], tuple[weakref.ref[Story], Any]] = {}


def per_story(story: Story, what: str, build: Callable[[Story], T]) -> T:
    """`build(story)`, computed once per story object and kept while the story lives.

    The value must not hold a reference to the story itself (it would never be dropped).
    """
    key = (id(story), what)
    hit = _PER_STORY.get(key)
    if hit is not None and hit[0]() is story:
        return hit[1]  # type: ignore[no-any-return]
    value = build(story)
    _PER_STORY[key] = (weakref.ref(story, lambda _: _PER_STORY.pop(key, None)), value)
    return value


@contextmanager
def cleared(memos: list[Memo]) -> Iterator[None]:
    """Memos empty while a run fills them, and emptied again after it (vids are per run)."""
    for memo in memos:
        memo.clear()
    try:
        yield
    finally:
        for memo in memos:
            memo.clear()


class Interner:
    """Tuples numbered in the order first seen: ``ids[t]`` and ``values[i]``."""

    __slots__ = ("ids", "values")

    def __init__(self) -> None:
        self.ids: dict[tuple[Any, ...], int] = {}
        self.values: list[Any] = []

    def __call__(self, value: tuple[Any, ...]) -> int:
        i = self.ids.get(value)
        if i is None:
            i = self.ids[value] = len(self.values)
            self.values.append(value)
        return i


def visit_readers(story: Story) -> set[int]:
    """`id()`s of the story's compiled conditions and effects that may read visit counts.

    When no scene's visits are tracked, the visit tuple is always empty and nothing reads it.
    Otherwise each distinct source is parsed again to see whether it names a scene; a closure
    without a source (built by hand) is assumed to read them.
    """
    if not story.tracked:
        return set()
    specs = {v.name: VarSpec(v.name, v.index, v.type, v.min, v.max, v.values) for v in story.variables}
    scene_ids = list(story.scenes)
    readers: set[int] = set()
    done: set[int] = set()
    for sc in story.scenes.values():
        for c in sc.choices:
            if c.test is not None and id(c.test) not in done:
                done.add(id(c.test))
                if _when_reads(c.when, specs, scene_ids) is not False:
                    readers.add(id(c.test))
            if c.apply is not None and id(c.apply) not in done:
                done.add(id(c.apply))
                if _do_reads(c.do, specs, scene_ids) is not False:
                    readers.add(id(c.apply))
    return readers


def _when_reads(src: str | None, specs: dict[str, VarSpec], scene_ids: list[str]) -> bool | None:
    if src is None:
        return None
    try:
        return bool(parse_condition(src, specs, scene_ids).scenes)
    except ExprError:  # pragma: no cover - a compiled story's sources always parse
        return None


def _do_reads(src: tuple[str, ...], specs: dict[str, VarSpec], scene_ids: list[str]) -> bool | None:
    if not src:
        return None
    try:
        return bool(parse_effects(list(src) if len(src) > 1 else src[0], specs, scene_ids).scenes)
    except ExprError:  # pragma: no cover
        return None


def raw_effects(story: Story) -> dict[str, tuple[RawEffect, tuple[int, ...]]]:
    """For choices whose effects write a bounded int variable: the effect computed without
    clamping, and the indices of the bounded variables it writes."""
    bounded = {v.name: v.index for v in story.variables
               if v.type == "int" and (v.min is not None or v.max is not None)}
    if not bounded:
        return {}
    specs = {v.name: VarSpec(v.name, v.index, v.type, None, None, v.values) for v in story.variables}
    scene_ids = list(story.scenes)
    visit_index = {s: i for i, s in enumerate(story.tracked)}
    out: dict[str, tuple[RawEffect, tuple[int, ...]]] = {}
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


# A row, one per choice of a scene: (condition memo, effect memo, visit memo, target scene number,
# choice number, (the choice, its raw effect, its crossings memo)).
# * The condition memo maps a vid to whether the choice is open (None: the choice has no
#   condition, it is always open).
# * The effect memo maps a vid to the vid of the result (None: no effect), or, with bounds, to
#   -1 - that vid when the effect computed without clamping (the raw effect, None unless the
#   effect writes a bounded int) falls outside a bound; the crossings memo then says how.
# * The visit memo maps a wid to the wid after the choice (None: `machine.counts_visit` says the
#   choice never changes the counts).
# Condition and effect memos are shared by every row with the same closure. A closure that reads
# visit counts gets `_NO_MEMO`, which is never written to, and is run every time (its crossings
# are handed back through a crossings memo of the row's own).
StepRow = tuple[Any, ...]
_NO_MEMO: Memo = {}


class StepTable(NamedTuple):
    """What a walk needs of a story, built once per story (`per_story`, by `step_table`)."""

    scene_ids: list[str]
    choices: list[Choice]  # by choice number: scene by scene, each in the author's order
    targets: list[int]  # the target scene number of each choice, by choice number
    rows: list[tuple[StepRow, ...] | None]  # by scene number: None for an ending, else its rows (`StepRow`)
    memos: list[Memo]  # emptied before and after every run (vids and wids are numbered afresh)
    limits: Limits  # the bounded int variables, when the table notes crossings (else empty)
    bounds: bool


def step_table(story: Story, bounds: bool = False) -> StepTable:
    """The story's step table, built once per story (`bounds`: note bound crossings)."""
    return per_story(story, "steps, bounds" if bounds else "steps", partial(_build, bounds=bounds))


def _build(story: Story, bounds: bool) -> StepTable:
    scene_ids = list(story.scenes)
    sidx = {s: i for i, s in enumerate(scene_ids)}
    raw = raw_effects(story) if bounds else {}
    readers = visit_readers(story)
    shared: dict[int, Memo] = {}
    own: list[Memo] = []

    def memo(fn: Any) -> Memo | None:
        if fn is None:
            return None
        if id(fn) in readers:
            return _NO_MEMO
        return shared.setdefault(id(fn), {})

    crossing_memos: dict[int, Memo] = {}
    choices: list[Choice] = []
    rows: list[tuple[StepRow, ...] | None] = []
    for sid in scene_ids:
        sc = story.scenes[sid]
        built = []
        for c in sc.choices:
            cn = len(choices)
            choices.append(c)
            raw_fn = raw[c.id][0] if c.id in raw else None
            em = memo(c.apply)
            xm: Memo | None = None
            if raw_fn is not None:
                if em is _NO_MEMO:  # handed back through a memo of the row's own
                    xm = {}
                    own.append(xm)
                else:
                    xm = crossing_memos.setdefault(id(c.apply), {})
            vm: Memo | None = None
            if machine.counts_visit(c):
                vm = {}
                own.append(vm)
            built.append((memo(c.test), em, vm, sidx[c.target], cn, (c, raw_fn, xm)))
        rows.append(None if sc.ending is not None else tuple(built))
    limits: Limits = ()
    if bounds:
        limits = tuple((v.name, v.index, v.min, v.max) for v in story.variables
                       if v.type == "int" and (v.min is not None or v.max is not None))
    targets = [sidx[c.target] for c in choices]
    return StepTable(scene_ids, choices, targets, rows, [*shared.values(), *crossing_memos.values(), *own],
                     limits, bounds)


More = tuple[Choice, RawEffect | None, Memo | None]  # the last item of a row


class Walk:
    """One run over a story's states, numbered afresh: the machine's step over state keys.

    A state is the int key  ``(wid << VID_BITS | vid) << shift | scene number``: `vars` and
    `visits` intern the tuples to vids and wids; `key`, `scene_of`, `vars_of` and `visits_of`
    go from states to keys and back.

    `successors(key)` is the step: for a non-ending state, its open choices in the author's
    order, each as (the key of the state it leads to, its choice number); None for an ending.
    With a bounds table, each bound crossing it meets is appended to `crossed` as (choice
    number, crossings) for the caller to take (and empty).

    A search that cannot afford a call per state (`engine.tools.explore`) reads the rows of
    `table` itself, exactly as `successors` does, and calls the same three functions when a memo
    misses: `is_open(condition memo, choice, vid, wid)`, `effected(effect memo, row's last item,
    vid, wid)` (a negative result -1 - vid: see `crossings`) and `visited(visit memo, choice,
    wid)`. These are the only places a step is computed, each by calling `engine.core.machine`.
    """

    def __init__(self, story: Story, table: StepTable) -> None:
        self.story, self.table = story, table
        self.shift = len(table.scene_ids).bit_length()
        self.mask = (1 << self.shift) - 1
        self.vars = Interner()
        self.visits = Interner()
        self.crossed: list[tuple[int, Crossings]] = []
        self._build()

    def key(self, scene: int, vars_: Vars, visits: Visits) -> int:
        return (self.visits(visits) << VID_BITS | self.vars(vars_)) << self.shift | scene

    def start(self) -> int:
        """The key of `machine.start`'s state."""
        s0 = machine.start(self.story)
        return self.key(self.table.scene_ids.index(s0.scene), s0.vars, s0.visits)

    def scene_of(self, key: int) -> int:
        return key & self.mask

    def vars_of(self, key: int) -> Vars:
        return self.vars.values[key >> self.shift & VID_MASK]  # type: ignore[no-any-return]

    def visits_of(self, key: int) -> Visits:
        return self.visits.values[key >> self.shift + VID_BITS]  # type: ignore[no-any-return]

    @staticmethod
    def crossings(em: Memo, more: More, vid: int) -> Crossings:
        """How the effect of a row pushed variables past their bounds from variables `vid` (after
        `effected` gave a negative vid); taken once."""
        xm = more[2]
        assert xm is not None
        return xm.pop(vid) if em is _NO_MEMO else xm[vid]  # type: ignore[no-any-return]

    def _build(self) -> None:
        table, shift, mask = self.table, self.shift, self.mask
        rows_of, limits, crossed, crossings = table.rows, table.limits, self.crossed, self.crossings
        vlist, wlist = self.vars.values, self.visits.values
        intern_vars, intern_visits = self.vars.__call__, self.visits.__call__
        allows, effect, visit = machine.allows, machine.effect, machine.visit

        def is_open(cm: Memo, choice: Choice, vid: int, wid: int) -> bool:
            """The condition memo missed: ask the machine (and remember it, if it may)."""
            open_ = allows(choice, vlist[vid], wlist[wid])
            if cm is not _NO_MEMO:
                cm[vid] = open_
            return open_

        def effected(em: Memo, more: More, vid: int, wid: int) -> int:
            """The effect memo missed: ask the machine (and remember it, if it may); see `StepRow`."""
            choice, raw_fn, xm = more
            vars_, visits = vlist[vid], wlist[wid]
            nvid = intern_vars(effect(choice, vars_, visits))
            if raw_fn is not None:  # the effect writes a bounded variable: run it unclamped too
                out = raw_fn(vars_, visits)
                found = []
                for name, i, lo, hi in limits:
                    x = out[i]
                    assert isinstance(x, int)
                    if lo is not None and x < lo:
                        found.append((name, "min", lo, x))
                    elif hi is not None and x > hi:
                        found.append((name, "max", hi, x))
                if found:
                    assert xm is not None
                    xm[vid] = tuple(found)
                    nvid = -1 - nvid
            if em is not _NO_MEMO:
                em[vid] = nvid
            return nvid

        def visited(vm: Memo, choice: Choice, wid: int) -> int:
            """The visit memo missed: ask the machine, and remember it."""
            nwid = vm[wid] = intern_visits(visit(choice, wlist[wid]))
            return nwid

        def successors(key: int) -> list[tuple[int, int]] | None:
            rows = rows_of[key & mask]
            if rows is None:
                return None
            ctx = key >> shift
            vid = ctx & VID_MASK
            wid = ctx >> VID_BITS
            base = wid << VID_BITS
            out: list[tuple[int, int]] = []
            append = out.append
            for cm, em, vm, target, cn, more in rows:
                if cm is not None:
                    open_ = cm.get(vid)
                    if open_ is None:
                        open_ = is_open(cm, more[0], vid, wid)
                    if not open_:
                        continue
                if em is None:
                    nvid = vid
                else:
                    nvid = em.get(vid)
                    if nvid is None:
                        nvid = effected(em, more, vid, wid)
                    if nvid < 0:
                        nvid = -1 - nvid
                        crossed.append((cn, crossings(em, more, vid)))
                if vm is None:
                    append(((base | nvid) << shift | target, cn))
                    continue
                nwid = vm.get(wid)
                if nwid is None:
                    nwid = visited(vm, more[0], wid)
                append(((nwid << VID_BITS | nvid) << shift | target, cn))
            return out

        self.is_open, self.effected, self.visited, self.successors = is_open, effected, visited, successors


@contextmanager
def walking(story: Story, bounds: bool = False) -> Iterator[Walk]:
    """A fresh `Walk` over the story, its table's memos empty during the run and after it."""
    table = step_table(story, bounds)
    with cleared(table.memos):
        yield Walk(story, table)
