"""Expected playing time: computed from the words and decisions, shown by chronicle list."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.build.loader import load_story
from engine.cli import main
from engine.tools.playtime import chapter_minutes, playing_time, whole_minutes
from tests.helpers import FIXTURES, ROOT


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


def test_only_the_words_a_state_shows_are_read(tmp_path: Path) -> None:
    """A text template's arms that the game does not show take no reading time: the mini scenario
    with its first scene's text behind `{if warned}` (never true on the historical path) and a long
    other arm takes exactly as long as the mini scenario itself."""
    plain = playing_time(load_story(FIXTURES / "mini"))
    folder = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", folder)
    night = folder / "scenes" / "night.yaml"
    text = night.read_text(encoding="utf-8")
    first = "    text: The messenger waits. You read the paper twice.\n"
    assert first in text
    unseen = " ".join(["word"] * 900)  # five minutes of reading, never shown on that path
    night.write_text(text.replace(first, f'    text: "{{if warned}}{unseen}{{else}}The messenger waits. '
                                         f'You read the paper twice.{{end}}"\n', 1), encoding="utf-8")
    templated = playing_time(load_story(folder))
    assert templated.historical == pytest.approx(plain.historical)
