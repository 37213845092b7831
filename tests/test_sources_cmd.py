"""`chronicle sources`: the grounding report from the command line (real files, the real CLI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.build.loader import list_scenarios
from tests.helpers import ROOT, run_cli

FIX = ROOT / "tests" / "fixtures" / "grounding"
GROUNDED, GAPS, BROKEN = (str(FIX / n) for n in ("grounded", "gaps", "broken"))
FIXED_KEYS = ["id", "scenes", "scenes_cited", "citations", "citations_verified",
              "historical_choices", "historical_choices_cited"]
SEED_FILES = ["000_d121491ab6d0240a.txt", "001_dbf6c7e2ff3efd3a.txt", "002_eb6aad302f5dba75.txt",
              "003_73bc7ea624367f32.txt", "004_a18fca1e7b5f9acc.txt"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    return run_cli(capsys, "sources", *args)


def test_json_has_exactly_the_promised_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--json", GROUNDED, GAPS)
    assert code == 1 and err == ""
    data = json.loads(out)
    assert [list(s)[:7] for s in data["scenarios"]] == [FIXED_KEYS, FIXED_KEYS]
    assert [{k: s[k] for k in FIXED_KEYS} for s in data["scenarios"]] == [
        {"id": "grounded", "scenes": 4, "scenes_cited": 4, "citations": 9, "citations_verified": 9,
         "historical_choices": 2, "historical_choices_cited": 2},
        {"id": "gaps", "scenes": 4, "scenes_cited": 2, "citations": 7, "citations_verified": 4,
         "historical_choices": 2, "historical_choices_cited": 0},
    ]
    assert data["seeds"] == dict(zip(SEED_FILES, [0, 0, 9, 2, 2], strict=True))
    assert data["grounded"] is False


def test_json_extras_name_the_gaps(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--json", GAPS)
    (gaps,) = json.loads(out)["scenarios"]
    assert gaps["uncited_scenes"] == ["ultimatum", "bare"]
    assert gaps["uncited_historical_choices"] == ["ultimatum.refuse", "aurora.stay"]
    assert [(f["scene"], f["where"], f["line"]) for f in gaps["failed_citations"]] == [
        ("ultimatum", "scene", 10), ("aurora", "choice stay", 46),
        ("aurora", "dispute: What the Aurora fired", 38)]
    assert "This ultimatum expires at 7:10" in gaps["failed_citations"][0]["problem"]
    (dispute,) = gaps["disputes"]
    assert dispute["topic"] == "What the Aurora fired" and dispute["verified"] is False
    assert [a["verified"] for a in dispute["accounts"]] == [True, False]
    assert gaps["compiles"] is False and gaps["errors"] == 5
    scan = gaps["by_scene"][1]["citations"][1]
    assert scan["corrected"] == [["Govemment", "Government"]] and scan["location"].endswith("p. 376, paragraph 1")


def test_grounded_scenario_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, GROUNDED)
    assert code == 0 and err == ""
    assert "grounded -- A Grounded Night  [grounded]" in out
    assert "scenes cited:             4/4 (100%)" in out
    assert "citations verified:       9/9 (100%)" in out
    assert "[FAIL]" not in out and "problems:" not in out
    assert '[ok]   rabinowitch, paragraph 44: "This ultimatum expires at 7:10' in out
    assert "[ok]   aurora: What the Aurora fired" in out
    assert "1 scenario(s): all grounded" in out


def test_readable_report_shows_every_gap(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, GAPS)
    assert code == 1
    assert "gaps -- A Night With Gaps  [NOT GROUNDED]" in out
    assert "historical choices cited: 0/2 (0%)" in out
    assert "does not compile: 5 error(s)" in out
    assert 'the closest passage in rabinowitch (99% alike) is: "This ultimatum expires at 7:10, after' in out
    assert 'unknown source "rabinowich"; did you mean "rabinowitch"?' in out
    assert "scene ultimatum rests on no verified passage (its citations do not verify)" in out
    assert "scene bare rests on no verified passage (no citation)" in out
    assert 'historical choice ultimatum.refuse "Refuse, and appeal to the country" cites nothing verified' in out
    assert "[FAIL] aurora: What the Aurora fired" in out
    assert "(read with corrections: Govemment -> Government)" in out
    assert "004_a18fca1e7b5f9acc.txt  woytinsky_p376    1" in out


def test_unreadable_file_fails_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--brief", BROKEN)
    assert code == 1
    assert "bad.yaml: cannot be read" in out
    assert "scenes:\n" not in out  # --brief leaves out the scene listing


def test_default_is_every_scenario_of_the_search_path(capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHRONICLE_SCENARIOS", str(FIX))
    monkeypatch.setenv("CHRONICLE_SHIPPED", "off")  # only the fixtures
    code, out, _ = run(capsys, "--json")
    assert code == 1
    assert [s["id"] for s in json.loads(out)["scenarios"]] == ["broken", "gaps", "grounded"]


def test_the_same_scenario_twice_is_reported_once(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--json", GROUNDED, GROUNDED + "/", str(Path(GROUNDED) / "scenario.yaml"))
    assert [s["id"] for s in json.loads(out)["scenarios"]] == ["grounded"]
    assert json.loads(out)["seeds"]["002_eb6aad302f5dba75.txt"] == 6


def test_unknown_scenario_is_an_error_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "no_such_scenario_here")
    assert code == 1 and out == ""
    assert 'error E206: no scenario "no_such_scenario_here"' in err and "Traceback" not in err


def test_damaged_seeds_are_reported(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                    tmp_path: Path) -> None:
    import engine.base.paths
    import engine.record.sources

    monkeypatch.setattr(engine.base.paths, "SEEDS_DIR", tmp_path)
    code, out, err = run(capsys, GROUNDED)
    assert code == 1 and out == ""
    assert "SEED001" in err and "cannot read the seed index" in err


def test_real_cli_on_the_shipped_scenarios() -> None:
    shipped = list_scenarios(ROOT / "scenarios")
    assert shipped, f"no scenarios found in {ROOT / 'scenarios'}"
    env = {**os.environ, "CHRONICLE_SCENARIOS": str(ROOT / "scenarios")}
    proc = subprocess.run([sys.executable, "-m", "engine", "sources", "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    data = json.loads(proc.stdout)
    assert sorted(s["id"] for s in data["scenarios"]) == sorted(p.name for p in shipped)
    assert list(data["seeds"]) == SEED_FILES
    total = sum(s["citations_verified"] for s in data["scenarios"])
    assert sum(data["seeds"].values()) == total > 0
    assert proc.returncode == (0 if all(s["grounded"] for s in data["scenarios"]) else 1)
    assert proc.stderr == ""


def test_a_terminal_that_cannot_show_typographic_quotes_gets_no_traceback() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    proc = subprocess.run([sys.executable, "-m", "engine", "sources", GROUNDED], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="ascii", errors="replace", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert '"?You are all under arrest,? Antonov replied"' in proc.stdout
