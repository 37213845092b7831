"""Chapters: a named start scene, played with the state the historical path has there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine.build.loader import load_story
from engine.core import machine
from engine.core.model import Game
from engine.play.session import Session
from engine.saves.store import SaveStore
from engine.saves.transcript import read_transcript
from tests.helpers import ROOT


@pytest.mark.parametrize("scenario", ["malachite_hall", "duma_march"])
def test_shipped_chapters_start_on_the_historical_path(scenario: str) -> None:
    story = load_story(ROOT / "scenarios" / scenario)
    assert len(story.chapters) >= 2
    hist = machine.historical_path(story)
    for name, scene in story.chapters:
        state = machine.chapter_start(story, name)
        assert state.scene == scene
        k = len(state.path)
        assert state.path == tuple(c.id for c in hist[:k])
        assert state == machine.replay(story, state.path)  # the same state as playing it through


def test_a_chapter_game_undoes_and_restarts_to_its_start_and_saves_its_chapter(tmp_path: Path) -> None:
    story = load_story(ROOT / "scenarios" / "malachite_hall")
    store = SaveStore(tmp_path / "saves")
    s = Session(story, store=store, transcripts=tmp_path / "t", game=Game("g1", 5, "night"))
    s.begin()
    start = s.state
    assert start.scene == "aurora_shot" and start.path
    assert "where this chapter begins" in s.handle("undo").messages[0][1]
    s.handle("1")
    s.handle("undo")
    assert s.state == start
    s.handle("1")
    s.handle("restart")
    s.handle("yes")
    assert s.state == start
    s.handle("1")
    s.close()
    assert store.read("autosave-malachite_hall").chapter == "night"
    p = read_transcript(next((tmp_path / "t").glob("*.jsonl")))
    assert p.usable and p.chapter == "night" and p.restarts == 1
    given = [c for c in p.choices if c.given]
    assert [c.choice for c in given] == list(start.path)
    assert len(p.choices) == len(start.path) + 1


def test_play_chapter_on_the_command_line(tmp_path: Path) -> None:
    run = [sys.executable, "-m", "engine", "play", "malachite_hall", "--plain", "--saves", str(tmp_path)]
    r = subprocess.run([*run, "--chapter", "night"], input="", capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "The Aurora fires" in r.stdout
    r = subprocess.run([*run, "--chapter", "dawn"], input="", capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and 'no chapter "dawn"' in r.stderr and "afternoon, ultimatum, night" in r.stderr


def test_the_debrief_of_a_chapter_counts_only_its_own_decisions() -> None:
    from engine.core.debrief import debrief

    story = load_story(ROOT / "scenarios" / "malachite_hall")
    s = Session(story, game=Game("g", None, "night"))
    while not s.is_ending():
        opened = s.open_choices()
        s.handle(str(1 + next((i for i, c in enumerate(opened) if c.mark == "historical"), 0)))
    whole = debrief(story, s.state)
    mine = debrief(story, s.state, len(s.origin.path))
    assert mine.on_record and 0 < mine.decisions < whole.decisions and mine.followed == mine.decisions


def test_a_chapter_at_a_scene_that_does_not_exist_is_an_error(mini: Path) -> None:
    from engine.base.diagnostics import ChronicleError

    meta = mini / "scenario.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "chapters:\n  late: no_such_scene\n", encoding="utf-8")
    with pytest.raises(ChronicleError) as got:
        load_story(mini)
    d = next(d for d in got.value.diagnostics if d.code == "E201")
    assert 'chapter "late"' in d.message and d.path.endswith("scenario.yaml") and d.line > 1
