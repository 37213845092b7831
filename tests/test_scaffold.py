"""new: the scaffold checks clean at once, points editors at the schema, and never overwrites."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.build.compiler import analyze
from engine.build.loader import load_story
from engine.cli import main
from engine.core.machine import historical_path
from engine.format.safeyaml import load
from engine.format.schema import SCHEMA_NAME, json_schema
from engine.tools.lint import lint


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


def test_schema_line_points_at_the_schema_of_the_scenarios_folder(tmp_path: Path) -> None:
    assert main(["new", "schema_test", "--dir", str(tmp_path)]) == 0
    schema = tmp_path / SCHEMA_NAME
    assert json.loads(schema.read_text(encoding="utf-8")) == json_schema()  # written when missing
    files = sorted((tmp_path / "schema_test").rglob("*.yaml"))
    assert len(files) == 2
    for f in files:
        first = f.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=")
        ref = first.split("$schema=", 1)[1]
        assert not Path(ref).is_absolute() and (f.parent / ref).resolve() == schema.resolve()
        load(f.read_bytes(), str(f))  # the comments do not upset the safe reader


def test_schema_lines_survive_moving_the_scenarios_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "old"
    old.mkdir()
    assert main(["new", "moved", "--dir", str(old)]) == 0
    new = tmp_path / "elsewhere" / "scenarios"
    new.parent.mkdir()
    shutil.move(str(old), str(new))
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["check", "--strict", str(new / "moved")]) == 0  # no W512: the lines still point at the schema
    (new / SCHEMA_NAME).unlink()
    assert main(["check", str(new / "moved")]) == 0
    out = capsys.readouterr()
    text = out.out + out.err
    assert text.count("W512") == 2
    assert "chronicle schema --write elsewhere/scenarios" in text
    assert "$schema=../scenario.schema.json" in text and "$schema=../../scenario.schema.json" in text
    assert main(["schema", "--write", str(new)]) == 0
    capsys.readouterr()
    assert main(["check", "--strict", str(new / "moved")]) == 0


def test_new_goes_to_scenarios_when_there_else_here(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "here"]) == 0
    assert (tmp_path / "here" / "scenario.yaml").is_file() and (tmp_path / SCHEMA_NAME).is_file()
    (tmp_path / "scenarios").mkdir()
    assert main(["new", "there"]) == 0
    assert (tmp_path / "scenarios" / "there" / "scenario.yaml").is_file()
    assert (tmp_path / "scenarios" / SCHEMA_NAME).is_file()
    assert "created scenarios/there/scenario.yaml" in capsys.readouterr().out


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
