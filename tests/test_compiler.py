"""The compiler: every error code from a small bad scenario, all errors in one run, located."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.base.diagnostics import Diagnostic
from engine.build.compiler import analyze, choice_key, compile_folder

QUOTE = "This ultimatum expires at 7:10, after which we will immediately open fire."

SCENARIO = """\
format: 1
id: bad
title: Bad
summary: A scenario for errors.
role: Tester
start: one
clock: {date: 1917-10-25, calendar: julian}
variables:
  resolve: {type: int, initial: 5, min: 0, max: 10}
  warned: {type: bool, initial: false}
questions: [Why?]
"""

SCENES = f"""\
format: 1
scenes:
  one:
    title: One
    place: Hall
    time: "19:00"
    text: Text.
    record:
      - source: rabinowitch
        quote: "{QUOTE}"
    choices:
      - id: go
        text: Go on
        goto: two
  two:
    title: Two
    place: Hall
    text: The end.
    record:
      - source: rabinowitch
        quote: "{QUOTE}"
    ending: {{kind: historical, debrief: Done.}}
"""


def make(tmp_path: Path, scenario: str = SCENARIO, scenes: str = SCENES, name: str = "bad") -> Path:
    folder = tmp_path / name
    (folder / "scenes").mkdir(parents=True)
    (folder / "scenario.yaml").write_text(scenario, encoding="utf-8")
    (folder / "scenes" / "main.yaml").write_text(scenes, encoding="utf-8")
    return folder


def diags(folder: Path) -> list[Diagnostic]:
    return analyze(folder).diagnostics


def codes(folder: Path) -> list[str]:
    return [d.code for d in diags(folder) if d.severity == "error"]


def test_clean_scenario_compiles(tmp_path: Path) -> None:
    story, found = compile_folder(make(tmp_path))
    assert story is not None and not [d for d in found if d.severity == "error"]
    assert story.scenes["one"].choices[0].id == "one.go"
    assert story.scenes["one"].record[0].found is not None


def one(folder: Path, code: str) -> Diagnostic:
    found = [d for d in diags(folder) if d.code == code]
    assert found, f"expected {code}, got {[d.format() for d in diags(folder)]}"
    d = found[0]
    assert d.line >= 1 and d.column >= 1, d.format()
    assert d.path.endswith(".yaml")
    return d


CASES = [
    # code, where to change, old, new, expected line (in that file)
    ("E101", "scenes", "    place: Hall\n    time", "    plaec: Hall\n    time", 5),
    ("E102", "scenario", "role: Tester\n", "", 1),
    ("E103", "scenes", "    title: One", "    title: [One]", 4),
    ("E104", "scenes", '    time: "19:00"', '    time: "7 pm"', 6),
    ("E105", "scenes", "      - id: go\n        text: Go on\n        goto: two\n", "      []\n", 12),
    ("E201", "scenes", "        goto: two", "        goto: tow", 14),
    ("E203", "scenes", "      - id: go\n", "      - id: go\n        text: Go\n        goto: two\n      - id: go\n", 15),
    ("E205", "scenario", "id: bad", "id: good", 2),
    ("E207", "scenario", "date: 1917-10-25", "date: 1917-02-30", 7),
    ("E208", "scenario", "initial: 5,", "initial: 50,", 9),
    ("E209", "scenes", "        goto: two",
     "        goto: two\n        historical: true\n        counterfactual: true\n"
     "        record: [{source: rabinowitch, quote: 'This ultimatum expires at 7:10'}]", 12),
    ("E210", "scenes", "        goto: two", "        goto: two\n        locked: No.", 15),
    ("E211", "scenes", "      - source: rabinowitch\n        quote: \"This",
     "      - source: rabinowich\n        quote: \"This", 9),
    ("E401", "scenes", f'quote: "{QUOTE}"\n    choices', 'quote: "This ultimatum expires at 7:15."\n    choices', 10),
    ("E402", "scenes", "        goto: two", "        goto: two\n        historical: true", 12),
    ("E403", "scenes", f'    record:\n      - source: rabinowitch\n        quote: "{QUOTE}"\n    choices',
     "    choices", 3),
    ("E204", "scenes", "    ending: {{kind: historical, debrief: Done.}}".replace("{{", "{").replace("}}", "}"),
     "    choices: [{text: Again, goto: one}]\n    ending: {kind: historical, debrief: Done.}", 23),
    ("E020", "scenes", "format: 1\nscenes", "format: 2\nscenes", 1),
    ("E011", "scenes", SCENES, "just text\n", 1),
    ("E008", "scenes", "    title: One\n", "    title: One\n    title: Uno\n", 5),
]


@pytest.mark.parametrize("code, which, old, new, line", CASES, ids=[c[0] for c in CASES])
def test_each_error_code(tmp_path: Path, code: str, which: str, old: str, new: str, line: int) -> None:
    scenario, scenes = SCENARIO, SCENES
    if which == "scenario":
        assert old in scenario
        scenario = scenario.replace(old, new, 1)
    else:
        assert old in scenes
        scenes = scenes.replace(old, new, 1)
    d = one(make(tmp_path, scenario, scenes), code)
    assert d.line == line, d.format()
    assert d.message


def test_did_you_mean_for_scene_key_and_variable(tmp_path: Path) -> None:
    scenes = SCENES.replace("goto: two", "goto: tow\n        when: resolv > 3").replace("    place: Hall\n    time",
                                                                                       "    plcae: Hall\n    time")
    found = diags(make(tmp_path, SCENARIO, scenes))
    hints = " ".join(d.hint for d in found)
    assert 'did you mean "two"' in hints
    assert 'did you mean "place"' in hints
    assert 'did you mean "resolve"' in hints


def test_all_errors_in_one_run(tmp_path: Path) -> None:
    scenes = (SCENES.replace("goto: two", "goto: nowhere\n        do: resolve += true")
              .replace('time: "19:00"', 'time: "25:00"')
              .replace("    title: Two\n", "    title: Two\n    colour: red\n"))
    scenario = SCENARIO.replace("initial: 5,", "initial: 11,")
    found = codes(make(tmp_path, scenario, scenes))
    for expected in ("E201", "E104", "E101", "E208"):
        assert expected in found, found
    assert any(c.startswith("E3") for c in found), found


def test_expression_error_points_at_column(tmp_path: Path) -> None:
    scenes = SCENES.replace("        goto: two", "        goto: two\n        when: resolve > 3 and __import__")
    d = next(d for d in diags(make(tmp_path, SCENARIO, scenes)) if d.code.startswith("E3"))
    assert d.line == 15
    assert d.column == len("        when: resolve > 3 and ") + 1


def test_yaml11_hint_for_booleans(tmp_path: Path) -> None:
    scenes = SCENES.replace("        goto: two", "        goto: two\n        counterfactual: yes")
    d = one(make(tmp_path, SCENARIO, scenes), "E103")
    assert "true or false" in d.hint


def test_newer_format_message(tmp_path: Path) -> None:
    d = one(make(tmp_path, SCENARIO.replace("format: 1", "format: 7")), "E020")
    assert "newer" in d.message and "upgrade" in d.hint


def test_missing_scenario_file(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert codes(tmp_path / "empty") == ["E206"]


def test_duplicate_scene_across_files(tmp_path: Path) -> None:
    folder = make(tmp_path)
    (folder / "scenes" / "more.yaml").write_text(SCENES, encoding="utf-8")
    d = one(folder, "E202")
    assert "defined twice" in d.message


def test_slugs_are_stable_ids() -> None:
    assert choice_key("Ignore the ultimatum!") == "ignore_the_ultimatum"
    assert choice_key("1917: wait") == "c_1917_wait"
    assert len(choice_key("word " * 40)) <= 40


def test_default_choice_id_is_slug_of_text(tmp_path: Path) -> None:
    story, _ = compile_folder(make(tmp_path, SCENARIO, SCENES.replace("      - id: go\n        text", "      - text")))
    assert story is not None
    assert story.scenes["one"].choices[0].id == "one.go_on"


def test_clock_crosses_midnight(tmp_path: Path) -> None:
    scenes = SCENES.replace("    title: Two\n", '    title: Two\n    time: "00:10"\n')
    story, _ = compile_folder(make(tmp_path, SCENARIO, scenes))
    assert story is not None
    from engine.core import machine
    from engine.core.calendar import format_clock

    state = machine.choose(story, machine.start(story), "one.go")
    assert state.clock == 1440 + 10
    assert format_clock(story.start_date, story.calendar, state.clock).startswith("26 October 1917 (8 November")


def test_bad_calendar_value_is_a_diagnostic_not_a_crash(tmp_path: Path) -> None:
    """Found by the mutation property test: a calendar given as a list, with a scene date."""
    scenario = SCENARIO.replace("calendar: julian", "calendar: [julian, julian]")
    scenes = SCENES.replace('    time: "19:00"', '    time: "19:00"\n    date: 1917-10-25')
    found = codes(make(tmp_path, scenario, scenes))
    assert found and set(found) <= {"E103", "E104"}


@pytest.mark.parametrize("key", ["disputed", "events"])
@pytest.mark.parametrize("value", ["-1", "7", "true", "some text"])
def test_a_scene_list_of_the_wrong_type_is_a_diagnostic_not_a_crash(tmp_path: Path, key: str, value: str) -> None:
    """Found by the long run of the mutation property test: `disputed: -1` raised TypeError."""
    scenes = SCENES.replace("    title: Two\n", f"    title: Two\n    {key}: {value}\n")
    found = diags(make(tmp_path, SCENARIO, scenes))
    assert found and all(d.code.startswith("E1") for d in found), found
    assert all(d.line > 0 for d in found)


@pytest.mark.parametrize("value", ["0", "7", "true", "some text", "{a: b}", "[1, 2]"])
def test_variable_values_of_the_wrong_type_are_a_diagnostic_not_a_crash(tmp_path: Path, value: str) -> None:
    """Found by the long run of the mutation property test: `values: 0` raised TypeError."""
    mood = f"  mood: {{type: str, initial: calm, values: {value}}}"
    scenario = SCENARIO.replace("  warned: {type: bool, initial: false}",
                                "  warned: {type: bool, initial: false}\n" + mood)
    found = diags(make(tmp_path, scenario, SCENES))
    assert found and all(d.code.startswith("E1") for d in found), found


# -- the split load: big scenarios are shared with a forked helper (engine.build.workers) ----------------

def _analyses(folder: Path, monkeypatch: pytest.MonkeyPatch, forked: list[int],
              lean: bool = False) -> tuple[object, object, int]:
    """The analysis of `folder` done serially, then split with a helper; and how many forks."""
    from engine.build import compiler

    monkeypatch.setenv("CHRONICLE_JOBS", "1")
    serial = compiler.analyze(folder, lean=lean)
    monkeypatch.delenv("CHRONICLE_JOBS")
    monkeypatch.setattr(compiler, "SPLIT_BYTES", 0)
    shared = compiler.analyze(folder, lean=lean)
    return serial, shared, len(forked)


def _same(a: object, b: object) -> None:
    assert [d.format() for d in a.diagnostics] == [d.format() for d in b.diagnostics]  # type: ignore[attr-defined]
    assert a.ir == b.ir  # type: ignore[attr-defined]
    assert a.chunks == b.chunks  # type: ignore[attr-defined]


def test_a_split_load_gives_the_serial_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              forked: list[int]) -> None:
    from engine.bench.synthetic import write_scenario
    from engine.build.workers import can_fork

    folder = write_scenario(tmp_path, 1000)
    serial, shared, forks = _analyses(folder, monkeypatch, forked)
    assert forks == (1 if can_fork() else 0)
    assert serial.diagnostics == [] and serial.ir is not None  # type: ignore[attr-defined]
    _same(serial, shared)
    serial, shared, forks = _analyses(folder, monkeypatch, forked, lean=True)  # as loading does it
    assert serial.ir["lean"] is True  # type: ignore[attr-defined]
    _same(serial, shared)


def test_a_split_load_reports_every_problem_as_the_serial_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             forked: list[int]) -> None:
    """Problems found across files (goto, expressions, a scene defined twice) and within them."""
    from engine.bench.synthetic import write_scenario

    folder = write_scenario(tmp_path, 1000)
    first, second = sorted((folder / "scenes").glob("*.yaml"))[:2]
    one_text = first.read_text(encoding="utf-8")
    block = one_text[one_text.index("  s00000:\n"):one_text.index("  s00001:\n")]
    text = second.read_text(encoding="utf-8")
    text = text.replace("goto: s00", "goto: s99", 1)  # a scene that does not exist
    text = text.replace('when: "', 'when: "morale >< 1 or ', 1)  # a condition that does not parse
    text = text.replace("do: ", "do: nothing += ", 1)  # an effect on an unknown variable
    text = text.replace('quote: "', 'quote: "Not in any source at all. ', 1)
    second.write_text(text + block, encoding="utf-8")  # and s00000 defined twice
    serial, shared, _ = _analyses(folder, monkeypatch, forked)
    found = {d.code for d in serial.diagnostics}  # type: ignore[attr-defined]
    assert {"E201", "E202", "E401"} <= found and any(c.startswith("E3") for c in found)
    assert serial.ir is None  # type: ignore[attr-defined]
    _same(serial, shared)


def test_invented_scene_and_neutral_choice_compile_into_the_story(tmp_path: Path) -> None:
    scenes = SCENES.replace("  two:\n    title: Two\n",
                            "  two:\n    invented: \"  the whole scene is ours  \"\n    title: Two\n")
    scenes = scenes.replace("        goto: two\n", "        goto: two\n        neutral: true\n", 1)
    story, found = compile_folder(make(tmp_path, scenes=scenes))
    assert story is not None, [d.format() for d in found]
    assert story.scenes["two"].invented == "the whole scene is ours"
    assert story.scenes["one"].invented == ""
    assert story.scenes["one"].choices[0].mark == "neutral"


@pytest.mark.parametrize("marks", [("historical", "neutral"), ("counterfactual", "neutral")])
def test_neutral_excludes_the_other_marks(tmp_path: Path, marks: tuple[str, str]) -> None:
    extra = "".join(f"        {m}: true\n" for m in marks)
    scenes = SCENES.replace("        goto: two\n", "        goto: two\n" + extra
                            + "        record: [{source: rabinowitch, quote: 'This ultimatum expires at 7:10'}]\n", 1)
    d = one(make(tmp_path, scenes=scenes), "E209")
    assert d.line == 12 and " and ".join(marks) in d.message


@pytest.mark.parametrize("value", ['""', '"   "', "[ours]"])
def test_invented_must_say_what_is_ours(tmp_path: Path, value: str) -> None:
    scenes = SCENES.replace("  two:\n    title: Two\n", f"  two:\n    invented: {value}\n    title: Two\n")
    found = [d for d in diags(make(tmp_path, scenes=scenes)) if d.severity == "error"]
    assert {(d.code, d.line) for d in found} in ({("E104", 16)}, {("E103", 16)}), [d.format() for d in found]
