"""stats: counts checked against the fixture by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.build.loader import load_story
from engine.cli import main
from engine.tools.stats import story_stats, words

TOOLS = Path(__file__).parent / "fixtures" / "tools"


def test_words() -> None:
    assert words("The ministers' hall—Kerensky's car, 19:00 and so-called “cadets”.") == 9
    assert words("") == 0


def test_good_fixture_known_numbers() -> None:
    s = story_stats(load_story(TOOLS / "good"))
    # words counted by hand: scene texts 5+5+3+3, choices 4+2+3+2, epilogue 6, debriefs 4+5
    assert s == {"id": "good", "title": "A Clean Night", "scenes": 4, "choices": 4, "decision_points": 2,
                 "endings": 2, "endings_by_kind": {"historical": 1, "counterfactual": 1},
                 "citations": 7, "words": 42}


def test_broken_fixture_known_numbers() -> None:
    s = story_stats(load_story(TOOLS / "broken"))
    assert (s["scenes"], s["choices"], s["decision_points"], s["endings"]) == (8, 11, 3, 2)


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", str(TOOLS / "good"), str(TOOLS / "broken"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in data["scenarios"]] == ["good", "broken"]
    for key in ("id", "scenes", "choices", "decision_points", "endings", "endings_by_kind", "citations", "words"):
        assert key in data["scenarios"][0]


def test_cli_text_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", str(TOOLS / "good")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["scenario", "scenes", "choices"]
    assert lines[1].split()[:4] == ["good", "4", "4", "2"]
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "scenario.yaml").write_text("format: 1\nid: bad\n")
    assert main(["stats", str(bad)]) == 1
    assert "Traceback" not in capsys.readouterr().err
