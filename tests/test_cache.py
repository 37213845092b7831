"""The compiled cache: used when nothing changed, never trusted when anything did."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from engine.base import paths
from engine.build import cache, compiled, compiler, loader
from engine.core import machine
from engine.core.model import Story
from engine.record import sources
from tests.helpers import ROOT


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("CHRONICLE_CACHE", str(d))
    return d


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every real compilation (cache miss) that load_story makes, in order."""
    seen: list[Path] = []
    real = compiler.analyze

    def spy(folder: Any, rec: Any = None, sources: Any = None, lean: bool = False) -> compiler.Analysis:
        seen.append(Path(folder))
        return real(folder, rec, sources, lean)

    monkeypatch.setattr(compiler, "analyze", spy)  # load_story imports it on a cache miss
    return seen


def _play(story: Story) -> list[tuple[str, object]]:
    """A deterministic walk that exercises conditions and effects: (scene, vars) at each step."""
    state = machine.start(story)
    out: list[tuple[str, object]] = []
    for step in range(40):
        if machine.is_ending(story, state):
            break
        open_ = machine.choices(story, state)
        state = machine.choose(story, state, open_[step % len(open_)])
        out.append((state.scene, state.vars))
    return out


def test_unchanged_scenario_comes_from_the_cache(cache_dir: Path, compiles: list[Path], mini: Path) -> None:
    first = loader.load_story(mini)
    assert len(compiles) == 1 and list(cache_dir.glob("*.story"))
    second = loader.load_story(mini)
    assert len(compiles) == 1  # no compilation the second time
    assert second == first and second is not first
    assert second.content_hash == first.content_hash and second.tracked == first.tracked
    assert _play(second) == _play(first)
    for sid, scene in first.scenes.items():
        for a, b in zip(scene.choices, second.scenes[sid].choices, strict=True):
            assert (a.to_time, a.to_day, a.to_visit) == (b.to_time, b.to_day, b.to_visit)
            assert a.to_visit_cap == b.to_visit_cap
            assert (a.test is None) == (b.test is None) and (a.apply is None) == (b.apply is None)


def test_a_synthetic_story_round_trips(cache_dir: Path, compiles: list[Path], tmp_path: Path) -> None:
    from engine.bench.synthetic import write_scenario

    folder = write_scenario(tmp_path / "s", 120)
    first = loader.load_story(folder)
    second = loader.load_story(folder)
    assert len(compiles) == 1
    assert second == first and repr(second) == repr(first) and _play(second) == _play(first)
    assert second.choices_by_id == first.choices_by_id


def test_any_change_to_a_scenario_file_is_a_new_compile(cache_dir: Path, compiles: list[Path], mini: Path) -> None:
    loader.load_story(mini)
    night = mini / "scenes" / "night.yaml"
    night.write_text(night.read_text(encoding="utf-8").replace("Nothing changes.", "Nothing changes yet."),
                     encoding="utf-8")
    story = loader.load_story(mini)
    assert len(compiles) == 2 and story.scenes["hall_again"].text == "Nothing changes yet."
    (mini / "scenes" / "extra.yaml").write_text("format: 1\nscenes: {}\n", encoding="utf-8")  # a new file
    with pytest.raises(Exception):  # noqa: B017 - the new file is invalid: no stale story is served
        loader.load_story(mini)
    assert len(compiles) == 3
    (mini / "scenes" / "extra.yaml").unlink()
    assert loader.load_story(mini) == story and len(compiles) == 3  # back as it was: cached again


def test_a_change_to_a_seed_text_is_a_new_compile(cache_dir: Path, compiles: list[Path], mini: Path,
                                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    monkeypatch.setattr(paths, "SEEDS_DIR", seeds)
    sources.load_record.cache_clear()  # type: ignore[attr-defined]
    try:
        first = loader.load_story(mini)
        loader.load_story(mini)
        assert len(compiles) == 1
        text = sorted(seeds.glob("*.txt"))[-1]
        text.write_bytes(text.read_bytes() + b"\n")
        sources.load_record.cache_clear()  # type: ignore[attr-defined]
        second = loader.load_story(mini)
        assert len(compiles) == 2 and second.content_hash != first.content_hash
    finally:
        sources.load_record.cache_clear()  # type: ignore[attr-defined]


def test_a_new_engine_version_is_a_new_compile(cache_dir: Path, compiles: list[Path], mini: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    loader.load_story(mini)
    monkeypatch.setattr(cache, "ENGINE_VERSION", "99.0.0")
    cache.engine_fingerprint.cache_clear()
    try:
        loader.load_story(mini)
        assert len(compiles) == 2
        loader.load_story(mini)
        assert len(compiles) == 2
    finally:
        cache.engine_fingerprint.cache_clear()


def _entry(cache_dir: Path) -> Path:
    (entry,) = cache_dir.glob("*.story")
    return entry


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "garbage", "header", "huge_header"])
def test_a_damaged_entry_is_ignored_and_rebuilt(cache_dir: Path, compiles: list[Path], mini: Path,
                                                damage: str) -> None:
    good = loader.load_story(mini)
    entry = _entry(cache_dir)
    data = entry.read_bytes()
    head, _, payload = data.partition(b"\n")
    damaged = {
        "flip": head + b"\n" + payload[:50] + bytes([payload[50] ^ 0x01]) + payload[51:],
        "truncate": data[: len(data) // 2],
        "empty": b"",
        "garbage": b"\x00\xff" * 500,
        "header": head.replace(b"chronicle-cache", b"chronicle-cachX") + b"\n" + payload,
        "huge_header": b"x" * 100_000,
    }[damage]
    entry.write_bytes(damaged)
    again = loader.load_story(mini)
    assert again == good and len(compiles) == 2  # rebuilt from the files
    assert _entry(cache_dir).read_bytes() != damaged  # and the entry written afresh
    loader.load_story(mini)
    assert len(compiles) == 2  # which is used next time


def test_an_entry_signed_with_another_secret_is_not_trusted(cache_dir: Path, compiles: list[Path],
                                                            mini: Path, tmp_path: Path) -> None:
    story = loader.load_story(mini)
    # a planted entry: well formed, right key, but made with a secret this user never had
    other = tmp_path / "other"
    key = cache.cache_key(mini)
    ir = compiler.analyze(mini).ir
    assert ir is not None and key is not None
    forged = compiled.pack({**ir, "title": "Forged"})
    assert cache.store(mini, key, forged, other)
    assert compiled.unpack(forged).title == "Forged"  # a good entry, but not signed by this user
    shutil.copy(_entry(other), _entry(cache_dir))
    before = len(compiles)
    assert loader.load_story(mini).title == story.title
    assert len(compiles) == before + 1  # compiled again: the planted entry was not used


def test_the_cache_can_be_turned_off(tmp_path: Path, compiles: list[Path], mini: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHRONICLE_CACHE", "off")
    assert cache.cache_dir() is None
    loader.load_story(mini)
    loader.load_story(mini)
    assert len(compiles) == 2


def test_an_unwritable_cache_never_stops_a_load(tmp_path: Path, compiles: list[Path], mini: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CHRONICLE_CACHE", str(blocker / "cache"))
    assert loader.load_story(mini).id == "mini"
    assert loader.load_story(mini).id == "mini"
    assert len(compiles) == 2


def test_entries_are_bounded(cache_dir: Path, tmp_path: Path, mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    ir = compiler.analyze(mini).ir
    assert ir is not None
    for i in range(6):
        assert cache.store(tmp_path / f"elsewhere{i}", "k" * 64, compiled.pack(ir), cache_dir)
    assert len(list(cache_dir.glob("*.story"))) == 3
    assert not list(cache_dir.glob(".tmp-*"))


def test_the_key_is_cheap_and_stable(mini: Path) -> None:
    assert cache.cache_key(mini) == cache.cache_key(mini)
    assert len(cache.cache_key(mini)) == 64


def test_the_bytes_compiled_are_the_bytes_the_key_was_made_from(cache_dir: Path, compiles: list[Path], mini: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A file edited between making the key and compiling: the entry holds what the key says."""
    scene_file = sorted((mini / "scenes").glob("*.yaml"))[0]
    before = scene_file.read_text(encoding="utf-8")
    real_key = cache.cache_key

    def key_then_edit(folder: Path, seeds_dir: Path | None = None, read: cache.Read | None = None) -> str | None:
        key = real_key(folder, seeds_dir, read)
        scene_file.write_text(before.replace("title: ", "title: Edited ", 1), encoding="utf-8")
        return key

    monkeypatch.setattr(cache, "cache_key", key_then_edit)
    first = loader.load_story(mini)
    assert not any(s.title.startswith("Edited") for s in first.scenes.values())
    monkeypatch.setattr(cache, "cache_key", real_key)
    scene_file.write_text(before, encoding="utf-8")
    again = loader.load_story(mini)  # the entry matches the original bytes: a hit
    assert again == first and len(compiles) == 1


def test_a_seed_text_changed_while_compiling_leaves_no_entry(cache_dir: Path, mini: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    digests = iter([b"before", b"after"])
    monkeypatch.setattr(cache, "seeds_digest", lambda seeds_dir=None: next(digests))
    loader.load_story(mini)
    assert not list(cache_dir.glob("*.story"))


def test_a_start_from_the_cache_imports_neither_the_yaml_reader_nor_the_compiler(tmp_path: Path, mini: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "CHRONICLE_CACHE": str(tmp_path / "cache")}
    code = ("import sys\nfrom engine.build.loader import load_story\nstory = load_story(sys.argv[1])\n"
            "print(sorted(m for m in ('yaml', 'engine.build.compiler', 'engine.format.safeyaml', "
            "'engine.record.sources') "
            "if m in sys.modules))")
    runs = [subprocess.run([sys.executable, "-c", code, str(mini)], env=env, cwd=ROOT, capture_output=True,
                           text=True, timeout=120) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr + runs[1].stderr
    assert "yaml" in runs[0].stdout  # the first start compiles
    assert runs[1].stdout.strip() == "[]"  # the second comes from the cache


def test_a_cached_story_decodes_its_scenes_only_when_asked(cache_dir: Path, compiles: list[Path],
                                                            tmp_path: Path) -> None:
    from engine.bench.synthetic import write_scenario

    folder = write_scenario(tmp_path / "s", 1200)
    first = loader.load_story(folder)  # compiles and caches
    story = loader.load_story(folder)
    assert len(compiles) == 1
    scenes = story.scenes
    assert isinstance(scenes, compiled.LazyScenes)
    assert list(scenes) == list(first.scenes) and len(scenes) == 1200
    assert "no such scene" not in scenes and first.start in scenes
    with pytest.raises(KeyError):
        scenes["no such scene"]
    assert scenes.get("no such scene") is None
    start = scenes[story.start]
    assert start == first.scenes[first.start]
    decoded = len(scenes._scenes)
    assert 0 < decoded <= compiled.CHUNK  # one chunk of the three
    last = list(first.scenes.values())[-1]
    choice = last.choices[0] if last.choices else next(iter(first.choices_by_id.values()))
    assert story.choices_by_id[choice.id] == choice  # decodes that choice's chunk
    with pytest.raises(KeyError):
        story.choices_by_id["nowhere.nothing"]
    assert story == first and dict(story.choices_by_id) == dict(first.choices_by_id)
    assert len(scenes._scenes) == 1200
