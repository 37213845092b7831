"""Text templates: `{name}`, `{if}…{elif}…{else}…{end}`, `{{ }}` — parsed and checked at load, rendered
by the core for every front end, and measured by explore and randomtest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.build.compiler import compile_folder
from engine.build.loader import load_story
from engine.core import machine
from engine.core.prose import render
from engine.expressions.language import ExprError, VarSpec
from engine.expressions.template import parse_template
from engine.tools.explore import explore
from engine.tools.randomtest import random_play
from tests.helpers import ROOT

VARS = {"resolve": VarSpec("resolve", 0, "int"), "calm": VarSpec("calm", 1, "bool"),
        "who": VarSpec("who", 2, "str")}


def run(text: str, values: tuple[object, ...] = (3, True, "Kerensky"), visits: tuple[int, ...] = (1,)) -> str:
    bound = parse_template(text, VARS, ["hall"]).bind({"hall": 0})
    return bound.run(values, visits, None)


def test_values_print_as_documented() -> None:
    assert run("{resolve}|{calm}|{who}|{-resolve}|{resolve * 2}") == "3|true|Kerensky|-3|6"
    assert run("{calm}", (0, False, "")) == "false"
    assert run("{{literal}} and }}") == "{literal} and }"


def test_arms_choose_the_first_true_condition_and_nest() -> None:
    text = "a {if resolve > 5}big{elif calm}{if who == 'Kerensky'}K{else}other{end}{else}none{end} b"
    assert run(text) == "a K b"
    assert run(text, (9, False, "")) == "a big b"
    assert run(text, (0, True, "x")) == "a other b"
    assert run(text, (0, False, "x")) == "a none b"
    assert run("{if visited(\"hall\")}seen{end}", visits=(0,)) == ""
    shown: list[int] = []
    parse_template(text, VARS, ["hall"]).bind({"hall": 0}).run((0, True, "x"), (0,), shown)
    assert shown == [1, 3]  # the {elif} and, inside it, the {else}


def test_a_tag_alone_on_its_line_takes_its_line() -> None:
    text = "Start.\n  {if calm}\nCalm.\n{else}  \nNot.\n{end}\nEnd. {if calm} inline {end}."
    assert run(text) == "Start.\nCalm.\nEnd.  inline ."
    assert run(text, (0, False, "")) == "Start.\nNot.\nEnd. ."


@pytest.mark.parametrize("text, code, at", [
    ("x {if resolve}y{end}", "E320", 6),
    ("{reslove}", "E309", 1),
    ("a } b", "E341", 2),
    ("{if calm}x", "E344", 0),
    ("x {end}", "E343", 2),
    ("{if calm}a{else}b{elif calm}c{end}", "E345", 17),
    ("{}", "E342", 0),
    ("{endif}", "E322", 0),
    ("{resolve", "E340", 0),
    ("{if calm}a{elif resolv > 1}b{end}", "E309", 16),
    ("{if}x{end}", "E323", 0),
    ("{else x}", "E322", 6),
])
def test_errors_point_inside_the_text(text: str, code: str, at: int) -> None:
    with pytest.raises(ExprError) as info:
        parse_template(text, VARS, ["hall"])
    assert (info.value.code, info.value.offset) == (code, at)
    assert info.value.hint


TEMPLATED = {
    "text: The messenger waits. You read the paper twice.":
        'text: |\n      The messenger waits.\n      {if visited("hall_again")}\n'
        '      You have been in the hall {visits("hall")} times.\n      {end}',
    "text: Go back to the table": 'text: "Go back{if resolve > 5}, resolute,{end} to the table"',
    "text: The door opens.": "text: >\n      The door opens. Resolve: {resolve}.\n"
                             "      {if warned}You were warned.{elif resolve > 9}Unshakeable.{end}",
    "epilogue: The ministers are taken away.": "epilogue: 'Taken away{if resolve >= 6} with resolve {resolve}{end}.'",
}


def templated(mini: Path, extra: dict[str, str] | None = None) -> Path:
    night = mini / "scenes" / "night.yaml"
    text = night.read_text()
    for old, new in {**TEMPLATED, **(extra or {})}.items():
        assert old in text
        text = text.replace(old, new, 1)
    night.write_text(text)
    return mini


def test_a_story_renders_its_texts_by_state_also_from_the_cache(mini: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    templated(mini)
    monkeypatch.setenv("CHRONICLE_CACHE", str(tmp_path / "cache"))
    for attempt in range(2):  # compiled, then read back from the cache
        assert any((tmp_path / "cache").rglob("*")) == bool(attempt)  # the second load reads the cache
        story = load_story(str(mini))
        state = machine.replay(story, ["hall.wait", "hall_again.back"])
        sc = story.scenes[state.scene]
        assert render(story, state, sc.text) == "The messenger waits.\nYou have been in the hall 2 times.\n"
        assert render(story, machine.start(story), sc.text) == "The messenger waits.\n"
        back = story.scenes["hall_again"].choices[0].text
        assert render(story, machine.replay(story, ["hall.wait"]), back) == "Go back to the table"
        assert render(story, machine.replay(story, ["hall.ignore"]), back) == "Go back, resolute, to the table"
        late = machine.replay(story, ["hall.ignore"])
        assert render(story, late, story.scenes["late"].text) == "The door opens. Resolve: 6. \n"
    diagnostics = compile_folder(mini)[1]
    assert not [d for d in diagnostics if d.severity == "error"]


def test_plain_play_shows_the_rendered_text(mini: Path, tmp_path: Path) -> None:
    templated(mini)
    r = subprocess.run([sys.executable, "-m", "engine", "play", str(mini), "--plain", "--saves", str(tmp_path / "s")],
                       input="3\n1\n", capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "You have been in the hall 2 times." in r.stdout
    assert "Go back to the table" in r.stdout
    assert "{" not in r.stdout


def test_errors_in_templates_are_located_in_the_file(mini: Path) -> None:
    templated(mini, {"text: You give up early.": "text: |\n      You give up early.\n"
                                                 "        And {if resolve > 1}then {resolv}.{end}",
                     "text: Stand firm": 'text: "Stand {if warned}firm"'})
    _, diagnostics = compile_folder(mini)
    found = {(d.code, d.line, d.column) for d in diagnostics}
    lines = (mini / "scenes" / "night.yaml").read_text().splitlines()
    e309 = next(d for d in diagnostics if d.code == "E309")
    assert lines[e309.line - 1][e309.column - 1:].startswith("resolv}"), (e309, lines[e309.line - 1])
    e344 = next(d for d in diagnostics if d.code == "E344")
    assert lines[e344.line - 1][e344.column - 1:].startswith("{if warned}"), e344
    assert "did you mean" in e309.hint
    assert len(found) == 2


def test_explore_reports_unshown_branches_and_randomtest_counts_them(mini: Path) -> None:
    templated(mini)
    story = load_story(str(mini))
    result = explore(story)
    unshown = {(a.scene, a.where, a.tag) for a in result.unshown_arms}
    # `late` is reached only unwarned, with resolve 6; `hall_again` only with resolve 5
    assert unshown == {("late", "text", "{elif resolve > 9}"), ("late", "text", "{if warned}"),
                       ("hall_again", "choice back", "{if resolve > 5}")}
    report = random_play(story, 200, seed=1)
    hits = {(a.scene, a.where, a.tag): k for a, k in report.arm_hits}
    assert hits[("late", "text", "{if warned}")] == 0
    assert hits[("hall", "text", '{if visited("hall_again")}')] > 0
    assert hits[("arrest", "epilogue", "{if resolve >= 6}")] == report.endings["arrest"]
    out = subprocess.run([sys.executable, "-m", "engine", "explore", str(mini), "--json"], capture_output=True,
                         text=True, cwd=ROOT, timeout=60)
    assert len(json.loads(out.stdout)["unshown_text_branches"]) == 3
    text = subprocess.run([sys.executable, "-m", "engine", "randomtest", str(mini), "-n", "50"], capture_output=True,
                          text=True, cwd=ROOT, timeout=60).stdout
    assert "NEVER SHOWN" in text and "late, text: {if warned}" in text



def test_an_outline_labels_a_template_where_no_state_is_at_hand() -> None:
    from engine.expressions.template import outline
    from engine.tools.stats import words

    text = "Go back{if resolve > 5}, resolute,{else} slowly{end} to the {{table}} with {who}"
    assert outline(text) == "Go back, resolute, slowly to the {table} with …"
    assert outline("plain text") == "plain text"
    assert words(text) == 8
