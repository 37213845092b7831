"""Where things are: the shipped data from a checkout, from an installed package and from a zip; the
per-user folders of an installed Chronicle; nothing written inside the package."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from engine.base import paths
from engine.build import cache
from engine.saves.store import saves_dir, saves_folder
from tests.helpers import ROOT


def test_from_the_checkout_the_checkouts_folders_are_used() -> None:
    assert paths.is_checkout()
    assert paths.shipped("scenarios") == ROOT / "scenarios"
    assert paths.SEEDS_DIR == paths.shipped("seeds") == ROOT / "seeds"
    assert paths.default_saves_dir() == ROOT / "saves"


def test_installed_saves_and_cache_go_to_the_per_user_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "is_checkout", lambda: False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CHRONICLE_SAVES", raising=False)
    monkeypatch.delenv("CHRONICLE_CACHE", raising=False)
    assert saves_folder() == tmp_path / "data" / "chronicle" / "saves"
    assert saves_dir() == tmp_path / "data" / "chronicle" / "saves" and saves_folder().is_dir()
    assert cache.cache_dir() == tmp_path / "cache" / "chronicle"
    monkeypatch.setenv("CHRONICLE_SAVES", str(tmp_path / "class"))  # the variable and --saves still win
    assert saves_dir() == tmp_path / "class"
    assert saves_dir(tmp_path / "mine") == tmp_path / "mine"


def test_a_zipped_package_reads_its_data_from_a_copy_in_the_user_cache(tmp_path: Path) -> None:
    archive = tmp_path / "chronicle.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in sorted((ROOT / "engine").rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                z.write(p, p.relative_to(ROOT).as_posix())
        for name in ("scenarios", "seeds"):
            for p in sorted((ROOT / name).rglob("*")):
                if p.is_file():
                    z.write(p, f"engine/_data/{name}/{p.relative_to(ROOT / name).as_posix()}")
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHRONICLE_", "XDG_"))}
    env.update(PYTHONPATH=str(archive), XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_DATA_HOME=str(tmp_path / "data"),
               PYTHONDONTWRITEBYTECODE="1")
    probe = subprocess.run([sys.executable, "-c", "import engine; from engine.base import paths; "
                            "print(engine.__file__); print(paths.SEEDS_DIR); print(paths.shipped('scenarios'))"],
                           cwd=work, env=env, capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0, probe.stderr
    module, seeds, scenarios = probe.stdout.splitlines()
    assert module.startswith(str(archive))
    copies = tmp_path / "cache" / "chronicle" / "data"
    assert Path(seeds).parent.parent == Path(scenarios).parent.parent == copies
    assert sorted(p.name for p in Path(seeds).iterdir()) == sorted(p.name for p in (ROOT / "seeds").iterdir())
    checked = subprocess.run([sys.executable, "-m", "engine", "check"], cwd=work, env=env, capture_output=True,
                             text=True, timeout=300)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "0 error(s)" in checked.stdout
