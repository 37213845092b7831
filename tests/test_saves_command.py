"""`chronicle saves list|show|delete|export|import`, with --saves DIR and $CHRONICLE_SAVES."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.core import machine
from engine.core.model import Story
from engine.saves.store import SaveStore
from tests.helpers import FIXTURES, ROOT, run_cli

SAVE_FIXTURES = FIXTURES / "saves"
STORY = SAVE_FIXTURES / "vigil"


@pytest.fixture
def folder(tmp_path: Path, story: Story) -> Path:
    store = SaveStore(tmp_path / "saves")
    store.save("early", story, machine.replay(story, ["hall.pace"]))
    store.save("late", story, machine.replay(story, ["hall.ignore"]))
    return store.folder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    return run_cli(capsys, "saves", *args)


def test_list_json(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    code, out, _ = run(capsys, "list", "--json", "--saves", str(folder), "--root", str(SAVE_FIXTURES))
    assert code == 0
    rows = json.loads(out)
    assert [r["slot"] for r in rows] == ["late", "early"]
    late = rows[0]
    assert late["scenario"] == "vigil" and late["scene"] == "late" and late["place"] == "Malachite Hall, Winter Palace"
    assert late["clock"] == "26 October 1917 (8 November N.S.), 01:50"
    assert late["saved_at"].endswith("+00:00") and late["fits"] is True


def test_list_json_reports_slots_that_no_longer_fit(capsys: pytest.CaptureFixture[str], folder: Path,
                                                     tmp_path: Path) -> None:
    root = tmp_path / "scenarios"
    shutil.copytree(SAVE_FIXTURES / "vigil", root / "vigil")
    scenes = root / "vigil" / "scenes" / "night.yaml"
    scenes.write_text(scenes.read_text().replace("      - id: pace\n", "      - id: walk\n"))
    (folder / "junk.save.json").write_bytes(b"\x00\x01")
    code, out, _ = run(capsys, "list", "--json", "--saves", str(folder), "--root", str(root))
    assert code == 0
    rows = {r["slot"]: r for r in json.loads(out)}
    assert rows["early"]["fits"] is False and "step 1" in rows["early"]["message"]
    assert rows["late"]["fits"] is True and "changed" in rows["late"]["message"]
    assert rows["junk"]["fits"] is False and rows["junk"]["problem"]


def test_list_unknown_scenario_is_not_checked(capsys: pytest.CaptureFixture[str], folder: Path,
                                              tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, out, _ = run(capsys, "list", "--json", "--saves", str(folder), "--root", str(tmp_path / "empty"))
    assert code == 0 and all(r["fits"] is None for r in json.loads(out))
    code, out, _ = run(capsys, "list", "--saves", str(folder), "--no-check")
    assert code == 0 and "early" in out and "late" in out


def test_show(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    code, out, _ = run(capsys, "show", "late", "--saves", str(folder), "--root", str(SAVE_FIXTURES))
    assert code == 0 and "After midnight" in out and "Fits:       yes" in out
    code, out, _ = run(capsys, "show", "late", "--json", "--saves", str(folder), "--root", str(SAVE_FIXTURES))
    item = json.loads(out)
    assert item["choices"] == ["hall.ignore"] and item["variables"]["resolve"] == 6


def test_show_damaged_mentions_backup(capsys: pytest.CaptureFixture[str], folder: Path, story: Story) -> None:
    SaveStore(folder).save("late", story, machine.replay(story, ["hall.ignore", "late.brave"]))
    (folder / "late.save.json").write_bytes(b'{"kind": "chronicle-save", "form')
    code, out, _ = run(capsys, "show", "late", "--saves", str(folder))
    assert code == 1 and "Damaged" in out and "previous version is intact" in out


def test_delete_export_import(capsys: pytest.CaptureFixture[str], folder: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "usb"
    out_dir.mkdir()
    assert run(capsys, "export", "late", str(out_dir), "--saves", str(folder))[0] == 0
    assert (out_dir / "late.save.json").is_file()
    assert run(capsys, "delete", "late", "--saves", str(folder))[0] == 0
    assert not (folder / "late.save.json").exists()
    code, _, err = run(capsys, "import", str(out_dir / "late.save.json"), "--saves", str(folder))
    assert code == 1 and "cannot be checked" in err and "--unchecked" in err  # vigil is not in scenarios/
    code, out, _ = run(capsys, "import", str(out_dir / "late.save.json"), "--saves", str(folder),
                       "--root", str(SAVE_FIXTURES))
    assert code == 0 and '"late"' in out
    code, out, _ = run(capsys, "import", str(out_dir / "late.save.json"), "--as", "copy", "--saves", str(folder),
                       "--unchecked")
    assert code == 0 and (folder / "copy.save.json").is_file()


@pytest.mark.parametrize("args", [
    ("delete", "../../etc/passwd"), ("delete", "CON"), ("show", "nothing"), ("export", "nothing", "."),
    ("import", "/nonexistent/file.json"),
])
def test_errors_are_messages_not_tracebacks(capsys: pytest.CaptureFixture[str], folder: Path,
                                            args: tuple[str, ...]) -> None:
    code, out, err = run(capsys, *args, "--saves", str(folder))
    assert code == 1 and err.startswith("chronicle saves: ") and "Traceback" not in err + out


def test_import_of_hostile_files(capsys: pytest.CaptureFixture[str], folder: Path, tmp_path: Path) -> None:
    hostile = {"yaml": b"!!python/object/apply:os.system ['true']", "deep": b"[" * 300_000,
               "empty": b"", "pickle": b"\x80\x04K\x01."}
    for name, raw in hostile.items():
        (tmp_path / name).write_bytes(raw)
        code, _, err = run(capsys, "import", str(tmp_path / name), "--saves", str(folder))
        assert code == 1 and "cannot be imported" in err
    big = tmp_path / "big"
    with open(big, "wb") as f:
        f.truncate(100 * 1024 * 1024)
    code, _, err = run(capsys, "import", str(big), "--saves", str(folder))
    assert code == 1 and "too large" in err
    assert sorted(os.listdir(folder)) == ["early.save.json", "late.save.json"]


def test_real_command_with_environment_variable(folder: Path) -> None:
    env = dict(os.environ, CHRONICLE_SAVES=str(folder), CHRONICLE_SCENARIOS=str(SAVE_FIXTURES))
    proc = subprocess.run([sys.executable, "-m", "engine", "saves", "list", "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert [r["slot"] for r in json.loads(proc.stdout)] == ["late", "early"]
    assert all(r["fits"] is True for r in json.loads(proc.stdout))


def test_default_action_is_list(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    code, out, _ = run(capsys, "--saves", str(folder))
    assert code == 0 and "early" in out and "late" in out


def test_a_save_from_the_future_is_marked(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    from engine.saves.savefile import encode

    doc = json.loads((folder / "late.save.json").read_bytes())
    doc.pop("checksum")
    (folder / "late.save.json").write_bytes(encode(dict(doc, saved_at="2999-01-01T00:00:00+00:00")))
    code, out, _ = run(capsys, "show", "late", "--saves", str(folder))
    assert code == 0 and "(in the future?)" in out
