"""Start-up imports only what the first scene needs (issue 16). `chronicle bench` measures the time
beside its baselines; this checks, without a clock, which modules a start from the compiled cache
loads, so that a module that creeps onto the path to the first scene fails here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

# run the real command in a fresh interpreter, then list every module it loaded
PROBE = """
import json, os, sys
sys.argv = ["chronicle", *sys.argv[2:]]
from engine.cli import main
try:
    main()
finally:
    with open(os.environ["PROBE_OUT"], "w") as f:
        json.dump(sorted(sys.modules), f)
"""

# never needed to show a scenario's first scene from the compiled cache, in plain mode
NOT_FOR_THE_FIRST_SCENE = [
    "yaml", "_yaml", "jsonschema", "rich", "prompt_toolkit", "pygls", "lsprotocol", "argcomplete",
    "engine.build.compiler", "engine.build.workers", "engine.format", "engine.record",  # a cache hit compiles nothing
    "engine.tools", "engine.classroom", "engine.editor", "engine.bench", "engine.play.tui", "engine.play.picker",
    "engine.play.watch", "engine.core.debrief",
    "difflib",  # only for "did you mean"
    "random", "secrets", "tempfile",  # os.urandom is enough; a temporary file only when a cache entry is written
    "subprocess", "threading", "multiprocessing", "concurrent", "asyncio", "socket", "selectors", "signal",
    "pickle", "zipfile", "tarfile", "email", "http", "urllib.request", "xml", "sqlite3", "unittest", "logging",
    "importlib.resources", "importlib.metadata", "platform",
]


def loaded(tmp_path: Path, *args: str, runs: int = 2) -> tuple[list[str], str]:
    """The modules a `chronicle ARGS` process loaded (its last of `runs` starts: the cache warmed by the
    first), and what it printed."""
    env = {**os.environ, "CHRONICLE_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT),
           "PROBE_OUT": str(tmp_path / "modules.json")}
    for key in ("NO_COLOR", "FORCE_COLOR", "CHRONICLE_JOBS", "CHRONICLE_SCENARIOS"):
        env.pop(key, None)
    out = None
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", PROBE, "-", *args], env=env, cwd=tmp_path,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr[-2000:]
    assert out is not None
    return json.loads((tmp_path / "modules.json").read_text()), out.stdout


def offending(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == bad or m.startswith(bad + ".") for bad in NOT_FOR_THE_FIRST_SCENE)]


@pytest.mark.parametrize("scenario", ["malachite_hall", "duma_march"])
def test_plain_mode_first_scene_imports_only_what_it_needs(tmp_path: Path, scenario: str) -> None:
    modules, shown = loaded(tmp_path, "play", scenario, "--plain", "--saves", str(tmp_path / "saves"))
    assert "Type a number to choose" in shown  # the first scene was on screen
    assert offending(modules) == []
    # the commands package holds only the command that runs
    assert [m for m in modules if m.startswith("engine.commands.")] == ["engine.commands.play"]


def test_the_probe_sees_a_cold_start_import_the_compiler(tmp_path: Path) -> None:
    """The check above can fail: the first start (an empty cache) compiles, and the probe sees it."""
    modules, _ = loaded(tmp_path, "play", "malachite_hall", "--plain", "--saves", str(tmp_path / "saves"), runs=1)
    assert {"yaml", "engine.build.compiler"} <= set(offending(modules))
