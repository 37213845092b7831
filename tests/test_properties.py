"""Property tests (hypothesis): the engine fails only in its own words, and games stay valid.

A few hundred examples per property in the normal suite; `pytest --hypothesis-profile=long`
(registered in tests/conftest.py) runs tens of thousands.

* arbitrary text or bytes given to the safe YAML reader raise only ChronicleError, with a location;
* arbitrary expressions raise only ExprError, with an offset inside the text;
* save -> load gives back exactly the state saved;
* random walks on every shipped scenario and fixture stay valid (bounds, types, scene, replay);
* mutated copies of the shipped scenarios give diagnostics, never exceptions.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine.base.diagnostics import ChronicleError
from engine.build.compiler import analyze
from engine.build.loader import load_story
from engine.core import machine
from engine.core.model import State, Story
from engine.expressions.language import ExprError, VarSpec, parse_condition, parse_effects
from engine.format import safeyaml
from engine.saves.store import SaveStore
from tests.helpers import FIXTURES, ROOT


def examples(normal: int) -> int:
    """`normal` in the everyday suite; the profile's number under --hypothesis-profile=long."""
    current = settings.default
    configured = current.max_examples if current is not None else normal
    return configured if configured >= 1000 else normal


def quick(normal: int) -> settings:
    return settings(max_examples=examples(normal), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.function_scoped_fixture])


def _loadable(folders: list[Path]) -> list[Path]:
    good = []
    for f in folders:
        try:
            load_story(f)
        except ChronicleError:
            continue  # a shipped scenario being written may not check clean yet
        good.append(f)
    return good


SHIPPED = sorted(p for p in (ROOT / "scenarios").iterdir() if (p / "scenario.yaml").is_file())
STORIES = _loadable(SHIPPED + [FIXTURES / "mini", FIXTURES / "play" / "tour", FIXTURES / "saves" / "vigil"])

# --- the safe YAML reader ------------------------------------------------------------------------

YAMLISH = st.lists(st.sampled_from(list("ab:-[]{},&*!|>'\"#%@`?~ \n\t\r\x00\x1b\ufeff\u0085é1") +
                                   ["!!python/object", "&a ", "*a", "---", "...", "<<: ", "\n  ", "\n- "]),
                   max_size=120).map("".join)


def _located(exc: ChronicleError) -> None:
    assert exc.diagnostics
    for d in exc.diagnostics:
        assert d.line >= 1 and d.column >= 1 and d.code.startswith("E"), d


@quick(400)
@given(st.one_of(YAMLISH, st.binary(max_size=300), st.text(max_size=200)))
def test_the_yaml_reader_fails_only_with_located_diagnostics(data: str | bytes) -> None:
    try:
        safeyaml.load(data, "x.yaml")
    except ChronicleError as exc:
        _located(exc)


@quick(200)
@given(st.integers(1, 200), st.sampled_from(["[", "{a: ", "- ", "&x [", "? "]))
def test_nesting_of_any_depth_is_refused_or_read(depth: int, opener: str) -> None:
    text = "k: " + opener * depth + "1"
    try:
        safeyaml.load(text, "x.yaml")
    except ChronicleError as exc:
        _located(exc)
        if depth + 1 > safeyaml.MAX_DEPTH and opener in ("[", "{a: "):
            assert exc.diagnostics[0].code in ("E004", "E005")


# --- expressions ---------------------------------------------------------------------------------

VARS = {"resolve": VarSpec("resolve", 0, "int", 0, 10), "warned": VarSpec("warned", 1, "bool"),
        "mood": VarSpec("mood", 2, "str", values=("calm", "anxious"))}
SCENES = ("hall", "late")
TOKENS = ["resolve", "warned", "mood", "1", "0", "1000000000", "true", "false", "'calm'", '"x"', "(", ")", "+", "-",
          "*", "==", "!=", "<", "<=", ">", ">=", "and", "or", "not", "visited('hall')", "visits(\"late\")", "min(",
          "max(", ",", ";", "=", "+=", "-=", "**", ".", "[", "]", "__class__", "lambda", "if", "import", "f'", "\\",
          "\x00", "é", "#", " "]


@quick(500)
@given(st.one_of(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join), st.text(max_size=120)),
       st.booleans())
def test_expressions_fail_only_with_expr_errors(text: str, as_effect: bool) -> None:
    try:
        if as_effect:
            parse_effects(text, VARS, SCENES)
        else:
            parse_condition(text, VARS, SCENES)
    except ExprError as exc:
        assert exc.code.startswith("E3") and 0 <= exc.offset <= max(len(text), 500), exc


@quick(300)
@given(st.lists(st.sampled_from(["resolve += 7", "resolve -= 1000000000", "resolve = resolve * resolve * resolve",
                                 "warned = not warned", "mood = 'anxious'", "mood += 'x'", "resolve = -resolve"]),
                min_size=1, max_size=30), st.integers(-10**15, 10**15))
def test_effects_keep_every_variable_in_bounds_and_type(effects: list[str], start: int) -> None:
    from engine.expressions.language import evaluate

    out = evaluate(parse_effects(effects, VARS, SCENES), (max(0, min(10, start)), False, "calm"))
    assert isinstance(out, tuple)
    resolve, warned, mood = out
    assert type(resolve) is int and 0 <= resolve <= 10
    assert type(warned) is bool
    assert isinstance(mood, str) and len(mood) <= 1000


# --- games: random walks and saves ---------------------------------------------------------------

_cache: dict[Path, Story] = {}


def story_of(folder: Path) -> Story:
    if folder not in _cache:
        _cache[folder] = load_story(folder)
    return _cache[folder]


def walk(story: Story, picks: list[int]) -> State:
    state = machine.start(story)
    for pick in picks:
        if machine.is_ending(story, state):
            break
        open_ = machine.choices(story, state)
        if not open_:
            break
        state = machine.choose(story, state, open_[pick % len(open_)])
    return state


def assert_valid(story: Story, state: State) -> None:
    assert state.scene in story.scenes
    assert len(state.vars) == len(story.variables)
    for var in story.variables:
        value = state.vars[var.index]
        kind = {"int": int, "bool": bool, "str": str}[var.type]
        assert type(value) is kind, (var.name, value)
        if var.type == "int":
            assert isinstance(value, int)
            assert (var.min is None or value >= var.min) and (var.max is None or value <= var.max), (var.name, value)
        if var.type == "str" and var.values is not None:
            assert value in var.values, (var.name, value)
    assert all(0 <= v for v in state.visits)
    assert machine.replay(story, state.path) == state
    if not machine.is_ending(story, state):
        assert machine.choice_points(story, state)


@pytest.mark.skipif(not STORIES, reason="no scenario loads")
@quick(300)
@given(st.sampled_from(STORIES), st.lists(st.integers(0, 50), max_size=200))
def test_random_walks_stay_valid(folder: Path, picks: list[int]) -> None:
    story = story_of(folder)
    state = walk(story, picks)
    assert_valid(story, state)
    if state.path:
        back = machine.undo(story, state)
        assert back.path == state.path[:-1]
        assert_valid(story, back)


@pytest.mark.skipif(not STORIES, reason="no scenario loads")
@quick(150)
@given(st.sampled_from(STORIES), st.lists(st.integers(0, 50), max_size=60),
       st.sampled_from(["slot", "a-b_c", "x" * 64, "autosave-x"]))
def test_save_then_load_gives_the_same_state(folder: Path, picks: list[int], slot: str) -> None:
    story = story_of(folder)
    state = walk(story, picks)
    with tempfile.TemporaryDirectory() as tmp:
        store = SaveStore(tmp)
        store.save(slot, story, state)
        store.save(slot, story, state)  # over itself: the previous version becomes the backup
        assert store.load(slot, story).state == state
        assert store.load(slot, story, use_backup=True).state == state
        assert SaveStore(tmp).load(slot, story).notice is None


# --- mutations of the shipped scenarios ----------------------------------------------------------

SOURCES = [f for f in _loadable(SHIPPED) or [FIXTURES / "mini"]]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


def _mutate(doc: Any, path: tuple[Any, ...], how: str, value: Any) -> Any:
    if not path:
        return value if how == "retype" else doc
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    key = path[-1]
    if how == "delete":
        del parent[key]
    elif how == "retype":
        parent[key] = value
    elif how == "duplicate" and isinstance(parent[key], list):
        parent[key] = parent[key] + parent[key]
    elif how == "duplicate":
        parent[key] = [parent[key], parent[key]]
    elif how == "rename" and isinstance(parent, dict):
        parent[f"{key}_x" if isinstance(key, str) else "x"] = parent.pop(key)
    return doc


@quick(60)
@given(st.sampled_from(SOURCES), st.data(),
       st.sampled_from(["delete", "retype", "duplicate", "rename"]),
       st.sampled_from([None, 0, -1, 10**20, True, "", "x" * 300, [], {}, ["a"], {"a": 1}, "no", "19:00", "é\u202e"]))
def test_mutated_scenarios_give_diagnostics_never_exceptions(tmp_path_factory: pytest.TempPathFactory,
                                                             folder: Path, data: st.DataObject, how: str,
                                                             value: Any) -> None:
    files = sorted(p for p in folder.rglob("*.yaml") if "plans" not in p.relative_to(folder).parts)
    target = data.draw(st.sampled_from(files))
    doc = safeyaml.load(target.read_bytes(), str(target)).value  # as the engine reads it: dates stay text
    paths = _paths(doc)
    path = data.draw(st.sampled_from(paths))
    assume(how != "delete" or path)
    mutated = _mutate(copy.deepcopy(doc), path, how, copy.deepcopy(value))
    mutant = tmp_path_factory.mktemp("mutant") / folder.name
    shutil.copytree(folder, mutant, ignore=shutil.ignore_patterns("plans"))
    (mutant / target.relative_to(folder)).write_text(yaml.safe_dump(mutated, allow_unicode=True, sort_keys=False),
                                                   "utf-8")
    analysis = analyze(mutant)  # must not raise
    for d in analysis.diagnostics:
        assert d.code[:1] in ("E", "W", "N") and d.line >= 0 and d.message
    if analysis.ir is not None:
        story = load_story(mutant)
        assert_valid(story, walk(story, data.draw(st.lists(st.integers(0, 9), max_size=40))))
