"""The table of built-ins (engine/expressions/builtins.py) drives the parser, the type checker, the
compiler, the player data, the hints, the editor and the guide: a row is all a new built-in needs there."""

from __future__ import annotations

import re

import pytest

from engine.editor.cursor import context
from engine.editor.index import expression_names
from engine.expressions.builtins import BUILTINS, Builtin, Operand
from engine.expressions.language import ExprError, VarSpec, parse_condition, parse_effects, parse_value
from tests.helpers import ROOT

VARS = {"n": VarSpec("n", 0, "int", min=0, max=10), "flag": VarSpec("flag", 1, "bool"),
        "mood": VarSpec("mood", 2, "str")}
SCENES = ["hall", "square"]
VISIT_INDEX = {"hall": 0, "square": 1}
STATE = (3, True, "calm")
VISITS = (2, 0)
ARGUMENT = {"scene": "'hall'", "int": "n", "bool": "flag", "str": "mood"}


def call(row: Builtin) -> str:
    return f"{row.name}({', '.join(ARGUMENT[p] for p in row.params)})"


@pytest.mark.parametrize("row", list(BUILTINS.values()), ids=list(BUILTINS))
def test_every_row_parses_type_checks_and_compiles(row: Builtin) -> None:
    value = parse_value(call(row), VARS, SCENES)
    assert value.type == row.result
    assert value.scenes == ({"hall"} if "scene" in row.params else set())
    result = value.bind(VISIT_INDEX)(STATE, VISITS)
    assert type(result).__name__ == row.result
    assert value.to_json(VISIT_INDEX)[0] == row.json


def test_the_shipped_rows_compute_what_the_guide_says() -> None:
    def value(src: str) -> object:
        return parse_value(src, VARS, SCENES).bind(VISIT_INDEX)(STATE, VISITS)

    assert value("visited('hall')") is True and value("visited('square')") is False
    assert value("visits('hall')") == 2 and value("visits('square')") == 0
    assert value("min(n, 7)") == 3 and value("min(7, n)") == 3 and value("min(n, 1)") == 1
    assert value("max(n, 7)") == 7 and value("max(1, n)") == 3 and value("max(n, n)") == 3
    assert parse_condition("min(2, 5) == 2", VARS, SCENES).constant is True  # folded at load time


def test_a_new_row_is_enough_for_parser_compiler_player_data_hints_and_editor(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def more_than(j: int, a: Operand) -> object:
        f = a.fn
        return lambda v, s: s[j] > f(v, s)

    row = Builtin("seen_more", ("scene", "int"), "bool", more_than, "smore",
                  "true when the scene was visited more than n times", 'seen_more("scene_id", n)')
    monkeypatch.setitem(BUILTINS, row.name, row)
    c = parse_condition("seen_more('hall', n - 1) or flag", VARS, SCENES)
    assert c.scenes == {"hall"} and c.reads == {"n", "flag"}
    fn = c.bind(VISIT_INDEX)
    assert fn((3, False, ""), VISITS) is False and fn((2, False, ""), VISITS) is True and fn((9, True, ""), VISITS)
    assert c.to_json(VISIT_INDEX) == ["or", ["smore", 0, ["sub", ["v", 0], ["c", 1]]], ["v", 1]]
    e = parse_effects("flag = seen_more('square', 0)", VARS, SCENES)
    assert e.bind(VISIT_INDEX)(STATE, (0, 1)) == (3, True, "calm")
    with pytest.raises(ExprError) as wrong_type:
        parse_condition("seen_more('hall', mood)", VARS, SCENES)
    assert wrong_type.value.code == "E318" and "seen_more(" in wrong_type.value.hint
    with pytest.raises(ExprError) as too_few:
        parse_condition("seen_more('hall')", VARS, SCENES)
    assert (too_few.value.code, too_few.value.message) == ("E316", "seen_more() needs a scene id and a number, got one")
    with pytest.raises(ExprError) as no_scene:
        parse_condition("seen_more('hal', 1)", VARS, SCENES)
    assert no_scene.value.code == "E317"
    with pytest.raises(ExprError) as unknown:
        parse_condition("seen_mor('hall', 1)", VARS, SCENES)
    assert "seen_more" in unknown.value.hint
    with pytest.raises(ExprError) as listed:
        parse_condition("whatever(1) > 0", VARS, SCENES)
    assert listed.value.hint.endswith("max and seen_more")
    assert [(k, n) for k, n, _, _ in expression_names("seen_more('hall', n)")] == [("scene", "hall"), ("var", "n")]
    assert context(['    when: seen_more("ha'], 0, 23).in_string == "seen_more"


def test_hints_name_every_built_in() -> None:
    for src in ("whatever(1) > 0", "a.b"):
        with pytest.raises(ExprError) as error:
            parse_condition(src, VARS, SCENES)
        assert all(name in error.value.hint for name in BUILTINS), error.value.hint
    for row in BUILTINS.values():
        with pytest.raises(ExprError) as bare:
            parse_value(row.name, VARS, SCENES)
        assert f"\"{row.name}\" — a built-in" in bare.value.hint


def test_the_html_runtime_evaluates_every_built_in() -> None:
    runtime = (ROOT / "engine" / "classroom" / "assets" / "runtime.js").read_text(encoding="utf-8")
    cases = set(re.findall(r'case "([a-z]+)":', runtime))
    assert {row.json for row in BUILTINS.values()} <= cases


def test_the_authoring_guide_lists_every_built_in() -> None:
    guide = (ROOT / "scenarios" / "README.md").read_text(encoding="utf-8")
    for row in BUILTINS.values():
        assert f"`{row.example}`" in guide, f"scenarios/README.md does not show {row.example}"


def test_rows_are_well_formed() -> None:
    for name, row in BUILTINS.items():
        assert name == row.name and re.fullmatch(r"[a-z][a-z0-9_]*", name)
        assert name not in ("and", "or", "not", "true", "false")
        assert row.example.startswith(f"{name}(") and row.doc and row.line.startswith(row.example)
        assert row.json not in ("c", "v", "not", "neg", "and", "or", "eq", "ne", "lt", "le", "gt", "ge", "add",
                                "sub", "mul", "concat"), f"{name}: its player-data name is an operation's"
