"""Saved games on real files: round trips, disk failures, edited scenarios, hostile files."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from engine.base import durable
from engine.build.loader import load_story
from engine.core import machine
from engine.core.model import State, Story
from engine.saves.savefile import FORMAT, MAX_BYTES, encode
from engine.saves.store import AUTOSAVE_PREFIX, Loaded, SaveError, SaveMismatch, SaveStore, saves_dir

FIXTURE = Path(__file__).parent / "fixtures" / "saves" / "vigil"
STORY = FIXTURE
PATH = ("hall.pace", "hall.wait", "hall_again.back", "hall.ignore", "late.brave")


@pytest.fixture
def store(tmp_path: Path) -> SaveStore:
    return SaveStore(tmp_path / "saves")


def replayed(story: Story, path: tuple[str, ...] = PATH) -> State:
    return machine.replay(story, path)


def files(store: SaveStore) -> list[str]:
    return sorted(os.listdir(store.folder))


def temps(store: SaveStore) -> list[str]:
    return [n for n in files(store) if n.startswith(durable.TEMP_PREFIX)]


def rewrite(path: Path, change: Any) -> None:
    """Re-encode a save file after `change(doc)` (with a valid checksum: a crafted save)."""
    doc = json.loads(path.read_bytes())
    del doc["checksum"]
    change(doc)
    path.write_bytes(encode(doc))


# --- the folder -----------------------------------------------------------------------------


def test_saves_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHRONICLE_SAVES", str(tmp_path / "env"))
    assert saves_dir(tmp_path / "opt") == tmp_path / "opt"
    assert (tmp_path / "opt").is_dir()
    assert saves_dir() == tmp_path / "env" and (tmp_path / "env").is_dir()
    monkeypatch.delenv("CHRONICLE_SAVES")
    from engine.base.paths import PROJECT

    assert saves_dir() == PROJECT / "saves"


def test_saves_dir_that_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(SaveError, match="cannot use the saves folder"):
        SaveStore(tmp_path / "file" / "saves")


# --- round trips ----------------------------------------------------------------------------


def test_round_trip(story: Story, store: SaveStore) -> None:
    for n in range(len(PATH) + 1):
        state = replayed(story, PATH[:n])
        path = store.save(f"at {n}", story, state)
        assert path.parent == store.folder and path.name == f"at {n}.save.json"
        assert store.load(f"at {n}", story) == Loaded(state, None)
    assert store.scenario_of("at 3") == "vigil"
    doc = json.loads((store.folder / "at 5.save.json").read_bytes())
    assert doc["path"] == list(PATH) and doc["scenario"] == "vigil" and doc["format"] == FORMAT
    assert doc["content_hash"] == story.content_hash
    assert doc["state"] == {"scene": "arrest", "variables": {"resolve": 6, "warned": False, "paces": 1},
                            "visits": {"hall_again": 1}, "clock": 2990}
    assert temps(store) == []


def test_saving_again_keeps_the_previous_version_as_backup(story: Story, store: SaveStore) -> None:
    store.save("g", story, replayed(story, PATH[:1]))
    assert files(store) == ["g.save.json"]
    store.save("g", story, replayed(story, PATH[:2]))
    assert files(store) == ["g.save.bak.json", "g.save.json"]
    assert store.load("g", story).state == replayed(story, PATH[:2])
    assert store.load("g", story, use_backup=True).state == replayed(story, PATH[:1])
    store.save("g", story, replayed(story, PATH[:3]))
    assert store.load("g", story, use_backup=True).state == replayed(story, PATH[:2])


def test_a_fresh_store_also_checks_the_old_version_before_keeping_it(story: Story, tmp_path: Path) -> None:
    first = SaveStore(tmp_path)
    first.save("g", story, replayed(story, PATH[:1]))
    first.save("g", story, replayed(story, PATH[:2]))
    (tmp_path / "g.save.json").write_bytes(b"{broken")
    SaveStore(tmp_path).save("g", story, replayed(story, PATH[:3]))
    # the damaged version did not replace the good backup (the first version)
    assert SaveStore(tmp_path).load("g", story, use_backup=True).state == replayed(story, PATH[:1])
    assert SaveStore(tmp_path).load("g", story).state == replayed(story, PATH[:3])


def test_slots_newest_first_and_latest_autosave(story: Story, store: SaveStore,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.saves.store

    ticks = iter(f"2026-12-02T10:00:0{n}.000+00:00" for n in range(10))
    monkeypatch.setattr(engine.saves.store, "_now", lambda: next(ticks))  # an injected clock, no sleeps
    store.save("old", story, replayed(story, PATH[:1]))
    store.autosave(story, replayed(story, PATH[:2]))
    store.save("new", story, replayed(story, PATH[:4]))
    infos = store.slots()
    assert [i.slot for i in infos] == ["new", AUTOSAVE_PREFIX + "vigil", "old"]
    new = infos[0]
    assert (new.scenario, new.scene, new.place, new.fits) == ("vigil", "late", "Malachite Hall, Winter Palace", None)
    assert new.clock == "27 October 1917 (9 November N.S.), 01:50"  # 19:05 then 19:00: a day passes
    assert new.saved_at.endswith("+00:00") and new.steps == 4
    auto = store.latest_autosave()
    assert auto is not None and auto.slot == "autosave-vigil"
    assert store.load(auto.slot, story).state == replayed(story, PATH[:2])


def test_saving_is_per_slot_so_restart_keeps_the_old_game(story: Story, store: SaveStore) -> None:
    store.save("mine", story, replayed(story, PATH[:4]))
    restarted = machine.start(story)
    store.autosave(story, restarted)
    assert store.load("mine", story).state == replayed(story, PATH[:4])


def test_undo_then_save(story: Story, store: SaveStore) -> None:
    state = machine.undo(story, replayed(story), 3)
    store.save("u", story, state)
    assert store.load("u", story).state == replayed(story, PATH[:2])


def test_delete(story: Story, store: SaveStore) -> None:
    store.save("g", story, replayed(story))
    store.save("g", story, replayed(story))
    store.delete("g")
    assert files(store) == []
    with pytest.raises(SaveError, match="no save named"):
        store.delete("g")
    with pytest.raises(SaveError, match="no save named"):
        store.load("g", story)


def test_export_and_import(story: Story, store: SaveStore, tmp_path: Path) -> None:
    store.save("g", story, replayed(story))
    out = store.export("g", tmp_path)
    assert out == tmp_path / "g.save.json"
    with pytest.raises(SaveError, match="already exists"):
        store.export("g", tmp_path)
    with pytest.raises(SaveError, match="cannot be checked; import it anyway with --unchecked"):
        store.import_(out)  # no story to replay it through
    assert store.import_(out, story=story) == "g-2"
    assert store.import_(out, "shared", story=story) == "shared"
    with pytest.raises(SaveError, match="already"):
        store.import_(out, "shared", story=story)
    for slot in ("g-2", "shared"):
        assert store.load(slot, story).state == replayed(story)
        assert store.read(slot).slot == slot


def test_import_refuses_a_save_that_does_not_fit(story: Story, store: SaveStore, tmp_path: Path) -> None:
    """A save whose path does not replay through its scenario is refused unless `unchecked`."""
    from engine.saves.savefile import decode, encode

    store.save("g", story, replayed(story))
    out = store.export("g", tmp_path)
    doc = json.loads(out.read_bytes())
    doc.pop("checksum")
    doc["path"] = doc["path"][:1] + ["no_such.choice"]
    out.write_bytes(encode(doc))
    decode(out.read_bytes())  # a well-formed save, with a checksum anyone can recompute
    with pytest.raises(SaveError, match="does not fit its scenario.*--unchecked"):
        store.import_(out, "forged", story=story)
    assert store.import_(out, "forged", story=story, unchecked=True) == "forged"


def test_import_refuses_bad_files(store: SaveStore, tmp_path: Path) -> None:
    bad = tmp_path / "bad.save.json"
    bad.write_bytes(b"!!python/object/apply:os.system ['echo pwned']")
    with pytest.raises(SaveError, match="cannot be imported"):
        store.import_(bad)
    with pytest.raises(SaveError, match="does not exist"):
        store.import_(tmp_path / "nothing.json")
    assert files(store) == []


def test_load_of_another_scenarios_save(story: Story, store: SaveStore) -> None:
    store.save("g", story, replayed(story))
    rewrite(store.folder / "g.save.json", lambda d: d.update(scenario="duma_march"))
    assert store.scenario_of("g") == "duma_march"
    with pytest.raises(SaveError, match="duma_march"):
        store.load("g", story)


# --- disk failures --------------------------------------------------------------------------


def _enospc(*_a: Any, **_k: Any) -> Any:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("where", ["write", "fsync", "replace", "link"])
def test_disk_full(story: Story, store: SaveStore, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    store.save("g", story, replayed(story, PATH[:1]))
    store.save("g", story, replayed(story, PATH[:2]))
    before = {n: (store.folder / n).read_bytes() for n in files(store)}
    monkeypatch.setattr(os, where, _enospc)
    if where == "link":  # the backup falls back to writing a copy; the save itself goes through
        store.save("g", story, replayed(story, PATH[:3]))
        monkeypatch.undo()
        assert store.load("g", story).state == replayed(story, PATH[:3])
        assert store.load("g", story, use_backup=True).state == replayed(story, PATH[:2])
        assert temps(store) == []
        return
    with pytest.raises(SaveError) as info:
        store.save("g", story, replayed(story, PATH[:3]))
    monkeypatch.undo()
    assert "disk is full" in info.value.message and "previous save is unchanged" in info.value.message
    assert temps(store) == []
    assert store.load("g", story).state == replayed(story, PATH[:2])
    after = {n: (store.folder / n).read_bytes() for n in files(store)}
    assert after["g.save.json"] == before["g.save.json"]
    # and it works again once there is space
    store.save("g", story, replayed(story, PATH[:3]))
    assert store.load("g", story).state == replayed(story, PATH[:3])


def test_replace_of_the_slot_fails_after_the_backup(story: Story, store: SaveStore,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    store.save("g", story, replayed(story, PATH[:1]))
    old = (store.folder / "g.save.json").read_bytes()
    real = os.replace

    def fail_for_slot(src: Any, dst: Any) -> None:
        if str(dst).endswith("g.save.json"):
            raise OSError(errno.EIO, "I/O error")
        real(src, dst)

    monkeypatch.setattr(os, "replace", fail_for_slot)
    with pytest.raises(SaveError, match="input/output"):
        store.save("g", story, replayed(story, PATH[:2]))
    monkeypatch.undo()
    assert (store.folder / "g.save.json").read_bytes() == old
    assert temps(store) == []


def test_read_only_folder(story: Story, store: SaveStore) -> None:
    if os.name != "posix" or os.geteuid() == 0:
        pytest.skip("permissions are not enforced here")
    store.save("g", story, replayed(story, PATH[:1]))
    store.folder.chmod(0o500)
    try:
        with pytest.raises(SaveError, match="permission denied"):
            store.save("g", story, replayed(story, PATH[:2]))
    finally:
        store.folder.chmod(0o700)
    assert store.load("g", story).state == replayed(story, PATH[:1])


# --- damaged files and backups ----------------------------------------------------------------


def _damage_truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2])


def _damage_flip(p: Path) -> None:
    raw = bytearray(p.read_bytes())
    i = raw.index(b"hall.pace") + 3
    raw[i] ^= 0x04
    p.write_bytes(bytes(raw))


def _damage_empty(p: Path) -> None:
    p.write_bytes(b"")


def _damage_zeros(p: Path) -> None:
    p.write_bytes(b"\0" * len(p.read_bytes()))


@pytest.mark.parametrize("damage", [_damage_truncate, _damage_flip, _damage_empty, _damage_zeros])
def test_damaged_slot_offers_the_backup(story: Story, store: SaveStore, damage: Any) -> None:
    store.save("g", story, replayed(story, PATH[:2]))
    store.save("g", story, replayed(story, PATH[:3]))
    damage(store.folder / "g.save.json")
    with pytest.raises(SaveError) as info:
        store.load("g", story)
    assert not isinstance(info.value, SaveMismatch)
    assert info.value.backup_available and "backup" in info.value.message
    loaded = store.load("g", story, use_backup=True)
    assert loaded.state == replayed(story, PATH[:2])
    assert loaded.notice is not None and "backup" in loaded.notice
    info_ = store.slots()[0]
    assert info_.problem is not None and info_.fits is False
    # the next save replaces the damaged slot and keeps the good backup
    store.save("g", story, replayed(story, PATH[:4]))
    assert store.load("g", story, use_backup=True).state == replayed(story, PATH[:2])


def test_damaged_slot_without_backup(story: Story, store: SaveStore) -> None:
    store.save("g", story, replayed(story, PATH[:2]))
    _damage_truncate(store.folder / "g.save.json")
    with pytest.raises(SaveError) as info:
        store.load("g", story)
    assert not info.value.backup_available
    with pytest.raises(SaveError, match="no backup"):
        store.load("g", story, use_backup=True)


def test_damaged_backup_is_not_offered(story: Story, store: SaveStore) -> None:
    store.save("g", story, replayed(story, PATH[:2]))
    store.save("g", story, replayed(story, PATH[:3]))
    _damage_flip(store.folder / "g.save.bak.json")
    _damage_truncate(store.folder / "g.save.json")
    with pytest.raises(SaveError) as info:
        store.load("g", story)
    assert not info.value.backup_available


def test_state_that_does_not_match_its_path_is_damage(story: Story, store: SaveStore) -> None:
    store.save("g", story, replayed(story, PATH[:3]))
    store.save("g", story, replayed(story, PATH[:4]))
    rewrite(store.folder / "g.save.json", lambda d: d["state"]["variables"].update(resolve=10))
    with pytest.raises(SaveError, match="does not match") as info:
        store.load("g", story)
    assert info.value.backup_available


# --- the newer format -------------------------------------------------------------------------


def test_newer_format_is_refused_and_left_untouched(story: Story, store: SaveStore) -> None:
    store.save("future", story, replayed(story))
    rewrite(store.folder / "future.save.json", lambda d: d.update(format=FORMAT + 1, quantum={"x": [1]}))
    original = (store.folder / "future.save.json").read_bytes()
    stat = os.stat(store.folder / "future.save.json")
    with pytest.raises(SaveError, match="newer version") as info:
        store.load("future", story)
    assert not info.value.backup_available
    with pytest.raises(SaveError, match="newer version"):
        store.save("future", story, replayed(story, PATH[:1]))
    with pytest.raises(SaveError, match="newer version"):
        store.scenario_of("future")
    assert store.slots()[0].problem is not None
    SaveStore(store.folder)
    assert (store.folder / "future.save.json").read_bytes() == original
    assert os.stat(store.folder / "future.save.json").st_mtime_ns == stat.st_mtime_ns
    assert files(store) == ["future.save.json"]


# --- crafted saves ----------------------------------------------------------------------------


@pytest.mark.parametrize("change", [
    lambda d: d.update(path="hall.pace"),
    lambda d: d.update(path=[1, 2, 3]),
    lambda d: d.update(path={"0": "hall.pace"}),
    lambda d: d["state"].update(variables=["resolve"]),
    lambda d: d["state"]["variables"].update(resolve=[6]),
    lambda d: d["state"].update(clock="01:50"),
    lambda d: d.update(scenario=None),
    lambda d: d.pop("state"),
])
def test_crafted_wrong_types(story: Story, store: SaveStore, change: Any) -> None:
    store.save("g", story, replayed(story))
    rewrite(store.folder / "g.save.json", change)
    with pytest.raises(SaveError, match="not a valid save"):
        store.load("g", story)


@pytest.mark.parametrize("bad_id,step", [
    ("hall.nope", 1), ("__import__('os').system('true')", 1), ("late.brave", 1), ("surrender.x", 1),
])
def test_crafted_unknown_choice_ids(story: Story, store: SaveStore, bad_id: str, step: int) -> None:
    store.save("g", story, replayed(story))
    rewrite(store.folder / "g.save.json", lambda d: d.update(path=[bad_id] + list(PATH)))
    with pytest.raises(SaveMismatch) as info:
        store.load("g", story)
    assert info.value.step == step and bad_id in info.value.message
    assert info.value.partial == machine.start(story)


def test_crafted_python_tag_runs_nothing(story: Story, store: SaveStore, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    (store.folder / "evil.save.json").write_text(
        f"!!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(SaveError, match="Python object tag"):
        store.load("evil", story)
    store.slots()
    assert not marker.exists()


def test_crafted_huge_file_is_refused_by_size(story: Story, store: SaveStore,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with open(store.folder / "huge.save.json", "wb") as f:
        f.truncate(100 * 1024 * 1024)
    reads: list[int] = []
    real = os.read

    def spy(fd: int, n: int) -> bytes:
        reads.append(n)
        return real(fd, n)

    monkeypatch.setattr(os, "read", spy)
    with pytest.raises(SaveError, match="too large"):
        store.load("huge", story)
    assert store.slots()[0].problem is not None
    assert reads == []  # refused by its size, before a byte is read


def test_file_just_over_the_cap(story: Story, store: SaveStore) -> None:
    (store.folder / "big.save.json").write_bytes(b" " * (MAX_BYTES + 1))
    with pytest.raises(SaveError, match="too large"):
        store.load("big", story)


def test_crafted_deep_nesting(story: Story, store: SaveStore) -> None:
    (store.folder / "deep.save.json").write_bytes(b"[" * 500_000 + b"]" * 500_000)
    with pytest.raises(SaveError, match="nested"):
        store.load("deep", story)


def test_crafted_long_path_of_valid_steps_is_bounded(story: Story, store: SaveStore) -> None:
    store.save("g", story, replayed(story))
    rewrite(store.folder / "g.save.json", lambda d: d.update(path=["hall.pace"] * 100_001))
    with pytest.raises(SaveError):
        store.load("g", story)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_in_place_of_a_save(story: Story, store: SaveStore) -> None:
    os.mkfifo(store.folder / "pipe.save.json")
    with pytest.raises(SaveError, match="not a regular file"):
        store.load("pipe", story)
    assert [i.slot for i in store.slots()] == ["pipe"]


# --- slot names and the folder boundary ---------------------------------------------------------


@pytest.mark.parametrize("name", ["../escape", "../../etc/x", "CON", "nul.txt", ".hidden", "a\x00b", "x" * 65])
def test_slot_name_attacks_write_nothing(story: Story, store: SaveStore, tmp_path: Path, name: str) -> None:
    before = sorted(p.name for p in tmp_path.rglob("*"))
    for call in (lambda: store.save(name, story, replayed(story)), lambda: store.load(name, story),
                 lambda: store.delete(name), lambda: store.export(name, tmp_path),
                 lambda: store.scenario_of(name)):
        with pytest.raises(SaveError):
            call()
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlinked_slot_pointing_outside_is_not_written(story: Story, store: SaveStore, tmp_path: Path) -> None:
    outside = tmp_path / "precious.txt"
    outside.write_text("do not touch")
    os.symlink(outside, store.folder / "link.save.json")
    with pytest.raises(SaveError, match="outside the saves folder"):
        store.save("link", story, replayed(story))
    with pytest.raises(SaveError):
        store.delete("link")
    assert outside.read_text() == "do not touch"


# --- leftover temporary files ---------------------------------------------------------------


def test_leftover_temp_files_are_cleaned_at_start(story: Story, tmp_path: Path) -> None:
    store = SaveStore(tmp_path)
    store.save("g", story, replayed(story))
    dead_pid = 2**22 + 12345  # above the usual pid_max
    for i in range(3):
        (tmp_path / f"{durable.TEMP_PREFIX}{dead_pid}-{i:012x}{durable.TEMP_SUFFIX}").write_bytes(b'{"kind":')
    (tmp_path / "notes.txt").write_text("mine")
    again = SaveStore(tmp_path)
    assert len(again.cleaned) == 3
    assert sorted(os.listdir(tmp_path)) == ["g.save.json", "notes.txt"]
    assert [i.slot for i in again.slots()] == ["g"]


# --- the six scenario edits ---------------------------------------------------------------------


def edited(tmp_path: Path, *changes: tuple[str, str, str]) -> Story:
    """A copy of the fixture with text replacements in (file, old, new); each must apply."""
    folder = tmp_path / "vigil"
    shutil.copytree(FIXTURE, folder)
    for name, old, new in changes:
        f = folder / name
        text = f.read_text()
        assert old in text, old
        f.write_text(text.replace(old, new))
    return load_story(folder)


SCENES = "scenes/night.yaml"
INSERT = (SCENES, "    choices:\n      - id: ignore\n",
          "    choices:\n      - id: pray\n        text: Pray\n        goto: hall_again\n      - id: ignore\n")
RENAME = [(SCENES, "  late:\n", "  midnight:\n"), (SCENES, "goto: late\n", "goto: midnight\n")]
DELETE = [(SCENES, "      - id: wait\n        text: Wait and listen\n        goto: hall_again\n"
                   '        when: not visited("hall_again")\n', ""),
          (SCENES, "  hall_again:\n    title: Still waiting\n    place: Malachite Hall, Winter Palace\n"
                   '    time: "19:05"\n    text: Nothing changes.\n    record:\n      - source: rabinowitch\n'
                   '        quote: "You have twenty minutes to answer."\n    choices:\n      - id: back\n'
                   "        text: Go back to the table\n        goto: hall\n", "")]
ADD_VAR = ("scenario.yaml", "  paces:", "  courage: {type: int, initial: 3}\n  paces:")
REMOVE_VAR = [("scenario.yaml", "  warned: {type: bool, initial: false}\n", ""),
              (SCENES, 'do: ["resolve -= 5", "warned = true"]', "do: resolve -= 5")]
REORDER = (SCENES, "      - id: pace\n        text: Pace the hall\n        goto: hall\n        do: paces += 1\n", "")
REORDER_BACK = (SCENES, "    choices:\n      - id: ignore\n",
                "    choices:\n      - id: pace\n        text: Pace the hall\n        goto: hall\n"
                "        do: paces += 1\n      - id: ignore\n")


def _saved(story: Story, store: SaveStore, path: tuple[str, ...] = PATH) -> None:
    store.save("g", story, replayed(story, path))


def _fits(store: SaveStore, new: Story, path: tuple[str, ...] = PATH) -> Loaded:
    loaded = store.load("g", new)
    assert loaded.notice is not None and "changed" in loaded.notice
    assert loaded.state.path == path
    assert loaded.state == machine.replay(new, path)
    return loaded


def test_edit_insert_a_choice_before_another(story: Story, store: SaveStore, tmp_path: Path) -> None:
    _saved(story, store)
    new = edited(tmp_path, INSERT)
    assert new.scenes["hall"].choices[0].id == "hall.pray"  # positions shifted; ids did not
    loaded = _fits(store, new)
    assert loaded.state == replayed(story)  # exactly the same game, not the choice now at its index


def test_edit_reorder_choices(story: Story, store: SaveStore, tmp_path: Path) -> None:
    _saved(story, store)
    new = edited(tmp_path, REORDER, REORDER_BACK)
    assert [c.key for c in new.scenes["hall"].choices][:2] == ["pace", "ignore"]
    assert _fits(store, new).state == replayed(story)


def test_edit_rename_a_scene(story: Story, store: SaveStore, tmp_path: Path) -> None:
    new = edited(tmp_path, *RENAME)
    # a game saved in the renamed scene still fits: the same scene under its new name
    _saved(story, store, PATH[:4])
    loaded = _fits(store, new, PATH[:4])
    assert loaded.state.scene == "midnight" and "midnight" in (loaded.notice or "")
    # a game that took a choice of the renamed scene does not: its choice id changed
    _saved(story, store)
    with pytest.raises(SaveMismatch) as info:
        store.load("g", new)
    assert info.value.step == 5 and "step 5" in info.value.message and "late.brave" in info.value.message
    assert info.value.partial == machine.replay(new, PATH[:4]) and info.value.partial.scene == "midnight"
    assert "step 4" in info.value.message


def test_edit_delete_a_scene(story: Story, store: SaveStore, tmp_path: Path) -> None:
    _saved(story, store)
    new = edited(tmp_path, *DELETE)
    assert "hall_again" not in new.scenes
    with pytest.raises(SaveMismatch) as info:
        store.load("g", new)
    assert info.value.step == 2 and "hall.wait" in info.value.message
    assert info.value.partial == machine.replay(new, PATH[:1])
    # a game that never went there still loads
    _saved(story, store, ("hall.pace", "hall.ignore", "late.brave"))
    _fits(store, new, ("hall.pace", "hall.ignore", "late.brave"))


def test_edit_add_a_variable(story: Story, store: SaveStore, tmp_path: Path) -> None:
    _saved(story, store)
    new = edited(tmp_path, ADD_VAR)
    loaded = _fits(store, new)
    assert machine.variables(new, loaded.state)["courage"] == 3
    assert "courage is new" in (loaded.notice or "")


def test_edit_remove_a_variable(story: Story, store: SaveStore, tmp_path: Path) -> None:
    _saved(story, store, ("hall.yield_now",))
    new = edited(tmp_path, *REMOVE_VAR)
    loaded = _fits(store, new, ("hall.yield_now",))
    assert "warned" not in machine.variables(new, loaded.state)
    assert "warned is gone" in (loaded.notice or "")


def test_edit_closes_a_choice_on_the_path(story: Story, store: SaveStore, tmp_path: Path) -> None:
    _saved(story, store)
    new = edited(tmp_path, (SCENES, "when: resolve >= 6", "when: resolve >= 9"))
    with pytest.raises(SaveMismatch) as info:
        store.load("g", new)
    assert info.value.step == 5 and "not open" in info.value.message
    assert info.value.partial.path == PATH[:4]


def test_edit_changes_an_effect(story: Story, store: SaveStore, tmp_path: Path) -> None:
    _saved(story, store)
    new = edited(tmp_path, (SCENES, "do: resolve += 1", "do: resolve += 2"))
    loaded = _fits(store, new)
    assert "resolve is now 7 (it was 6)" in (loaded.notice or "")


# --- speed ------------------------------------------------------------------------------------


def test_every_autosave_of_a_long_game_is_synced(story: Story, store: SaveStore,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Each autosave of a long game reaches the disk (its speed is measured by `chronicle bench`)."""
    state = replayed(story, ("hall.pace",) * 300 + PATH)
    store.autosave(story, state)
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd))
    for n in range(1, 6):
        store.autosave(story, state)
        assert len(synced) >= n  # the file (and its folder) synced on every save
    monkeypatch.undo()
    assert store.load("autosave-" + story.id, story).state == state


def test_a_state_of_another_scenario_is_not_saved(story: Story, store: SaveStore) -> None:
    alien = State("hall", (1,), (), None, ())
    with pytest.raises(SaveError, match="does not belong"):
        store.save("g", story, alien)
    assert files(store) == []


def test_import_over_an_existing_slot_keeps_its_backup(story: Story, store: SaveStore, tmp_path: Path) -> None:
    store.save("g", story, replayed(story, PATH[:1]))
    out = store.export("g", tmp_path)
    store.save("g", story, replayed(story, PATH[:3]))
    assert store.import_(out, "g", overwrite=True, story=story) == "g"
    assert store.load("g", story).state == replayed(story, PATH[:1])
    assert store.load("g", story, use_backup=True).state == replayed(story, PATH[:3])
