"""new: the scaffold checks clean at once, points editors at the schema, and never overwrites."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.build.compiler import analyze
from engine.build.loader import load_story
from engine.cli import main
from engine.core.machine import historical_path
from engine.format.safeyaml import load
from engine.tools.lint import lint
from engine.tools.scaffold import SCHEMA_FILE


def test_new_scenario_checks_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "my_night", "--dir", str(tmp_path)]) == 0
    folder = tmp_path / "my_night"
    analysis = analyze(folder)
    assert analysis.diagnostics == [] and analysis.ir is not None
    assert lint(folder, analysis) == []  # not even a warning
    assert main(["check", "--strict", str(folder)]) == 0
    story = load_story(folder)
    assert [c.id for c in historical_path(story)] == ["noon.stay"]
    assert story.scenes["arrest"].ending is not None
    # the scaffold shows a text template: the arrest remembers what the player did
    from engine.core.machine import replay
    from engine.core.prose import render

    arrest = story.scenes["arrest"].text
    assert "your resolve at 5." in render(story, replay(story, ["noon.stay"]), arrest)
    assert "no door left" in render(story, replay(story, ["noon.slip_away"]), arrest)
    capsys.readouterr()


def test_schema_line_points_at_the_schema(tmp_path: Path) -> None:
    assert main(["new", "schema_test", "--dir", str(tmp_path)]) == 0
    for f in (tmp_path / "schema_test").rglob("*.yaml"):
        first = f.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=")
        ref = first.split("$schema=", 1)[1]
        assert (f.parent / ref).resolve() == SCHEMA_FILE
        load(f.read_bytes(), str(f))  # the comments do not upset the safe reader


def test_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    assert main(["new", "taken", "--dir", str(tmp_path)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "taken" / "keep.txt").read_text() == "mine"
    assert not (tmp_path / "taken" / "scenario.yaml").exists()


@pytest.mark.parametrize("bad", ["My_Story", "1st", "a-b", "../escape", "", "x" * 65])
def test_validates_the_id(tmp_path: Path, bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", bad, "--dir", str(tmp_path)]) == 1
    assert "not a valid scenario id" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
