"""`chronicle check`, `list` and `schema` as a user runs them: real processes, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main
from engine.format.schema import json_schema
from tests.helpers import ROOT


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=60)


def test_check_clean_fixture_exits_0(mini: Path) -> None:
    proc = run("check", str(mini))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 error(s)" in proc.stdout


def test_check_reports_every_error_with_location(mini: Path) -> None:
    scenes = mini / "scenes" / "night.yaml"
    text = scenes.read_text(encoding="utf-8")
    text = text.replace("goto: late", "goto: lat").replace("when: resolve >= 6", "when: resolv >= 6")
    scenes.write_text(text, encoding="utf-8")
    (mini / "scenario.yaml").write_text(
        (mini / "scenario.yaml").read_text(encoding="utf-8").replace("role:", "rol:"), encoding="utf-8")
    proc = run("check", str(mini))
    assert proc.returncode == 1
    out = proc.stdout
    assert 'goto "lat": no such scene' in out and 'did you mean "late"' in out
    assert 'did you mean "resolve"' in out
    assert 'unknown key "rol"' in out and 'did you mean "role"' in out
    for line in out.splitlines():
        if " error " in line:
            path, lineno, col = line.split(":")[:3]
            assert path.endswith(".yaml") and int(lineno) >= 1 and int(col) >= 1, line


def test_check_json_format(mini: Path) -> None:
    (mini / "scenes" / "night.yaml").write_text("format: 1\nscenes:\n  hall: [\n", encoding="utf-8")
    proc = run("check", "--format", "json", str(mini))
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    d = data["diagnostics"][0]
    assert set(d) >= {"path", "line", "column", "severity", "code", "message"}
    assert d["code"] == "E004" and d["line"] >= 3


def test_check_usage_error_exits_2() -> None:
    assert run("check", "--format", "xml").returncode == 2
    assert run("no-such-command").returncode == 2
    assert "did you mean" in run("chek").stderr


def test_check_unknown_scenario_id() -> None:
    proc = run("check", "malachite_hal")
    assert proc.returncode == 1
    assert "malachite_hall" in proc.stdout


def test_check_codes_lists_every_code() -> None:
    proc = run("check", "--codes")
    assert proc.returncode == 0
    for code in ("E001", "E008", "E101", "E201", "E401", "E403"):
        assert code in proc.stdout


def test_list_json() -> None:
    proc = run("list", "--json")
    rows = json.loads(proc.stdout)
    ids = {r["id"] for r in rows}
    assert {"malachite_hall", "duma_march"} <= ids
    for r in rows:
        assert r["title"] and r["role"] and r["date"]


def test_schema_file_is_current() -> None:
    shipped = json.loads((ROOT / "engine" / "format" / "scenario.schema.json").read_text(encoding="utf-8"))
    assert shipped == json_schema(), "run: chronicle schema -o engine/format/scenario.schema.json"


@pytest.mark.parametrize("name", ["malachite_hall", "duma_march"])
def test_editor_schema_accepts_shipped_files(name: str) -> None:
    import yaml
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(json_schema())
    for f in sorted((ROOT / "scenarios" / name).rglob("*.yaml")):
        if "plans" in f.parts:
            continue
        data = yaml.load(f.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        # YAML 1.1 reads unquoted dates as dates; the engine keeps them as text
        text = json.loads(json.dumps(data, default=str))
        errors = [e.message for e in validator.iter_errors(text)]
        assert errors == [], f"{f}: {errors[:3]}"


def test_main_in_process_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "check" in out and "play" in out


def test_no_ending_reachable_is_an_error(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A story whose start reaches no ending by any goto fails `check` (exit 1), not just a warning."""
    night = mini / "scenes" / "night.yaml"
    text = night.read_text("utf-8").replace("goto: late", "goto: hall_again").replace("goto: surrender",
                                                                                     "goto: hall_again")
    night.write_text(text, "utf-8")
    assert main(["check", str(mini)]) == 1
    out = capsys.readouterr().out
    assert "error E512" in out and 'start scene "hall"' in out


def _contained_run(mini: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "engine", "check", str(mini)], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, check=False)


def test_a_link_out_of_the_scenario_folder_is_refused(mini: Path, tmp_path: Path) -> None:
    """Scenario files are read only from inside the folder: a link elsewhere (even to a valid
    scene file, or to /etc/passwd) is an error naming the file and the reason, never read."""
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text("format: 1\nscenes:\n  outside:\n    title: T\n", "utf-8")
    (mini / "scenes" / "outside.yaml").symlink_to(elsewhere)
    (mini / "scenes" / "passwd.yaml").symlink_to("/etc/passwd")
    done = _contained_run(mini)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    for name, target in (("outside.yaml", str(elsewhere)), ("passwd.yaml", "/etc/passwd")):
        line = next(ln for ln in done.stdout.splitlines() if name in ln)
        assert "E206" in line and f"a link to {target}, outside the folder" in line, line
    assert "E004" not in done.stdout  # /etc/passwd was not parsed
    from engine.base.diagnostics import ChronicleError
    from engine.build.loader import load_story

    with pytest.raises(ChronicleError):
        load_story(mini)


def test_fifos_sockets_and_devices_are_refused(mini: Path) -> None:
    import socket

    os.mkfifo(mini / "scenes" / "pipe.yaml")  # opening it to read would wait for ever
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(mini / "scenes" / "sock.yaml"))
        (mini / "scenes" / "zero.yaml").symlink_to("/dev/zero")
        done = _contained_run(mini)
    finally:
        sock.close()
    assert done.returncode == 1 and "Traceback" not in done.stderr
    out = done.stdout
    assert "pipe.yaml" in out and "it is a FIFO (named pipe), not a regular file" in out
    assert "sock.yaml" in out and "it is a socket, not a regular file" in out
    assert "zero.yaml" in out and "a link to /dev/zero, outside the folder" in out
def test_committed_schema_of_the_scenarios_folder_is_current() -> None:
    shipped = json.loads((ROOT / "scenarios" / "scenario.schema.json").read_text(encoding="utf-8"))
    assert shipped == json_schema(), "run: chronicle schema --write scenarios"


def test_every_shipped_scenario_file_points_at_the_schema_of_its_scenarios_folder() -> None:
    files = [f for f in sorted((ROOT / "scenarios").rglob("*.yaml")) if "plans" not in f.parts]
    assert files
    for f in files:
        first = f.read_text(encoding="utf-8").splitlines()[0]
        depth = len(f.relative_to(ROOT / "scenarios").parts) - 1
        assert first == "# yaml-language-server: $schema=" + "../" * depth + "scenario.schema.json", f
        assert (f.parent / first.split("$schema=", 1)[1]).resolve() == ROOT / "scenarios" / "scenario.schema.json"


def _properties(node: object, where: str = "") -> list[tuple[str, object]]:
    """Every (path, schema) of a key the schema names, anywhere in it."""
    out: list[tuple[str, object]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                out += [(f"{where}.{name}", sub) for name, sub in value.items()]
            out += _properties(value, f"{where}.{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            out += _properties(value, f"{where}[{n}]")
    return out


def test_every_key_of_the_schema_has_a_description() -> None:
    keys = _properties(json_schema())
    assert len(keys) > 50
    missing = [where for where, sub in keys if not (isinstance(sub, dict) and sub.get("description"))]
    assert missing == []
    assert all(d.get("description") for d in json_schema()["$defs"].values())


def test_schema_write_puts_the_schema_at_the_root_of_a_folder(tmp_path: Path) -> None:
    proc = run("schema", "--write", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "scenario.schema.json").read_text(encoding="utf-8")) == json_schema()
    proc = run("schema", "--write", str(tmp_path / "missing"))
    assert proc.returncode == 1 and "is not a folder" in proc.stderr and "Traceback" not in proc.stderr


def test_unreadable_seeds_are_a_diagnostic_not_a_traceback(capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import engine.base.paths

    monkeypatch.setattr(engine.base.paths, "SEEDS_DIR", tmp_path / "no_seeds")
    assert main(["check", str(ROOT / "scenarios")]) == 1
    out = capsys.readouterr().out
    assert out.count("SEED001") == 1 and "cannot read the seed index" in out
    shipped = sum((p / "scenario.yaml").is_file() for p in (ROOT / "scenarios").iterdir())
    assert f"{shipped} scenario(s) checked: 1 error(s)" in out
