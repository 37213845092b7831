"""Command-line conventions: `help CMD`, `-V`, and shell completion (commands, options, scenario ids)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import __version__
from engine.cli import COMMANDS, main
from tests.helpers import ROOT


def test_help_command_is_the_commands_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["help", "list"]) == 0
    via_help = capsys.readouterr().out
    assert main(["list", "--help"]) == 0
    assert via_help == capsys.readouterr().out and "usage: chronicle list" in via_help
    assert main(["help"]) == 0
    assert "help COMMAND" in capsys.readouterr().out
    assert main(["help", "lsit"]) == 2
    assert "list" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([flag]) == 0
    assert capsys.readouterr().out == f"chronicle {__version__}\n"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(shell: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    assert "chronicle" in script and "_ARGCOMPLETE" in script


def complete(line: str, tmp_path: Path) -> list[str]:
    """What the shell gets for `line` with the cursor at its end (argcomplete's protocol, as bash runs it)."""
    out = tmp_path / "completions"
    env = {**os.environ, "_ARGCOMPLETE": "1", "_ARGCOMPLETE_SHELL": "bash", "COMP_LINE": line,
           "COMP_POINT": str(len(line)), "_ARGCOMPLETE_STDOUT_FILENAME": str(out), "_ARGCOMPLETE_IFS": "\n"}
    proc = subprocess.run([sys.executable, "-m", "engine"], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return sorted(x.strip() for x in out.read_text(encoding="utf-8").split("\n") if x.strip())


def test_completion_of_commands_options_and_scenario_ids(tmp_path: Path) -> None:
    assert set(complete("chronicle ", tmp_path)) >= set(COMMANDS) | {"help"}
    assert complete("chronicle li", tmp_path) == ["list"]
    assert complete("chronicle check --str", tmp_path) == ["--strict"]
    assert complete("chronicle play mal", tmp_path) == ["malachite_hall"]
    assert "duma_march" in complete("chronicle sources ", tmp_path)


CLASSROOM = ROOT / "tests" / "fixtures" / "classroom"
# every command that writes a document to -o FILE (engine.base.durable.write_output)
WRITERS = {
    "report": ["report", str(CLASSROOM / "class"), "--scenarios", str(CLASSROOM)],
    "export worksheet": ["export", "worksheet", str(CLASSROOM / "lesson")],
    "export html": ["export", "html", str(CLASSROOM / "lesson")],
    "map": ["map", str(CLASSROOM / "lesson"), "--format", "mermaid"],
    "timeline": ["timeline", str(ROOT / "scenarios" / "duma_march")],
    "schema": ["schema"],
}


@pytest.mark.parametrize("command", list(WRITERS))
def test_every_document_writer_writes_the_file_or_says_why_not(command: str, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    args = WRITERS[command]
    assert main(args) == 0
    shown = capsys.readouterr().out
    target = tmp_path / "out.txt"
    assert main([*args, "-o", str(target)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and f"wrote {target}" in captured.err
    assert target.read_text(encoding="utf-8") == shown  # the same document the screen shows
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary file left
    missing = tmp_path / "no such folder" / "out.txt"
    assert main([*args, "-o", str(missing)]) == 1  # a message, never a traceback
    err = capsys.readouterr().err
    assert f"chronicle {command.split()[0]}: cannot write {missing}" in err and "Traceback" not in err
