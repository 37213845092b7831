"""The scenario index (engine/editor/index.py): where scenes, gotos, variables, template tags and quotes stand."""

from __future__ import annotations

from pathlib import Path

from engine.base.paths import scenario_files
from engine.editor.index import ScenarioIndex, expression_names, index_file, template_names
from tests.helpers import SCENARIOS

P = Path("scenes/x.yaml")


def text_at(text: str, line: int, start: int, end: int) -> str:
    return text.split("\n")[line][start:end]


def test_expression_names_find_variables_and_the_scenes_of_visited() -> None:
    got = list(expression_names('resolve >= 3 and not visited("supper") or visits(\'hall\') == min(a, 2)'))
    assert [(k, n) for k, n, _, _ in got] == [("var", "resolve"), ("scene", "supper"), ("scene", "hall"),
                                                ("var", "a")]
    raw = 'x = "visited" and y'
    assert [n for _, n, _, _ in expression_names(raw)] == ["x", "y"]  # a string is not a name


def test_template_names_only_inside_tags() -> None:
    raw = "You have {garrison} men. {if visited(\"hall\")}Again.{else}{{not a tag}}{end} resolve"
    got = [(k, n, raw[s:e]) for k, n, s, e in template_names(raw)]
    assert got == [("var", "garrison", "garrison"), ("scene", "hall", "hall")]


def test_index_of_a_scene_file_with_block_scalars_flow_lists_and_quotes() -> None:
    text = """format: 1
scenes:
  hall:
    title: The hall
    text: >
      You count {garrison} men.
      {if visited("late")}Again.{end}
    record:
      - source: rabinowitch
        quote: "This ultimatum expires at 7:10"
    choices:
      - text: Wait
        goto: late
        when: resolve > 2 and garrison != 'none'
        do: [resolve -= 1, warned = true]
      - text: 'Go'
        goto: "hall"
  late:
    title: Late
    text: x
    events: [aurora_shot]
    ending: {kind: historical, epilogue: "It ends with {resolve}."}
"""
    f = index_file(P, text)
    assert f is not None
    assert [s.id for s in f.scenes] == ["hall", "late"]
    assert all(text_at(text, s.span.line, s.span.start, s.span.end) == s.id for s in f.scenes)
    assert [(g, text_at(text, s.line, s.start, s.end)) for g, s in f.gotos] == [("late", "late"), ("hall", "hall")]
    uses = [(n, text_at(text, s.line, s.start, s.end)) for n, s in f.var_uses]
    assert uses.count(("resolve", "resolve")) == 3 and ("garrison", "garrison") in uses and \
        ("warned", "warned") in uses
    assert all(n == t for n, t in uses)
    assert [(n, text_at(text, s.line, s.start, s.end)) for n, s in f.scene_refs] == [("late", "late")]
    [(source, quote, span)] = f.quotes
    assert source == "rabinowitch" and text_at(text, span.line, span.start, span.end) == quote
    assert [e for e, _ in f.events] == ["aurora_shot"]
    assert f.scenes[1].ending == "historical"


def test_a_file_that_does_not_parse_keeps_its_last_good_index() -> None:
    ix = ScenarioIndex(Path("."))
    assert ix.update(P, "format: 1\nscenes:\n  a:\n    title: A\n")
    assert not ix.update(P, "format: 1\nscenes:\n  a:\n    title: A: b\n")
    assert list(ix.scenes()) == ["a"]


def test_every_shipped_scenario_indexes_every_scene_and_goto_exactly() -> None:
    for folder in sorted(p for p in SCENARIOS.iterdir() if (p / "scenario.yaml").is_file()):
        ix = ScenarioIndex(folder)
        for f in scenario_files(folder):
            assert ix.update(f, f.read_text(encoding="utf-8")), f
        for f in ix.files.values():
            lines = f.path.read_text(encoding="utf-8").split("\n")
            for name, span in (*f.gotos, *f.scene_refs, *f.var_uses):
                assert lines[span.line][span.start:span.end] == name, (f.path, span)
        scenes = ix.scenes()
        assert all(g in scenes for f in ix.files.values() for g, _ in f.gotos)
        declared = ix.variables()
        assert all(v in declared for f in ix.files.values() for v, _ in f.var_uses), folder.name
