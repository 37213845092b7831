"""The shipped scenarios: clean, deep enough, grounded, interlocking, every ending reachable."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import deque

import pytest

from engine.build.compiler import analyze
from engine.build.loader import list_scenarios, load_story
from engine.core import machine
from engine.core.model import State, Story
from tests.helpers import ROOT, verify_quotes_tool

SHIPPED = [p.name for p in list_scenarios(ROOT / "scenarios")]
FLAGSHIPS = ["malachite_hall", "duma_march"]


@pytest.fixture(scope="module", params=SHIPPED)
def shipped_story(request: pytest.FixtureRequest) -> Story:
    return load_story(ROOT / "scenarios" / request.param)


def test_flagships_are_shipped() -> None:
    for name in FLAGSHIPS:
        assert name in SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_scenario_checks_clean(name: str) -> None:
    diagnostics = analyze(ROOT / "scenarios" / name).diagnostics
    assert [d.format() for d in diagnostics if d.severity == "error"] == []


def reachable_endings(story: Story, limit: int = 200_000) -> set[str]:
    start = machine.start(story)
    seen = {(start.scene, start.vars, start.visits)}
    queue = deque([start])
    endings: set[str] = set()
    while queue and len(seen) < limit:
        s = queue.popleft()
        if machine.is_ending(story, s):
            endings.add(s.scene)
            continue
        for c in machine.choices(story, s):
            n = machine.choose(story, State(s.scene, s.vars, s.visits, s.clock, ()), c)
            key = (n.scene, n.vars, n.visits)
            if key not in seen:
                seen.add(key)
                queue.append(n)
    return endings


def test_every_ending_reachable(shipped_story: Story) -> None:
    assert reachable_endings(shipped_story) == {e.id for e in shipped_story.endings}


def test_historical_path_reaches_a_historical_ending(shipped_story: Story) -> None:
    taken = machine.historical_path(shipped_story)
    end = machine.replay(shipped_story, [c.id for c in taken])
    ending = shipped_story.scenes[end.scene].ending
    assert ending is not None and ending.kind == "historical", end.scene


@pytest.mark.parametrize("name", FLAGSHIPS)
def test_flagship_depth(name: str) -> None:
    story = load_story(ROOT / "scenarios" / name)
    assert len(story.scenes) >= 25
    decisions = [s for s in story.scenes.values() if len(s.choices) >= 2]
    assert len(decisions) >= 10
    kinds = [e.ending.kind for e in story.endings if e.ending]
    assert len(kinds) >= 4 and kinds.count("historical") >= 1 and kinds.count("counterfactual") >= 2
    assert len(story.questions) >= 5 and story.teacher_note
    for e in story.endings:
        assert e.ending is not None and e.ending.debrief, e.id
    assert any(v.visible for v in story.variables)
    assert any(c.when for s in story.scenes.values() for c in s.choices), "state must matter"


@pytest.mark.parametrize("name", FLAGSHIPS)
def test_flagship_writing(name: str) -> None:
    story = load_story(ROOT / "scenarios" / name)
    for s in story.scenes.values():
        words = len(s.text.split())
        assert 60 <= words <= 200, f"{s.id}: {words} words"
        assert s.record, s.id
        for c in s.choices:
            if c.mark == "historical":
                assert c.record, c.id
        for cit in s.record:
            assert len(cit.quote) <= 400, f"{s.id}: quote too long"


def test_shared_events_happen_at_the_same_time() -> None:
    times: dict[str, dict[str, tuple[int | None, int | None]]] = {}
    for name in FLAGSHIPS:
        story = load_story(ROOT / "scenarios" / name)
        for s in story.scenes.values():
            for ev in s.events:
                times.setdefault(ev, {})[f"{name}:{s.id}"] = (s.time, s.day)
    shared = {ev: seen for ev, seen in times.items()
              if len({k.split(":")[0] for k in seen}) == 2}
    assert shared, "the two flagships must share events"
    for ev, seen in shared.items():
        assert len({t for t, _ in seen.values()}) == 1, f"{ev}: {seen}"


def test_independent_quote_check_agrees() -> None:
    tool = verify_quotes_tool()
    proc = subprocess.run([sys.executable, str(tool), "scenarios"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert re.search(r"\b0 not found", proc.stdout)


def test_no_invented_quotation_marks_in_prose(shipped_story: Story) -> None:
    """Real people speak only in cited words: any quotation in prose must be a cited quote."""
    cited = " ".join(c.quote for s in shipped_story.scenes.values() for c in s.record) + " " + " ".join(
        c.quote for s in shipped_story.scenes.values() for ch in s.choices for c in ch.record)
    norm = " ".join(cited.replace("“", '"').replace("”", '"').replace("’", "'").split())
    for s in shipped_story.scenes.values():
        for quoted in re.findall(r"[\"“]([^\"”]{12,})[\"”]", s.text):
            fragment = " ".join(quoted.replace("’", "'").split())
            assert fragment in norm, f"{s.id}: quotation not cited: {quoted!r}"
