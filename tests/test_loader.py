"""The scenario search path: the shipped scenarios, ./scenarios, then $CHRONICLE_SCENARIOS, adding up;
an id found twice is taken from the nearer folder with a warning naming both; `chronicle list` says
where each scenario comes from."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from engine.base import paths
from engine.build.loader import find_scenario, resolve_scenarios, search
from engine.cli import main
from tests.helpers import FIXTURES, ROOT

SHIPPED = sorted(p.name for p in (ROOT / "scenarios").iterdir() if (p / "scenario.yaml").is_file())


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder (no ./scenarios) and no CHRONICLE_SCENARIOS."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("CHRONICLE_SCENARIOS", raising=False)
    monkeypatch.delenv("CHRONICLE_SHIPPED", raising=False)
    return tmp_path


def test_the_shipped_scenarios_are_found_from_any_folder(elsewhere: Path) -> None:
    found = search()
    assert [f.id for f in found] == SHIPPED
    assert {f.origin for f in found} == {"shipped"}
    assert find_scenario("malachite_hall") == paths.shipped("scenarios") / "malachite_hall"


def test_the_folders_add_up_in_order(elsewhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (elsewhere / "work" / "scenarios").mkdir()
    shutil.copytree(FIXTURES / "mini", elsewhere / "work" / "scenarios" / "mini")
    extra_a, extra_b = elsewhere / "a", elsewhere / "b"
    shutil.copytree(FIXTURES / "play" / "tour", extra_a / "tour")
    extra_b.mkdir()
    monkeypatch.setenv("CHRONICLE_SCENARIOS", os.pathsep.join([str(extra_a), "", str(extra_b / "missing")]))
    by_id = {f.id: f for f in search()}
    assert sorted(by_id) == sorted([*SHIPPED, "mini", "tour"])
    assert by_id["mini"].origin == "./scenarios" and by_id["tour"].origin == "CHRONICLE_SCENARIOS"
    assert by_id["malachite_hall"].origin == "shipped"
    folders, problems = resolve_scenarios([])
    assert problems == [] and sorted(f.name for f in folders) == sorted(by_id)


def test_an_id_found_twice_comes_from_the_nearer_folder_with_a_warning(
        elsewhere: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    mine = elsewhere / "work" / "scenarios" / "malachite_hall"
    shutil.copytree(paths.shipped("scenarios") / "malachite_hall", mine)
    found = {f.id: f for f in search()}["malachite_hall"]
    assert found.folder == Path("scenarios") / "malachite_hall" and found.origin == "./scenarios"
    assert found.hides == (paths.shipped("scenarios") / "malachite_hall",)
    assert find_scenario("malachite_hall") == Path("scenarios") / "malachite_hall"
    err = capsys.readouterr().err
    assert "malachite_hall" in err and str(paths.shipped("scenarios") / "malachite_hall") in err
    assert main(["list"]) == 0
    out = capsys.readouterr()
    assert "warning" in out.err and "scenarios/malachite_hall" in out.err
    line = next(x for x in out.out.splitlines() if x.startswith("malachite_hall"))
    assert "[./scenarios: scenarios/malachite_hall]" in line
    # and the environment variable is nearer still
    theirs = elsewhere / "class"
    shutil.copytree(mine, theirs / "malachite_hall")
    monkeypatch.setenv("CHRONICLE_SCENARIOS", str(theirs))
    found = {f.id: f for f in search()}["malachite_hall"]
    assert found.folder == theirs / "malachite_hall" and len(found.hides) == 2


def test_list_json_says_where_each_scenario_comes_from(elsewhere: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CHRONICLE_SCENARIOS", str(FIXTURES / "play"))
    assert main(["list", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["tour"]["origin"] == "CHRONICLE_SCENARIOS" and rows["malachite_hall"]["origin"] == "shipped"
    assert main(["list", "--ids"]) == 0
    assert capsys.readouterr().out.split() == sorted(rows)


def test_shipped_off_leaves_out_the_shipped_scenarios(elsewhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHRONICLE_SCENARIOS", str(FIXTURES / "play"))
    monkeypatch.setenv("CHRONICLE_SHIPPED", "off")
    assert not {f.id for f in search()} & set(SHIPPED)
    monkeypatch.chdir(ROOT)  # in the checkout, ./scenarios is the shipped folder: left out too
    assert not {f.id for f in search()} & set(SHIPPED)


def test_no_scenarios_anywhere_says_how_to_add_some(elsewhere: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CHRONICLE_SHIPPED", "off")
    assert main(["list"]) == 0
    assert "CHRONICLE_SCENARIOS" in capsys.readouterr().err
