"""Golden playthroughs: bless, replay, report the first difference; and every shipped plan passes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.base.diagnostics import ChronicleError
from engine.build.loader import load_story
from engine.cli import main
from engine.tools.plans import load_plan, plan_text, read_path, run_plan
from tests.helpers import ROOT

TOOLS = Path(__file__).parent / "fixtures" / "tools"


@pytest.fixture
def good(tmp_path: Path) -> Path:
    dest = tmp_path / "good"
    shutil.copytree(TOOLS / "good", dest)
    (dest / "plans").mkdir()
    return dest


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_bless_and_replay_the_scenario(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "--bless-historical", str(good), "--bless-endings", str(good)]) == 0
    names = sorted(p.name for p in (good / "plans").iterdir())  # written by bless
    assert names == ["ending_arrest.yaml", "ending_home.yaml", "historical.yaml"]
    plan = load_plan(good / "plans" / "historical.yaml")
    assert [s.choose for s in plan.steps] == ["noon.stay", "evening.refuse"]
    assert plan.steps[0].expect == {"resolve": 6} and plan.expect_ending == "arrest"
    assert plan.expect == {"resolve": 6, "warned": False}
    capsys.readouterr()
    assert main(["replay", str(good)]) == 0
    assert "3 passed, 0 failed" in capsys.readouterr().out
    # the compiler ignores plans/: the scenario still checks clean
    assert main(["check", "--strict", str(good)]) == 0


def test_first_difference_is_reported(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    story = load_story(good)
    base = "format: 1\nscenario: good\nsteps:\n"
    cases = {
        "wrong_scene": (base + "  - {choose: noon.stay, expect_scene: home}\n",
                        'step 1 (noon.stay): expected scene "home", got "evening"'),
        "wrong_value": (base + "  - {choose: stay, expect: {resolve: 7}}\n",
                        "step 1 (noon.stay): expected resolve = 7, got 6"),
        "closed": (base + "  - noon.leave\n", None),
        "no_such": (base + "  - noon.stay\n  - evening.fly\n", 'step 2: no choice "evening.fly" in scene "evening"'),
        "ending": (base + "  - noon.stay\n  - evening.give_in\nexpect_ending: arrest\n",
                   'expected ending "arrest", got "home"'),
        "not_ended": (base + "  - noon.stay\nexpect_ending: arrest\n",
                      'the game is in scene "evening", not at an ending'),
        "final": (base + "  - noon.leave\nexpect: {warned: false}\n", "at the end: expected warned = false, got true"),
        "type": (base + "  - noon.stay\nexpect: {resolve: \"6\"}\n", 'expected resolve = "6", got 6'),
    }
    for name, (text, message) in cases.items():
        out = run_plan(load_plan(write(good / "plans" / f"{name}.yaml", text)), story)
        if message is None:
            assert out.ok, name
        else:
            assert not out.ok and message in out.message, (name, out.message)
    # a closed choice: the step number and the open choices
    text = base + "  - noon.stay\n  - evening.refuse\n"
    day = good / "scenes" / "day.yaml"
    day.write_text(day.read_text().replace("do: resolve += 1", "do: resolve -= 1"))
    out = run_plan(load_plan(write(good / "plans" / "c.yaml", text)), load_story(good))
    assert not out.ok and out.step == 2
    assert 'step 2: choice "evening.refuse" is not open now (open choices: evening.give_in)' in out.message
    assert main(["replay", str(good / "plans" / "c.yaml")]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_plan_format_errors(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = {
        "fmt": "format: 2\nscenario: good\nsteps: []\n",
        "key": "format: 1\nscenario: good\nstep: []\n",
        "step": "format: 1\nscenario: good\nsteps:\n  - {pick: noon.stay}\n",
        "expect": "format: 1\nscenario: good\nsteps:\n  - {choose: noon.stay, expect: [1]}\n",
        "yaml": "format: 1\nscenario: good\nsteps: [\n",
        "tag": "format: 1\nscenario: !!python/object:os.system good\n",
    }
    for name, text in bad.items():
        path = write(good / "plans" / f"{name}.yaml", text)
        with pytest.raises(ChronicleError):
            load_plan(path)
        assert main(["replay", str(path)]) == 1
        out = capsys.readouterr()
        assert "FAIL" in out.out and "Traceback" not in out.err


def test_bless_from_a_transcript(good: Path, tmp_path: Path) -> None:
    events = [
        {"event": "start", "scenario": "good", "student": "Anna"},
        {"event": "choice", "choice": "noon.leave", "scene": "noon"},
        {"event": "undo", "steps": 1},
        "not an event",
        {"event": "choice", "choice": "noon.stay"},
        {"event": "choice", "choice": 42},
        {"event": "choice", "choice": "evening.refuse"},
        {"event": "ending", "scene": "arrest"},
    ]
    transcript = tmp_path / "anna.jsonl"
    transcript.write_text("\n".join(json.dumps(e) for e in events) + "\n{broken json\n")
    assert read_path(transcript) == ("good", ["noon.stay", "evening.refuse"])
    out = tmp_path / "anna.yaml"
    assert main(["replay", "--bless", str(transcript), "--scenario", str(good), "-o", str(out)]) == 0
    plan = load_plan(out)
    assert plan.expect_ending == "arrest" and run_plan(plan, load_story(good)).ok


def test_bless_from_a_save(good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    save = tmp_path / "slot1.json"
    save.write_text(json.dumps({"format": 1, "scenario": "good", "path": ["noon.leave"]}))
    assert read_path(save) == ("good", ["noon.leave"])
    out = tmp_path / "p.yaml"
    assert main(["replay", "--bless", str(save), "--scenario", str(good), "-o", str(out)]) == 0
    assert load_plan(out).expect_ending == "home"
    # a save that no longer replays: a clear message, no plan, no traceback
    save.write_text(json.dumps({"scenario": "good", "path": ["noon.gone"]}))
    assert main(["replay", "--bless", str(save), "--scenario", str(good), "-o", str(tmp_path / "q.yaml")]) == 1
    err = capsys.readouterr().err
    assert 'no choice "noon.gone"' in err and "Traceback" not in err
    assert not (tmp_path / "q.yaml").exists()
    for junk in ("[1, 2]", '{"path": "x"}', ""):
        save.write_text(junk)
        with pytest.raises(ChronicleError):
            read_path(save)


def test_plan_text_round_trips_strings(good: Path) -> None:
    story = load_story(good)
    text = plan_text(story, ["noon.leave"], title='A "quoted" title: yes')
    path = write(good / "plans" / "t.yaml", text)
    plan = load_plan(path)
    assert plan.title == 'A "quoted" title: yes' and run_plan(plan, story).ok


def _shipped_plans() -> list[Path]:
    return sorted((ROOT / "scenarios").glob("*/plans/*.yaml"))


def test_every_shipped_scenario_has_plans() -> None:
    plans = _shipped_plans()
    assert {p.parent.parent.name for p in plans} == {s.name for s in (ROOT / "scenarios").iterdir()
                                                      if (s / "scenario.yaml").is_file()}


@pytest.mark.parametrize("plan_file", _shipped_plans(), ids=lambda p: p.parent.parent.name + "/" + p.name)
def test_shipped_plans(plan_file: Path) -> None:
    """Every golden playthrough shipped in scenarios/<id>/plans/ still passes."""
    plan = load_plan(plan_file)
    story = load_story(plan_file.parent.parent)
    assert story.id == plan.scenario
    out = run_plan(plan, story)
    assert out.ok, f"{plan_file}: {out.message}"


def test_a_plan_outside_the_scenario_finds_it_from_its_own_folder_or_scenario(
        good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "--bless-historical", str(good)]) == 0
    text = (good / "plans" / "historical.yaml").read_text()
    beside = write(tmp_path / "historical.yaml", text)  # next to the scenario's folder, not in scenarios/
    elsewhere = tmp_path / "a" / "b" / "c" / "d" / "plans"  # too far up to look
    elsewhere.mkdir(parents=True)
    far = write(elsewhere / "far.yaml", text)
    capsys.readouterr()
    assert main(["replay", str(beside)]) == 0
    assert "1 passed, 0 failed" in capsys.readouterr().out
    assert main(["replay", str(far)]) == 1  # not found from there, nor in scenarios/
    assert 'scenario "good" cannot be loaded' in capsys.readouterr().out
    assert main(["replay", str(far), "--scenario", str(good)]) == 0
    capsys.readouterr()
    assert main(["replay", str(elsewhere), "--scenario", str(good), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["plans"][0]["ok"] is True


def test_a_name_a_file_gives_is_an_id_never_a_path(good: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A plan, a transcript or a save from a stranger names its scenario: that name is looked up among
    the scenarios by id and never followed as a path (only --scenario, typed by the user, may be one)."""
    assert main(["replay", "--bless-historical", str(good)]) == 0
    steps = (good / "plans" / "historical.yaml").read_text().split("steps:", 1)[1]
    away = tmp_path / "elsewhere"
    away.mkdir()
    for name in (str(good), "../good", "good/../good", "Good"):
        plan = write(away / "p.yaml", f"format: 1\nscenario: {json.dumps(name)}\nsteps:{steps}")
        with pytest.raises(ChronicleError) as err:
            load_plan(plan)
        d = err.value.diagnostics[0]
        assert (d.code, d.line, d.column) == ("E601", 2, 11) and "is not a scenario id" in d.message, d
        assert main(["replay", str(plan)]) == 1
        assert "Traceback" not in capsys.readouterr().err
    plan = write(away / "p.yaml", f"format: 1\nscenario: good\nsteps:{steps}")
    assert main(["replay", str(plan), "--scenario", str(good)]) == 0  # the user's own path is taken
    # a transcript naming its scenario by a path: not loaded from there
    transcript = tmp_path / "t.jsonl"
    transcript.write_text(json.dumps({"event": "start", "scenario": str(good)}) + "\n"
                          + json.dumps({"event": "choice", "choice": "noon.stay"}) + "\n")
    capsys.readouterr()
    assert main(["replay", "--bless", str(transcript), "-o", str(tmp_path / "x.yaml")]) == 1
    assert "no scenario" in capsys.readouterr().err and not (tmp_path / "x.yaml").exists()
    assert main(["replay", "--bless", str(transcript), "--scenario", str(good), "-o", str(tmp_path / "x.yaml")]) == 0
