"""Live reload (engine/play/watcher.py): a changed scenario is loaded again and the game carried over by its path."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from engine.build.loader import load_story
from engine.core import machine
from engine.play.watcher import Watcher, carry_over
from tests.helpers import FIXTURES


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    st = path.stat()  # a new modification time even within the clock's resolution
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def test_nothing_changed_nothing_to_do(folder: Path) -> None:
    story = load_story(folder)
    watcher = Watcher(folder)
    assert watcher.poll(machine.start(story)) is None


def test_an_edit_reloads_and_keeps_the_player_where_they_were(folder: Path) -> None:
    story = load_story(folder)
    state = machine.replay(story, ("hall.wait", "hall_again.back"))
    watcher = Watcher(folder)
    edit(folder / "scenes" / "night.yaml", "Nothing changes.", "Nothing changes at all.")
    got = watcher.poll(state)
    assert got is not None and got.fits and got.story is not None and got.state is not None
    assert got.state.path == state.path and got.state.scene == "hall"
    assert got.story.scenes["hall_again"].text == "Nothing changes at all."
    assert "2 choices replayed" in got.message
    assert watcher.poll(got.state) is None  # seen once


def test_a_step_that_no_longer_fits_is_named_and_the_game_stops_before_it(folder: Path) -> None:
    story = load_story(folder)
    state = machine.replay(story, ("hall.wait", "hall_again.back"))
    watcher = Watcher(folder)
    edit(folder / "scenes" / "night.yaml", "      - id: back\n", "      - id: return\n")
    got = watcher.poll(state)
    assert got is not None and not got.fits and got.step == 1 and got.state is not None
    assert got.state.path == ("hall.wait",) and got.state.scene == "hall_again"
    assert "Step 2" in got.message and "hall_again.back" in got.message


def test_a_broken_file_keeps_the_old_version_and_says_why(folder: Path) -> None:
    story = load_story(folder)
    state = machine.replay(story, ("hall.wait",))
    watcher = Watcher(folder)
    edit(folder / "scenes" / "night.yaml", "goto: late", "goto: nowhere")
    got = watcher.poll(state)
    assert got is not None and got.story is None and got.state is None
    assert any(d.code == "E201" for d in got.problems) and "still playing the last version" in got.message
    edit(folder / "scenes" / "night.yaml", "goto: nowhere", "goto: late")  # fixed again: reloads
    again = watcher.poll(state)
    assert again is not None and again.fits and again.state == state


def test_carry_over_into_a_story_without_the_scene_starts_again(folder: Path) -> None:
    story = load_story(folder)
    got = carry_over(story, ("hall.no_such_choice",))
    assert not got.fits and got.state == machine.start(story)
