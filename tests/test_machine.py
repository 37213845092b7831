"""The pure state machine, on the real loader and the real fixture scenario."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.build.loader import load_story
from engine.core import machine
from engine.core.debrief import debrief
from engine.core.model import State, Story

FIXTURE = Path(__file__).parent / "fixtures" / "mini"
STORY = FIXTURE


def test_start_state(story: Story) -> None:
    s = machine.start(story)
    assert s == State("hall", (5, False), (0,), 19 * 60, ())
    assert [c.id for c in machine.choices(story, s)] == ["hall.ignore", "hall.yield_now", "hall.wait"]


def test_choose_applies_effects_and_clock(story: Story) -> None:
    s = machine.choose(story, machine.start(story), "hall.ignore")
    assert s.scene == "late" and s.vars == (6, False) and s.path == ("hall.ignore",)
    assert s.clock == 1440 + 110  # 01:50 the next day


def test_effects_clamp_to_bounds(story: Story) -> None:
    s = machine.choose(story, machine.start(story), "hall.yield_now")
    assert s.vars == (0, True)  # 5 - 5 = 0, and min is 0


def test_closed_choice_is_refused_and_shown_dimmed(story: Story) -> None:
    s = machine.replay(story, ["hall.wait", "hall_again.back"])
    assert "hall.wait" not in [c.id for c in machine.choices(story, s)]  # visited("hall_again")
    points = dict((c.id, ok) for c, ok in machine.choice_points(story, s))
    assert points["hall.wait"] is False
    with pytest.raises(machine.ChoiceError):
        machine.choose(story, s, "hall.wait")


def test_locked_choice_depends_on_state(story: Story) -> None:
    low = machine.start(story)._replace(scene="late", vars=(2, False))
    assert machine.choices(story, low) == ()
    (choice, ok), = machine.choice_points(story, low)
    assert not ok and choice.locked == "You have lost heart."


def test_unknown_and_foreign_choices_refused(story: Story) -> None:
    s = machine.start(story)
    with pytest.raises(machine.ChoiceError):
        machine.choose(story, s, "hall.nothing")
    with pytest.raises(machine.ChoiceError):
        machine.choose(story, s, "late.brave")


def test_replay_names_the_failing_step(story: Story) -> None:
    with pytest.raises(machine.ChoiceError) as info:
        machine.replay(story, ["hall.ignore", "hall.ignore"])
    assert info.value.step == 1 and info.value.choice_id == "hall.ignore"


def test_undo_steps_back(story: Story) -> None:
    s = machine.replay(story, ["hall.wait", "hall_again.back", "hall.ignore"])
    assert machine.undo(story, s, 1) == machine.replay(story, ["hall.wait", "hall_again.back"])
    assert machine.undo(story, s, 10) == machine.start(story)


def test_historical_path_reaches_historical_ending(story: Story) -> None:
    path = machine.historical_path(story)
    end = machine.replay(story, [c.id for c in path])
    assert machine.is_ending(story, end)
    ending = story.scenes[end.scene].ending
    assert ending is not None and ending.kind == "historical"


def test_visited_scenes_and_variables(story: Story) -> None:
    s = machine.replay(story, ["hall.wait", "hall_again.back"])
    assert machine.visited_scenes(story, s) == ["hall", "hall_again", "hall"]
    assert machine.variables(story, s) == {"resolve": 5, "warned": False}
    assert s.visits == (1,)


def test_debrief_sets_path_beside_record(story: Story) -> None:
    end = machine.replay(story, ["hall.yield_now"])
    d = debrief(story, end)
    assert [dep.historical.id for dep in d.departures] == ["hall.ignore"]
    assert d.departures[0].historical.record[0].quote.startswith("This ultimatum")
    assert d.ending is not None and d.ending.kind == "counterfactual"
    assert d.questions == ("Why did the ministers wait?",)
    on = debrief(story, machine.replay(story, ["hall.ignore", "late.brave"]))
    assert on.on_record and on.followed == 1


def test_debrief_names_the_invented_scenes_of_the_path(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "mini"
    shutil.copytree(FIXTURE, folder)
    night = folder / "scenes" / "night.yaml"
    text = night.read_text(encoding="utf-8")
    for sid in ("hall_again", "surrender"):
        text = text.replace(f"  {sid}:\n", f"  {sid}:\n    invented: {sid} is ours\n", 1)
    night.write_text(text, encoding="utf-8")
    ours = load_story(folder)
    d = debrief(ours, machine.replay(ours, ["hall.wait", "hall_again.back", "hall.yield_now"]))
    assert [(sc.id, sc.invented) for sc in d.invented] == [("hall_again", "hall_again is ours"),
                                                            ("surrender", "surrender is ours")]
    assert debrief(ours, machine.replay(ours, ["hall.ignore", "late.brave"])).invented == ()


def valid(story: Story, s: State) -> bool:
    if s.scene not in story.scenes:
        return False
    for v in story.variables:
        value = s.vars[v.index]
        if v.type == "int":
            if not isinstance(value, int) or isinstance(value, bool):
                return False
            if (v.min is not None and value < v.min) or (v.max is not None and value > v.max):
                return False
        elif v.type == "bool" and not isinstance(value, bool):
            return False
    return all(0 <= n for n in s.visits)


@settings(max_examples=200, deadline=None)
@given(picks=st.lists(st.integers(min_value=0, max_value=10), max_size=30))
def test_random_walks_stay_valid(story: Story, picks: list[int]) -> None:
    s = machine.start(story)
    for p in picks:
        open_ = machine.choices(story, s)
        if not open_:
            break
        s = machine.choose(story, s, open_[p % len(open_)])
        assert valid(story, s)
        assert machine.replay(story, s.path) == s  # deterministic
