"""Memo tables for walking a story's states fast (exhaustive exploration, random play).

Conditions and effects are pure functions of ``(vars, visits)``, and most of them read only
the variables; a story has few distinct variable tuples (four variables of 0..3 make 256) but
very many states. So the tools intern each variable tuple to a small int (its *vid*) and
remember, per compiled closure and vid, what it gave: a condition is run once per distinct
variable tuple, an effect likewise (its memo holds the vid of the result). A state then is two
small ints (scene number, vid) plus the visit counts, and a transition a few dict look-ups.

The closures are still the ones `engine.core.machine` runs (compiled once by the compiler), so the
tools agree with the machine exactly; the memo only avoids running them twice on the same
input. A closure that reads visit counts is never memoised by vid alone: it is run every time.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from engine.core.model import Story, Vars
from engine.expressions.language import ExprError, VarSpec, parse_condition, parse_effects

Memo = dict[int, Any]
T = TypeVar("T")

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
    """Variable tuples numbered in the order first seen: ``ids[t]`` and ``values[i]``."""

    __slots__ = ("ids", "values")

    def __init__(self) -> None:
        self.ids: dict[Vars, int] = {}
        self.values: list[Vars] = []

    def __call__(self, value: Vars) -> int:
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


def memo_for(fn: Callable[..., Any] | None, readers: set[int], memos: dict[int, Memo]) -> Memo | None:
    """The memo (vid -> result) shared by every use of `fn`, or None if it cannot be memoised."""
    if fn is None or id(fn) in readers:
        return None
    memo = memos.get(id(fn))
    if memo is None:
        memo = memos[id(fn)] = {}
    return memo
