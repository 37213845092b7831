"""The package as a user gets it: build the sdist and the wheel (the wheel from the sdist, as `python -m
build` does), check what they carry, install the wheel into a fresh virtual environment, and use the
installed `chronicle` from an empty folder with the per-user folders in a temporary home: it lists,
checks, plays, authors, lists saves and reports sources, and writes nothing inside the installed package.

Slow (it builds and installs), and run by CI like every other test.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.build.loader import list_scenarios, load_story
from engine.core.machine import is_ending, replay
from engine.tools.plans import load_plan
from tests.helpers import ROOT

SHIPPED = sorted(p.name for p in list_scenarios(ROOT / "scenarios"))
SOURCE_FILES = ("engine", "scenarios", "seeds", "pyproject.toml", "setup.py", "README.md")

pytestmark = pytest.mark.slow


@dataclass
class Installed:
    dist: Path  # the sdist and the wheel
    venv: Path
    package: Path  # site-packages/engine of the fresh environment
    home: Path
    work: Path  # the empty folder the commands run in

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CHRONICLE_", "XDG_", "PYTHON", "VIRTUAL_ENV")) and k not in ("NO_COLOR",)}
        env.update(HOME=str(self.home), XDG_DATA_HOME=str(self.home / "data"),
                   XDG_CACHE_HOME=str(self.home / "cache"), XDG_CONFIG_HOME=str(self.home / "config"),
                   XDG_STATE_HOME=str(self.home / "state"), PYTHONIOENCODING="utf-8", COLUMNS="80",
                   PATH=f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
        return env

    def run(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.venv / "bin" / "chronicle"), *args], input=stdin, capture_output=True,
                              text=True, encoding="utf-8", cwd=self.work, env=self.env(), timeout=300)


def _pip(venv: Path, *args: str) -> None:
    proc = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q", *args],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"  # a copy of the sources: the build never writes into the checkout
    source.mkdir()
    for name in SOURCE_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, source / name)
    dist = base / "dist"
    proc = subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(source)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    wheel = next(dist.glob("*.whl"))
    _pip(venv, "install", str(wheel))
    found = subprocess.run([str(venv / "bin" / "python"), "-c", "import engine, sys; print(engine.__file__)"],
                           capture_output=True, text=True, cwd=base, env={"PATH": os.environ.get("PATH", "")},
                           timeout=60)
    package = Path(found.stdout.strip()).parent
    assert venv in package.parents, f"engine imported from {package}, not the fresh environment"
    home, work = base / "home", base / "work"
    home.mkdir()
    work.mkdir()
    yield Installed(dist, venv, package, home, work)


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a digest of its bytes (bytecode aside: that is Python's own cache)."""
    return {str(p.relative_to(folder)): hashlib.blake2b(p.read_bytes(), digest_size=16).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix != ".pyc"} | \
           {str(p.relative_to(folder)) + "/": "" for p in folder.rglob("*") if p.is_dir() and p.name != "__pycache__"}


def _expected_package_files() -> set[str]:
    files = {str(p.relative_to(ROOT)) for p in (ROOT / "engine").rglob("*")
             if p.is_file() and p.suffix in (".py", ".json") and "__pycache__" not in p.parts}
    for name in ("scenarios", "seeds"):
        files |= {f"engine/_data/{name}/{p.relative_to(ROOT / name)}" for p in (ROOT / name).rglob("*")
                  if p.is_file() and p.suffix in (".yaml", ".json", ".md", ".txt") and "__pycache__" not in p.parts}
    return files


def test_the_wheel_and_the_sdist_carry_every_module_and_every_data_file(installed: Installed) -> None:
    wheel = next(installed.dist.glob("*.whl"))
    assert wheel.name.startswith("chronicle_history-")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        entry_points = next(z.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert _expected_package_files() <= names, sorted(_expected_package_files() - names)
    assert "chronicle = engine.cli:main" in entry_points
    assert not any(n.startswith(("tests/", "scenarios/", "seeds/", "saves/")) for n in names)
    with tarfile.open(next(installed.dist.glob("*.tar.gz"))) as t:
        members = {m.name.split("/", 1)[1] for m in t.getmembers() if "/" in m.name}
    sources = {str(p.relative_to(ROOT)) for name in ("engine", "scenarios", "seeds") for p in (ROOT / name).rglob("*")
               if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    assert sources <= members, sorted(sources - members)
    assert not any(m.startswith("engine/_data") for m in members)  # the repository keeps them once, at the top


SEED = 7  # the game's choice order: `play --seed`, so the numbers a player types are known


def _historical_numbers(name: str) -> list[str]:
    """The historical plan of a shipped scenario as the choice numbers a player types in a game with SEED
    (the open choices, in the order that game shows them: `Session.rows`)."""
    from engine.core.machine import choice_points
    from engine.core.order import arrange

    story = load_story(ROOT / "scenarios" / name)
    plan = load_plan(ROOT / "scenarios" / name / "plans" / "historical.yaml")
    taken: list[str] = []
    numbers = []
    for step in plan.steps:
        state = replay(story, taken)
        points = choice_points(story, state)
        if state.scene not in story.fixed_order:
            points = tuple(arrange(points, SEED, state.scene))
        shown = [c.id for c, is_open in points if is_open]
        numbers.append(str(shown.index(step.choose) + 1))
        taken.append(step.choose)
    assert is_ending(story, replay(story, taken))
    return numbers


def test_the_installed_command_works_from_an_empty_folder(installed: Installed) -> None:
    before = _snapshot(installed.package)
    assert before, "the installed package is empty"

    listed = installed.run("list")
    assert listed.returncode == 0, listed.stderr
    for name in SHIPPED:
        assert any(line.startswith(name) and "[shipped:" in line for line in listed.stdout.splitlines()), listed.stdout
    assert str(installed.package / "_data" / "scenarios") in listed.stdout

    checked = installed.run("check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{len(SHIPPED)} scenario(s) checked: 0 error(s)" in checked.stdout + checked.stderr

    lines = _historical_numbers("malachite_hall")
    played = installed.run("play", "malachite_hall", "--plain", "--seed", str(SEED), stdin="\n".join(lines) + "\n")
    assert played.returncode == 0, played.stderr
    assert "Traceback" not in played.stderr and "Debrief" in played.stdout

    made = installed.run("new", "my_story")
    assert made.returncode == 0, made.stderr
    assert (installed.work / "my_story" / "scenario.yaml").is_file()
    assert installed.run("check", "--strict", "my_story").returncode == 0  # schema lines that point somewhere

    saves = installed.run("saves", "list")
    assert saves.returncode == 0, saves.stderr
    folder = installed.home / "data" / "chronicle" / "saves"
    assert f"in {folder}" in saves.stdout and "malachite_hall" in saves.stdout
    assert any((folder / "transcripts").glob("*.jsonl"))
    assert f"now:{folder};" in "".join(installed.run("play", "--help").stdout.split())  # wrapped anywhere

    sources = installed.run("sources", "--brief")
    assert sources.returncode == 0, sources.stderr
    assert "malachite_hall" in sources.stdout

    assert installed.run("-V").stdout.startswith("chronicle ")
    assert "complete" in installed.run("completion", "bash").stdout
    assert any((installed.home / "cache" / "chronicle").glob("*.story"))  # the compiled cache, per user

    assert _snapshot(installed.package) == before, "something was written inside the installed package"
    assert sorted(p.name for p in installed.work.iterdir()) == ["my_story", "scenario.schema.json"]
