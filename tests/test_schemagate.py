"""The schema gate agrees with jsonschema on real files and on thousands of mutations of them."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from engine.bench.synthetic import write_scenario
from engine.format import safeyaml
from engine.format.schema import part_schema
from engine.format.schemagate import gate
from tests.helpers import ROOT

ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 7, 1 << 40, "", "x", "Bad Id", "ok_id", "19:00", "25:00", "19:00\n",
    "1917-10-25", "historical", "julian", "int", "x" * 501, "x" * 601, "x" * 20001, [], ["a"], ["a"] * 60,
    {}, {"source": "rabinowitch", "quote": "abc"}, {"kind": "historical"}, {"text": "t", "goto": "g"},
]


def _files(tmp: Path) -> list[tuple[str, Any]]:
    synth = write_scenario(tmp, 40)
    paths = [*sorted(ROOT.glob("tests/fixtures/*/*/scenario.yaml")),
             *sorted(ROOT.glob("tests/fixtures/*/scenario.yaml")),
             *sorted(ROOT.glob("tests/fixtures/**/scenes/*.yaml")), *sorted(synth.rglob("*.yaml"))]
    out = []
    for p in paths:
        try:
            doc = safeyaml.load(p.read_bytes(), str(p))
        except Exception:  # noqa: BLE001 - fixtures of broken files are not this test's business
            continue
        out.append(("scenarioFile" if p.name == "scenario.yaml" else "sceneFile", doc.value))
    return out


def _spots(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _spots(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _spots(v, path + (i,))
    return found


def _mutate(value: Any, rng: random.Random) -> Any:
    value = copy.deepcopy(value)
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(_spots(value))
        if not path:
            continue
        parent = value
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        action = rng.randrange(4)
        if action == 0 and isinstance(parent, dict):
            del parent[last]
        elif action == 1 and isinstance(parent, dict):
            name = rng.choice(["extra", "Bad Key", "goto", "text", "when", "ending", "choices"])
            parent[name] = rng.choice(ODD_VALUES)
        elif action == 2 and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
        else:
            parent[last] = copy.deepcopy(rng.choice(ODD_VALUES))
    return value


def test_valid_files_pass_the_gate(tmp_path: Path) -> None:
    files = _files(tmp_path)
    assert files
    for kind, value in files:
        errors = list(Draft202012Validator(part_schema(kind)).iter_errors(value))
        assert gate(kind)(value) == (not errors)


@pytest.mark.parametrize("seed", range(4))
def test_gate_agrees_with_jsonschema_on_mutations(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    files = _files(tmp_path)
    validators = {k: Draft202012Validator(part_schema(k)) for k in ("scenarioFile", "sceneFile")}
    rejected = 0
    for _ in range(600):
        kind, value = rng.choice(files)
        bad = _mutate(value, rng)
        valid = not any(True for _ in validators[kind].iter_errors(bad))
        assert gate(kind)(bad) == valid, bad
        rejected += not valid
    assert rejected > 100  # the mutations do reach the schema's limits
