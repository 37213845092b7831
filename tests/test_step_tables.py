"""One definition of a step: the state-space tools step exactly as `engine.core.machine.choose`.

`engine.tools.step_tables.Walk.successors` is random play's step, and exploration's search reads
the same table inline (`engine.tools.explore.breadth_first`). On random walks of every shipped scenario
(and of the state-space stories, whose conditions and effects read visit counts and cross
bounds) each is compared with `machine.choose`, state by state: the open choices in order, and
the scene, variables and visit counts each leads to. And the tools must take their step through
the machine's own functions: replacing those replaces what the tools compute.

Also: per-story tables live as long as their story; visit readers are found; memos are emptied
after a run.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.build.loader import load_story
from engine.core import machine
from engine.core.model import State, Story
from engine.tools import explore as explore_module
from engine.tools import step_tables
from engine.tools.randomtest import random_play
from engine.tools.step_tables import Interner, Walk, per_story, visit_readers, walking
from tests.helpers import SCENARIOS

sys.path.insert(0, str(Path(__file__).parent))
from tools_statespace import loops_story, visits_story, wide_story  # noqa: E402

SHIPPED = sorted(p.name for p in SCENARIOS.iterdir() if (p / "scenario.yaml").is_file())
BUILT: dict[str, Callable[[], Story]] = {"visits": visits_story, "loops": loops_story, "wide": wide_story}
_stories: dict[str, Story] = {}


def story_named(name: str) -> Story:
    """A shipped scenario, loaded by the real loader (it must load), or a state-space story."""
    if name not in _stories:
        _stories[name] = BUILT[name]() if name in BUILT else load_story(SCENARIOS / name)
    return _stories[name]


def walk_settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])


PICKS = st.lists(st.integers(0, 1 << 16), min_size=1, max_size=200)


def as_tool_state(walk: Walk, key: int) -> tuple[str, tuple[Any, ...], tuple[int, ...]]:
    return walk.table.scene_ids[walk.scene_of(key)], walk.vars_of(key), walk.visits_of(key)


def tool_view(state: State) -> tuple[str, tuple[Any, ...], tuple[int, ...]]:
    """What a tool's state holds of a game's state (the clock is left out: no condition reads it)."""
    return state.scene, state.vars, state.visits


def machine_steps(story: Story, state: State) -> list[tuple[str, tuple[str, tuple[Any, ...], tuple[int, ...]]]]:
    """Every open choice of the state, in order, with where `machine.choose` takes it."""
    return [(c.id, tool_view(machine.choose(story, state, c))) for c in machine.choices(story, state)]


def game(story: Story, picks: list[int]) -> Iterator[State]:
    """The states of a random game played with `machine.choose` (a pick is taken modulo the
    number of open choices)."""
    state = machine.start(story)
    yield state
    for pick in picks:
        open_ = machine.choices(story, state)
        if machine.is_ending(story, state) or not open_:
            return
        state = machine.choose(story, state, open_[pick % len(open_)])
        yield state


@pytest.mark.parametrize("bounds", [False, True], ids=["randomtest", "explore"])
@pytest.mark.parametrize("name", SHIPPED + list(BUILT))
@walk_settings(40)
@given(picks=PICKS)
def test_successors_equal_machine_choose(name: str, bounds: bool, picks: list[int]) -> None:
    """At every state of a random game, `Walk.successors` (random play's step) gives the open
    choices in the author's order, each leading to the scene, variables and visits that
    `machine.choose` gives; the game follows the machine, the walk the key it gave."""
    story = story_named(name)
    with walking(story, bounds) as walk:
        key = walk.start()
        states = game(story, picks)
        state = next(states)
        while True:
            assert as_tool_state(walk, key) == tool_view(state)
            succ = walk.successors(key)
            expected = machine_steps(story, state)
            if machine.is_ending(story, state):
                assert succ is None
            else:
                assert succ is not None
                got = [(walk.table.choices[cn].id, as_tool_state(walk, k)) for k, cn in succ]
                assert got == expected
            walk.crossed.clear()
            after = next(states, None)
            if after is None:
                break
            taken = after.path[-1]
            assert succ is not None
            key = next(k for k, cn in succ if walk.table.choices[cn].id == taken)
            state = after


def explored(story: Story) -> tuple[Walk, explore_module.Search, dict[tuple[Any, ...], int]]:
    """Exploration's own search, run to the end, with its states decoded."""
    with walking(story, bounds=True) as walk:
        found = explore_module.breadth_first(walk, explore_module.Budget(10**6, None, walk.table.memos))
        assert found.complete
        index = {as_tool_state(walk, key): i for i, key in enumerate(found.order)}
    assert len(index) == len(found.order)  # distinct keys are distinct states
    return walk, found, index


_explored: dict[str, tuple[Walk, explore_module.Search, dict[tuple[Any, ...], int]]] = {}


def explored_named(name: str) -> tuple[Walk, explore_module.Search, dict[tuple[Any, ...], int]]:
    if name not in _explored:
        _explored[name] = explored(story_named(name))
    return _explored[name]


@pytest.mark.parametrize("name", SHIPPED + list(BUILT))
def test_explore_search_steps_like_machine_choose(name: str) -> None:
    """Every state exploration found was reached from its parent by `machine.choose`, and where
    it keeps a state's edges they are `machine.choose`'s successors of that state, in order."""
    story = story_named(name)
    walk, found, index = explored_named(name)
    nc = max(1, len(walk.table.choices))
    states = [State(*as_tool_state(walk, key), None, ()) for key in found.order]
    assert tool_view(states[0]) == tool_view(machine.start(story))
    for i in range(1, len(states)):
        parent, cn = divmod(found.back[i], nc)
        choice = walk.table.choices[cn]
        assert tool_view(machine.choose(story, states[parent], choice)) == tool_view(states[i])
    for i, state in enumerate(states[:found.expanded]):
        a, b = found.span.get(i)
        if b > a:
            assert [found.order[j] for j in found.dst[a:b]] == [
                found.order[index[view]] for _, view in machine_steps(story, state)]


@pytest.mark.parametrize("name", SHIPPED + list(BUILT))
@walk_settings(40)
@given(picks=PICKS)
def test_random_games_stay_in_the_explored_space(name: str, picks: list[int]) -> None:
    """A random game by `machine.choose` only passes through states exploration found, and from
    each the machine's successors are states it found too."""
    story = story_named(name)
    _, _, index = explored_named(name)
    for state in game(story, picks):
        assert tool_view(state) in index
        for _, view in machine_steps(story, state):
            assert view in index


def test_the_tools_step_through_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exploration and random play compute no step of their own: they call `machine.allows`,
    `machine.effect` and `machine.visit`, so changing those changes what the tools find."""
    story = visits_story()
    before = explore_module.explore(story).as_json(), random_play(story, 50, 3, 40).as_json()
    calls: dict[str, int] = {}

    def counted(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            calls[name] = calls.get(name, 0) + 1
            return fn(*args)
        return wrapper

    for name in ("allows", "effect", "visit"):
        monkeypatch.setattr(machine, name, counted(name, getattr(machine, name)))
    assert (explore_module.explore(story).as_json(), random_play(story, 50, 3, 40).as_json()) == before
    assert set(calls) == {"allows", "effect", "visit"}
    for tool in ("explore", "randomtest"):
        calls.clear()
        if tool == "explore":
            explore_module.explore(story)
        else:
            random_play(story, 50, 3, 40)
        assert set(calls) == {"allows", "effect", "visit"}, tool

    # a machine that never counts a visit: both tools see a different story
    monkeypatch.setattr(machine, "visit", lambda choice, visits: visits)
    after = explore_module.explore(story).as_json(), random_play(story, 50, 3, 40).as_json()
    assert after[0]["states"] != before[0]["states"] and after[1] != before[1]


def test_per_story_builds_once_and_forgets_dropped_stories() -> None:
    story = loops_story()
    calls: list[int] = []

    def build(s: object) -> list[int]:
        calls.append(1)
        return [len(calls)]

    first = per_story(story, "t", build)
    assert per_story(story, "t", build) is first and len(calls) == 1
    assert per_story(story, "other", build) is not first and len(calls) == 2
    key = (id(story), "t")
    assert key in step_tables._PER_STORY
    del story
    gc.collect()
    assert key not in step_tables._PER_STORY and (key[0], "other") not in step_tables._PER_STORY


def test_visit_readers() -> None:
    assert visit_readers(loops_story()) == set()  # nothing tracked: nothing reads visits
    story = visits_story()
    readers = visit_readers(story)
    by_id = {c.id: c for sc in story.scenes.values() for c in sc.choices}
    assert id(by_id["a.count"].test) in readers and id(by_id["a.count"].apply) in readers
    assert id(by_id["a.out"].test) in readers and id(by_id["c.return"].apply) in readers
    assert id(by_id["a.loop"].apply) not in readers and id(by_id["b.side"].test) not in readers


def test_interner_numbers_in_order() -> None:
    intern = Interner()
    assert [intern((1, 2)), intern((3,)), intern((1, 2))] == [0, 1, 0]
    assert intern.values == [(1, 2), (3,)]


def test_memos_are_emptied_after_a_run() -> None:
    """Nothing of a run stays in memory with the story but the tables themselves."""
    from engine.tools import explore as explore_module
    from engine.tools import randomtest as randomtest_module

    story = visits_story()
    explore_module.explore(story)
    randomtest_module.random_play(story, 20, 1, 50)
    tables = [step_tables.step_table(story, bounds) for bounds in (True, False)]  # explore's, randomtest's
    assert all(t.memos for t in tables) and not any(m for t in tables for m in t.memos)
    assert all(step_tables._PER_STORY[(id(story), what)][1] is t
               for what, t in zip(("steps, bounds", "steps"), tables, strict=True))
