"""randomtest: seeded, reproducible, uniform over open choices, and its counts add up."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from engine.build.loader import load_story
from engine.cli import main
from engine.tools.randomtest import RandomReport, random_play

sys.path.insert(0, str(Path(__file__).parent))
from tools_synthetic import synthetic_story  # noqa: E402

TOOLS = Path(__file__).parent / "fixtures" / "tools"


def test_same_seed_same_report() -> None:
    story = load_story(TOOLS / "broken")
    a = random_play(story, 300, seed=11, max_steps=40).as_json()
    b = random_play(story, 300, seed=11, max_steps=40).as_json()
    c = random_play(story, 300, seed=12, max_steps=40).as_json()
    assert a == b
    assert a != c


def test_counts_add_up_on_the_broken_fixture() -> None:
    story = load_story(TOOLS / "broken")
    r = random_play(story, 600, seed=5, max_steps=30)
    assert sum(r.endings.values()) + sum(r.stuck.values()) + r.capped == 600
    assert r.endings["fortress"] == 0 and r.endings["arrest"] > 0
    assert set(r.stuck) == {"cellar"}  # the softlock
    assert r.capped > 0 and r.longest == 30  # the cycle with no way out
    assert r.unvisited_scenes() == ["attic", "fortress"]
    assert set(r.unused_choices()) == {"hall.bribe", "cellar.climb", "attic.down"}
    assert r.scene_hits["hall"] == 600
    # every entry into a scene comes from the start or a choice leading there
    assert r.scene_hits["waiting"] == r.choice_hits["hall.wait"] + r.choice_hits["waiting.wait_more"]
    assert r.steps == sum(r.choice_hits.values())
    assert r.mean_length == pytest.approx(r.steps / 600)


def test_uniform_over_open_choices() -> None:
    # hall offers wait, flee, cross, and bribe (always closed): each open one about a third
    story = load_story(TOOLS / "broken")
    r = random_play(story, 6000, seed=1, max_steps=5)
    for cid in ("hall.wait", "hall.flee", "hall.cross"):
        assert 0.30 < r.choice_hits[cid] / 6000 < 0.37, cid
    good = random_play(load_story(TOOLS / "good"), 4000, seed=2)
    assert 0.45 < good.choice_hits["noon.stay"] / 4000 < 0.55
    assert good.endings["arrest"] + good.endings["home"] == 4000 and not good.capped


def test_synthetic_1000_games_all_end() -> None:
    """Every game of the benchmark's 1,000-scene scenario ends (its speed is `chronicle bench`'s business)."""
    story = synthetic_story(1000)
    r = random_play(story, 20, seed=3, max_steps=100_000)
    assert r.endings["s999"] == 20 and r.steps > 0


def test_cli(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["randomtest", str(TOOLS / "broken"), "-n", "200", "--seed", "9", "--max-steps", "25"]
    assert main(args + ["--json"]) == 1  # some games get stuck: exit 1
    first = json.loads(capsys.readouterr().out)
    assert main(args + ["--json"]) == 1
    assert json.loads(capsys.readouterr().out) == first
    assert first["playthroughs"] == 200 and first["endings"]["fortress"] == 0
    assert main(args) == 1
    got = capsys.readouterr()
    assert "NEVER REACHED" in got.out and "Stuck" in got.out and "Gave up after 25 choices" in got.out
    assert "got stuck" in got.err
    assert main(["randomtest", str(TOOLS / "good"), "-n", "0"]) == 2
    assert main(["randomtest", str(TOOLS / "good"), "-n", "50"]) == 0


def test_every_game_stuck_exits_1(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A start scene whose only choice is closed: every game is stuck at once."""
    night = mini / "scenes" / "night.yaml"
    text = night.read_text("utf-8")
    for key in ("ignore", "yield_now"):
        text = text.replace(f"      - id: {key}\n", f"      - id: {key}\n        when: resolve > 99\n", 1)
    text = text.replace('when: not visited("hall_again")', "when: resolve > 99")
    night.write_text(text, "utf-8")
    assert main(["randomtest", str(mini), "-n", "20"]) == 1
    got = capsys.readouterr()
    assert "20 of 20 game(s) got stuck" in got.err and "no game reached an ending" in got.err


# --- agreement with a plain reference player over engine.core.machine (tests/tools_statespace.py) ---

from tools_statespace import loops_story, reference_random_play, visits_story, wide_story  # noqa: E402


def _summary(r: RandomReport) -> dict[str, object]:
    return {"steps": r.steps, "choice_hits": r.choice_hits, "endings": r.endings, "stuck": r.stuck,
            "capped": r.capped, "longest": r.longest, "longest_game": r.longest_game}


@pytest.mark.parametrize("max_steps", [-1, 0, 1, 4, 50])
@pytest.mark.parametrize("name", ["good", "broken", "synthetic", "visits", "loops", "wide"])
def test_agrees_with_reference_player(name: str, max_steps: int) -> None:
    story = {"synthetic": lambda: synthetic_story(40), "visits": visits_story, "loops": loops_story,
             "wide": wide_story}.get(name, lambda: load_story(TOOLS / name))()
    for seed in (0, 7):
        got = random_play(story, 150, seed=seed, max_steps=max_steps)
        assert _summary(got) == reference_random_play(story, 150, seed, max_steps)
        assert sum(got.scene_hits.values()) == 150 + got.steps


def test_repeated_and_interleaved_runs_agree() -> None:
    """Per-story tables and memos are reused between runs and never leak between stories."""
    stories = [visits_story(), loops_story(), synthetic_story(25)]
    expected = [reference_random_play(s, 80, 3, 60) for s in stories]
    for _ in range(2):
        for story, want in zip(stories, expected, strict=True):
            assert _summary(random_play(story, 80, 3, 60)) == want


def test_wide_scenes_are_uniform() -> None:
    """More than 256 choices: every one is reachable and none is favoured."""
    story = wide_story(300)
    r = random_play(story, 3000, seed=4, max_steps=1)
    hits = [r.choice_hits[f"hub.c{i}"] for i in range(300)]
    closed = [i for i in range(300) if i % 3 == 0]  # n == 0 at the start
    assert all(hits[i] == 0 for i in closed)
    open_hits = [h for i, h in enumerate(hits) if i % 3]
    assert sum(open_hits) == 3000 and min(open_hits) > 0
    assert max(open_hits) < 3 * 3000 / len(open_hits)


def test_forgetting_the_state_cache_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.tools.randomtest as randomtest

    story = visits_story()
    want = reference_random_play(story, 120, 5, 40)
    monkeypatch.setattr(randomtest, "CACHE_LIMIT", 3)
    assert _summary(random_play(story, 120, 5, 40)) == want
    other = loops_story()
    assert _summary(random_play(other, 120, 5, 40)) == reference_random_play(other, 120, 5, 40)
