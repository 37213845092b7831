"""`chronicle bench --quick`: runs the real measurements and reports every figure (not timed here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.bench.benchmark import Figure, format_figure
from tests.helpers import ROOT

EXPECTED = [
    "cold load, 100 scenes", "cached load, 100 scenes", "cold load, 1,000 scenes", "cached load, 1,000 scenes",
    "cold load, 10,000 scenes", "read by PyYAML's",
    "cold load / PyYAML read, 10,000 scenes", "cached load, 10,000 scenes",
    "cached load and every scene decoded, 10,000 scenes",
    "peak memory, cold load of 10,000 scenes",
    "random play, 1,000 scenes", "exploration, 1,000 scenes", 'python -c "import yaml"', "plain mode, first scene",
    'python -c "import rich, prompt_toolkit, yaml"', "full UI, first frame", "autosave",
]
FLOORS = {  # the floors; the start-up ones are relative to the baselines measured beside them
    "cold load, 10,000 scenes": 1.5, "cached load, 10,000 scenes": 0.15,
    "peak memory, cold load of 10,000 scenes": 120, "random play, 1,000 scenes": 1_000_000,
    "exploration, 1,000 scenes": 250_000, "autosave": 5.0,
}


def test_quick_bench_reports_every_figure(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "engine", "bench", "--quick", "--json"], capture_output=True,
                         text=True, cwd=tmp_path, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    figures = json.loads(out.stdout)
    names = [f["name"] for f in figures]
    for want in EXPECTED:
        assert any(n.startswith(want) for n in names), (want, names)
    by_name = {f["name"]: f for f in figures}
    for name, floor in FLOORS.items():
        assert by_name[name]["floor"] == floor
    for f in figures:
        assert set(f) >= {"name", "value", "unit", "floor", "passes"}
        assert isinstance(f["value"], (int, float)) and f["value"] > 0, f
        assert f["passes"] is None if f["floor"] is None else isinstance(f["passes"], bool)
    plain = next(f for f in figures if f["name"].startswith("plain mode"))
    # both figures are rounded to 4 decimals, so they agree to within that rounding
    assert plain["floor"] == pytest.approx(2 * by_name['python -c "import yaml"']["value"], abs=2e-4)
    tui = next(f for f in figures if f["name"].startswith("full UI"))
    assert tui["floor"] == pytest.approx(1.2 * by_name['python -c "import rich, prompt_toolkit, yaml"']["value"],
                                         abs=2e-4)
    assert any(n.startswith("explore all of ") for n in names)  # every shipped scenario that checks clean
    from engine.build.workers import can_fork

    if can_fork():  # the numbers behind keeping the forked loading helper
        alone, forked = by_name["cold load 10,000, one process"], by_name["cold load 10,000, forked helper"]
        ratio = by_name["cold load 10,000, one process / forked"]
        assert ratio["floor"] == 1.0 and ratio["value"] == pytest.approx(alone["value"] / forked["value"], rel=0.02)
    base = next(f for name, f in by_name.items() if name.startswith("read by PyYAML's") and "(baseline)" in name)
    against = by_name["cold load / PyYAML read, 10,000 scenes"]
    assert base["floor"] is None and against["unit"] == "x"
    assert against["value"] == pytest.approx(by_name["cold load, 10,000 scenes"]["value"] / base["value"], rel=0.02)
    assert by_name["plain mode / import yaml"]["unit"] == "x"
    # the progress lines went to stderr, one per figure, each with its verdict
    assert sum(1 for line in out.stderr.splitlines() if line[:4] in ("ok  ", "FAIL", "    ")) >= len(figures)
    assert not list(tmp_path.glob("chronicle-bench-*"))  # nothing left behind in the working folder


def test_a_figure_knows_its_floor() -> None:
    assert Figure("x", 2.0, "s", 1.5).passes is False
    assert Figure("x", 1.0, "s", 1.5).passes is True
    assert Figure("x", 2e6, "steps/s", 1e6, higher_is_better=True).passes is True
    assert Figure("x", 1.0, "s").passes is None
    assert format_figure(Figure("y", 0.5, "s", 1.0)).startswith("ok")
    assert format_figure(Figure("y", 1_200_000, "steps/s", 1e6, True)).split()[0] == "ok"


def test_only_runs_the_measurements_named(tmp_path: Path) -> None:
    from engine.bench.benchmark import STEPS
    from engine.commands import bench

    assert bench.STEPS == STEPS  # the command lists them without importing the benchmark
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "engine", "bench", "--quick", "--json", "--only", "saving"],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    names = [f["name"] for f in json.loads(out.stdout)]
    assert names == ["generate 1,000 scenes", "autosave"]  # the scenario it needs is written when first needed
    wrong = subprocess.run([sys.executable, "-m", "engine", "bench", "--only", "speed"], capture_output=True,
                           text=True, cwd=tmp_path, env=env, timeout=60)
    assert wrong.returncode == 2 and "generate, loads, fork" in wrong.stderr


def test_peak_memory_is_the_loading_process_own_peak() -> None:
    """The memory figure is the loading process's own peak: on Linux a started process's
    `ru_maxrss` also counts what the process that started it held, so a bench process holding
    300 MB must not show up in it."""
    from engine.bench.benchmark import Bench

    ballast = bytearray(300 << 20)
    ballast[::4096] = b"x" * len(ballast[::4096])  # touched: resident
    bench = Bench(quick=True)
    try:
        bench.memory()
    finally:
        bench.close()
    del ballast
    peak = next(f for f in bench.figures if f.name.startswith("peak memory"))
    assert 20 < peak.value < 250, peak
