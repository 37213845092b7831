"""The synthetic scenarios: deterministic, in the real format, and clean under `chronicle check`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from engine.bench.synthetic import VARIABLES, quote_pool, write_scenario
from engine.build.compiler import analyze
from engine.build.loader import load_story
from engine.format import safeyaml
from engine.record.sources import load_record
from tests.helpers import ROOT


def test_generated_scenarios_pass_chronicle_check(tmp_path: Path) -> None:
    folders = [write_scenario(tmp_path, n) for n in (100, 1000)]
    out = subprocess.run([sys.executable, "-m", "engine", "check", *map(str, folders)], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 scenario(s) checked: 0 error(s), 0 warning(s)" in out.stdout + out.stderr


def test_the_big_one_checks_clean_and_stays_under_the_file_limit(tmp_path: Path) -> None:
    folder = write_scenario(tmp_path, 10_000)
    files = sorted((folder / "scenes").glob("*.yaml"))
    assert len(files) >= 10 and all(f.stat().st_size < safeyaml.MAX_BYTES for f in files)
    analysis = analyze(folder)
    assert analysis.diagnostics == [] and analysis.ir is not None
    assert len(analysis.ir["scenes"]) == 10_000


def test_same_arguments_same_bytes(tmp_path: Path) -> None:
    a = write_scenario(tmp_path / "a", 300)
    b = write_scenario(tmp_path / "b", 300)
    names = sorted(p.relative_to(a) for p in a.rglob("*.yaml"))
    assert names == sorted(p.relative_to(b) for p in b.rglob("*.yaml"))
    assert all((a / n).read_bytes() == (b / n).read_bytes() for n in names)
    c = write_scenario(tmp_path / "c", 300, seed=7)
    assert any((a / n).read_bytes() != (c / n).read_bytes() for n in names)


def test_the_shape_the_benchmark_promises(tmp_path: Path) -> None:
    story = load_story(write_scenario(tmp_path, 1000))
    scenes = list(story.scenes.values())
    endings = [s for s in scenes if s.ending is not None]
    assert 0.03 <= len(endings) / len(scenes) <= 0.07  # about 5% endings
    assert all(2 <= len(s.choices) <= 4 for s in scenes if s.ending is None)
    words = [len(s.text.split()) for s in scenes]
    assert 50 <= sum(words) / len(words) <= 70  # about 60 words
    assert [v.name for v in story.variables] == list(VARIABLES)
    assert all(v.type == "int" and v.min == 0 and v.max is not None for v in story.variables)
    whens = " ".join(c.when or "" for s in scenes for c in s.choices)
    dos = " ".join(" ".join(c.do) for s in scenes for c in s.choices)
    assert all(re.search(rf"\b{v}\b", whens) and re.search(rf"\b{v}\b", dos) for v in VARIABLES)
    index = {sid: i for i, sid in enumerate(story.scenes)}
    loops = [c for s in scenes for c in s.choices if index[c.target] < index[c.scene]]
    assert len(loops) > 100  # choices that go back
    assert all(s.record and s.record[0].found is not None for s in scenes)  # every scene cites, verified
    assert sum(1 for s in scenes for c in s.choices if c.mark == "historical") > 100


def test_every_quote_in_the_pool_is_in_its_source() -> None:
    record = load_record()
    pool = quote_pool()
    assert len(pool) > 200
    assert len({s for s, _ in pool}) >= 3  # drawn from several sources
    for source, quote in pool[::37]:
        assert record.find(source, quote) is not None
