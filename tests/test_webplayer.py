"""The HTML player's bench helpers (`engine.bench.webplayer`): the ink story of the same shape that
inkjs is measured on translates every built-in from the one table of built-ins."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.bench.webplayer import INK_CALLS, ink_random_play, ink_source, node, node_modules
from engine.build.loader import load_story
from engine.classroom.player import story_data
from engine.expressions.builtins import BUILTINS
from tests.helpers import FIXTURES

CONDITION = 'not visited("hall_again") and visits("hall") < 3 and min(resolve, 7) >= max(resolve - 9, 1)'


def test_every_builtin_has_an_ink_form() -> None:
    assert set(INK_CALLS) == set(BUILTINS), "write the new built-in in ink in INK_CALLS"


@pytest.fixture
def every_builtin(tmp_path: Path) -> Path:
    """The mini scenario, its one condition using every shipped built-in."""
    folder = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", folder)
    night = folder / "scenes" / "night.yaml"
    text = night.read_text(encoding="utf-8")
    assert 'when: not visited("hall_again")' in text
    night.write_text(text.replace('when: not visited("hall_again")', f"when: {CONDITION}"), encoding="utf-8")
    return folder


def test_the_ink_story_writes_each_builtin(every_builtin: Path) -> None:
    data = story_data(load_story(every_builtin), None)
    ink = ink_source(data)
    condition = next(line for line in ink.splitlines() if line.startswith("+ {") and "k_hall_again" in line)
    assert "(not (k_hall_again > 0))" in condition
    assert "(k_hall < 3)" in condition
    assert "(MIN(v_resolve, 7) >= MAX((v_resolve - 9), 1))" in condition
    assert set(data["tracked"]) == {"hall", "hall_again"}


@pytest.mark.skipif(node() is None or node_modules() is None or not (node_modules() / "inkjs").is_dir(),
                    reason="node and inkjs are not installed (npm install --prefix .ci/js inkjs@2)")
def test_inkjs_compiles_and_plays_the_translation(every_builtin: Path, tmp_path: Path) -> None:
    steps = ink_random_play(story_data(load_story(every_builtin), None), 2000, tmp_path)
    assert isinstance(steps, float) and steps > 0, steps
