"""lint: each warning on a fixture built to trigger it, with its line; none on a clean one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from engine.build.compiler import analyze
from engine.cli import main
from engine.tools.lint import CODES, lint

TOOLS = Path(__file__).parent / "fixtures" / "tools"


def run_lint(folder: Path) -> list[tuple[str, str, int, str]]:
    analysis = analyze(folder)
    assert analysis.ir is not None, analysis.diagnostics
    return [(Path(d.path).name, d.code, d.line, d.severity) for d in lint(folder, analysis)]


def test_broken_fixture_known_warnings() -> None:
    got = run_lint(TOOLS / "broken")
    assert all(sev == "warning" for *_, sev in got)
    assert sorted((f, c, ln) for f, c, ln, _ in got) == sorted([
        ("scenario.yaml", "W507", 1),   # no questions
        ("scenario.yaml", "W503", 9),   # money: read, never written
        ("scenario.yaml", "W502", 12),  # mood: never used
        ("night.yaml", "W508", 66),     # bridge: no ending by any goto
        ("night.yaml", "W508", 77),     # embankment
        ("night.yaml", "W505", 89),     # embankment: two choices "Walk on"
        ("night.yaml", "W501", 91),     # attic: unreachable
        ("night.yaml", "W501", 112),    # fortress: unreachable
        ("night.yaml", "W506", 119),    # fortress: no debrief
    ])


def test_columns_point_at_the_thing() -> None:
    analysis = analyze(TOOLS / "broken")
    diags = {(d.code, d.line): d for d in lint(TOOLS / "broken", analysis)}
    lines = (TOOLS / "broken" / "scenes" / "night.yaml").read_text().splitlines()
    attic = diags[("W501", 91)]
    assert lines[attic.line - 1][attic.column - 1:].startswith("attic:")
    dup = diags[("W505", 89)]
    assert lines[dup.line - 1][dup.column - 1:].startswith("Walk on")


def test_clean_fixture_has_no_warnings() -> None:
    assert run_lint(TOOLS / "good") == []


def test_historical_path_warnings(tmp_path: Path) -> None:
    folder = tmp_path / "good"
    shutil.copytree(TOOLS / "good", folder)
    day = folder / "scenes" / "day.yaml"
    original = day.read_text()
    # the historical choice of the evening leads to the counterfactual ending
    day.write_text(original.replace("        goto: arrest\n        historical: true",
                                    "        goto: home\n        historical: true"))
    codes = [c for _, c, _, _ in run_lint(folder)]
    assert "W511" in codes
    # no choice marked historical in the evening: the path stops there
    day.write_text(original.replace("        goto: arrest\n        historical: true\n", "        goto: arrest\n"))
    assert ("day.yaml", "W510", 25) in [(f, c, ln) for f, c, ln, _ in run_lint(folder)]
    assert day.read_text().splitlines()[24] == "  evening:"


def test_constant_condition(tmp_path: Path) -> None:
    folder = tmp_path / "good"
    shutil.copytree(TOOLS / "good", folder)
    day = folder / "scenes" / "day.yaml"
    day.write_text(day.read_text().replace("when: resolve >= 5 and not warned", "when: 1 > 2"))
    assert "W509" in [c for _, c, _, _ in run_lint(folder)]


def test_check_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(TOOLS / "broken")]) == 0  # warnings only
    out = capsys.readouterr().out
    assert "warning W501" in out and "night.yaml:91:3" in out
    assert main(["check", "--strict", str(TOOLS / "broken")]) == 1
    capsys.readouterr()
    assert main(["check", "--codes"]) == 0
    listed = capsys.readouterr().out
    assert all(code in listed for code in CODES)


FIDELITY_CASES = [
    # code, the edit to day.yaml (old, new), the line of the diagnostic
    ("E701", ("        goto: home\n        counterfactual: true\n        do: warned = true\n",
              "        goto: home\n        do: warned = true\n"), 21),
    ("E702", ("  arrest:\n    title: Arrest\n", "  arrest:\n    invented: the arrest is ours\n    title: Arrest\n"),
     38),
    ("E703", ('            quote: "Here Konovalov convened a cabinet session at noon"\n',
              '            quote: "Here Konovalov convened a cabinet session at noon, an hour after Kerensky\'s '
              'hurried departure for the front."\n'), 17),
    ("E704", ('    place: Millionnaya Street\n', '    place: Millionnaya Street\n    events: [walk_home]\n'), 63),
]


@pytest.mark.parametrize("code, edit, line", FIDELITY_CASES, ids=[c[0] for c in FIDELITY_CASES])
def test_fidelity_rules_are_errors_at_the_thing(tmp_path: Path, code: str, edit: tuple[str, str], line: int) -> None:
    folder = tmp_path / "good"
    shutil.copytree(TOOLS / "good", folder)
    day = folder / "scenes" / "day.yaml"
    old, new = edit
    text = day.read_text()
    assert old in text
    day.write_text(text.replace(old, new, 1))
    got = run_lint(folder)
    assert [(f, c, ln, sev) for f, c, ln, sev in got if c.startswith("E7")] == [("day.yaml", code, line, "error")]
    assert main(["check", str(folder)]) == 1


def test_a_neutral_option_beside_a_historical_one_is_faithful(tmp_path: Path) -> None:
    folder = tmp_path / "good"
    shutil.copytree(TOOLS / "good", folder)
    day = folder / "scenes" / "day.yaml"
    day.write_text(day.read_text().replace("        goto: home\n        counterfactual: true\n        do: warned",
                                           "        goto: home\n        neutral: true\n        do: warned", 1))
    assert run_lint(folder) == []


def test_the_shipped_new_scenarios_are_faithful() -> None:
    shipped = Path(__file__).resolve().parent.parent / "scenarios"
    for name in ("july_days", "second_congress", "walk_to_smolny", "fortress_aurora"):
        assert [c for _, c, _, _ in run_lint(shipped / name)] == [], name
def _chain_ir(n: int, loop: bool = False) -> dict[str, Any]:
    """n scenes in a row, each with one historical choice to the next; the last an ending (or, with
    `loop`, a historical choice back to the first)."""
    from tests.tools_synthetic import _choice, _scene, synthetic_ir

    ir = synthetic_ir(2)
    ir["variables"] = []
    ir["questions"] = ["Why?"]
    scenes = [_scene(f"s{i}", [_choice("on", f"s{i + 1}", mark="historical")], None) for i in range(n - 1)]
    if loop:
        scenes.append(_scene(f"s{n - 1}", [_choice("on", "s0", mark="historical")], None))
    else:
        scenes.append(_scene(f"s{n - 1}", [], {"kind": "historical", "debrief": "d"}))
    ir["scenes"] = scenes
    return ir


def test_a_long_historical_chain_is_not_cut_short(tmp_path: Path) -> None:
    from engine.build.compiler import Analysis

    got = [d.code for d in lint(tmp_path, Analysis(ir=_chain_ir(50_000)))]
    assert "W510" not in got and "W511" not in got
    looping = [d for d in lint(tmp_path, Analysis(ir=_chain_ir(50, loop=True))) if d.code == "W510"]
    assert len(looping) == 1 and "does not end" in looping[0].message


def _clock_case(tmp_path: Path, text: str, time: str | None) -> list[tuple[str, str, int, str]]:
    """The good fixture with the evening scene's text and time replaced: its W513 warnings."""
    folder = tmp_path / "good"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(TOOLS / "good", folder)
    day = folder / "scenes" / "day.yaml"
    original = day.read_text()
    old = '    time: "19:00"\n    text: A messenger brings an ultimatum.\n'
    assert old in original
    new = (f'    time: "{time}"\n' if time else "") + f"    text: {json.dumps(text)}\n"
    day.write_text(original.replace(old, new))
    return [w for w in run_lint(folder) if w[1] == "W513"]


@pytest.mark.parametrize(("text", "time"), [
    ("Around eight o'clock a messenger brings an ultimatum.", "19:00"),  # the text is an hour ahead
    ("At 21:40 a messenger brings an ultimatum.", "19:00"),
    ("At 9.40 p.m. a messenger brings an ultimatum.", "19:00"),
    ("Midnight, and a messenger brings an ultimatum.", "19:00"),
    ("Around eight o'clock a messenger brings an ultimatum.", None),  # the header would say "after 12:00"
    ("Nearly two hours go this way; then a messenger brings an ultimatum.", None),
    ("They argue for three hours; then a messenger brings an ultimatum.", None),
])
def test_w513_a_scene_whose_time_lags_its_text(tmp_path: Path, text: str, time: str | None) -> None:
    found = _clock_case(tmp_path, text, time)
    assert [(f, c) for f, c, _, _ in found] == [("day.yaml", "W513")], found
    lines = (tmp_path / "good" / "scenes" / "day.yaml").read_text().splitlines()
    assert lines[found[0][2] - 1].strip().startswith("text:")  # the warning points at the text


@pytest.mark.parametrize(("text", "time"), [
    ("Around eight o'clock a messenger brings an ultimatum.", "20:00"),
    ("Close to seven o'clock a messenger brings an ultimatum.", "19:00"),
    ("At 7 p.m. sharp a messenger brings an ultimatum.", "19:00"),
    ("A messenger brings an ultimatum; it expires at 7:10.", None),  # the future
    ("A messenger brings an ultimatum; answer by midnight.", None),
    ("It is well after midnight when a messenger brings an ultimatum.", None),
    ("An hour ago the cars left; now a messenger brings an ultimatum.", None),  # the past
    ("A messenger brings an ultimatum: in two hours the guns will fire.", None),
    ("A messenger brings an ultimatum.", None),
    ("Around midnight the cars left. Now, at half past seven, a messenger brings an ultimatum.", "19:30"),
    ("The first deadline was noon. At seven the messenger brings an ultimatum.", "19:00"),
    ("The recess gives you half an hour; a messenger brings an ultimatum.", None),
    ("You are an hour late: a messenger brings an ultimatum.", None),
    ("Eight o'clock was the deadline; now a messenger brings an ultimatum.", None),
])
def test_w513_is_quiet_when_the_clock_agrees_or_the_time_is_not_now(tmp_path: Path, text: str,
                                                                    time: str | None) -> None:
    assert _clock_case(tmp_path, text, time) == []


SHIPPED = Path(__file__).parent.parent / "scenarios"


@pytest.mark.parametrize("name", ["malachite_hall", "duma_march"])
def test_w513_on_the_shipped_scenarios(name: str) -> None:
    """The shipped scenes that name a time agree with it (noon, eight o'clock, midnight, one and two
    o'clock...); the one real lag left is listed, for the revision of the scenario to remove."""
    folder = SHIPPED / name
    analysis = analyze(folder)
    assert analysis.ir is not None
    found = [d.message for d in lint(folder, analysis) if d.code == "W513"]
    known = {"malachite_hall": ['in scene "dictator_debate" "two hours" pass, but the scene has no time: '
                                "the header still shows the time of the scene before"]}
    if found and found == known.get(name):
        pytest.xfail("malachite_hall dictator_debate: two hours pass without a time; the revision of the "
                     "shipped scenarios (another branch) gives it one")
    assert found == []
