"""Expected playing time: computed from the words and decisions, shown by chronicle list."""

from __future__ import annotations

import json

import pytest

from engine.build.loader import load_story
from engine.cli import main
from engine.tools.playtime import chapter_minutes, playing_time, whole_minutes
from tests.helpers import ROOT


def test_the_time_follows_the_words_and_the_chapters_split_it() -> None:
    story = load_story(ROOT / "scenarios" / "malachite_hall")
    t = playing_time(story)
    assert 10 < t.historical < 60 and t.random_low <= t.random_high and t.decisions >= 10
    assert [name for name, _, _ in t.chapters] == [name for name, _ in story.chapters]
    # the chapters cut the historical path into pieces: together they are the whole of it
    assert sum(m for _, _, m in t.chapters) == pytest.approx(t.historical)
    assert all(m < t.historical / 1.5 for _, _, m in t.chapters)  # each fits a short lesson


def test_list_shows_the_time_and_the_chapters(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "about" in out and "min (historical path; random play" in out
    assert "chapters (play --chapter NAME): afternoon ~" in out
    assert main(["list", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["duma_march"]["minutes"]["historical"] > 5
    assert [c["name"] for c in rows["duma_march"]["chapters"]] == ["evening", "vote", "march"]


def test_one_rounding_for_every_front_end() -> None:
    """The whole minutes the list, the teacher's export and the HTML player show: the tenth `list --json` gives,
    then whole (so a chapter never reads ~3 min in one place and ~2 in another)."""
    assert [whole_minutes(m) for m in (2.54, 2.56, 2.44, 3.5, 0.04)] == [2, 3, 2, 4, 0]
    story = load_story(ROOT / "scenarios" / "duma_march")
    assert chapter_minutes(story) == playing_time(story).chapters
