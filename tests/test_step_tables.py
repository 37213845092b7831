"""step_tables: per-story tables live as long as their story; visit readers are found."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from engine.tools import step_tables
from engine.tools.step_tables import Interner, per_story, visit_readers

sys.path.insert(0, str(Path(__file__).parent))
from tools_statespace import loops_story, visits_story  # noqa: E402


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
    tables = [step_tables._PER_STORY[(id(story), what)][1] for what in ("explore", "randomtest")]
    assert all(t.memos for t in tables) and not any(m for t in tables for m in t.memos)
