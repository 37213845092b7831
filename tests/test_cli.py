"""Command-line conventions: `help CMD`, `-V`, and shell completion (commands, options, scenario ids)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import __version__
from engine.cli import COMMANDS, main
from tests.helpers import CLASSROOM, ROOT


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


def test_writing_keeps_links_modes_and_pipes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`-o FILE` writes to what the user named as the shell would: through a link, keeping the mode
    of the file it replaces, and into a pipe or a device as it is (never replacing it by a file)."""
    import stat
    import threading

    from engine.base.durable import write_output

    real = tmp_path / "report.md"
    real.write_text("old\n")
    real.chmod(0o600)  # a report with students' names, kept private
    link = tmp_path / "latest.md"
    link.symlink_to(real)
    assert write_output("new\n", str(link), "chronicle report") == 0
    assert link.is_symlink() and real.read_text() == "new\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()))
    reader.start()
    assert write_output("through the pipe\n", str(pipe), "chronicle map") == 0
    reader.join(timeout=30)
    assert got == [b"through the pipe\n"] and stat.S_ISFIFO(os.stat(pipe).st_mode)
    capsys.readouterr()
    assert write_output("to the screen\n", "", "chronicle map") == 0  # `-o ""`: the screen, as without -o
    assert capsys.readouterr().out == "to the screen\n"


def test_a_file_the_user_may_not_write_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.base import durable

    kept = tmp_path / "kept.md"
    kept.write_text("do not touch\n")
    real_access = os.access
    monkeypatch.setattr(durable.os, "access", lambda p, m: False if Path(p) == kept else real_access(p, m))
    assert durable.write_output("new\n", str(kept), "chronicle export") == 1  # root could, a student cannot
    assert "chronicle export: cannot write" in capsys.readouterr().err and kept.read_text() == "do not touch\n"
    monkeypatch.undo()

    def no_temporary_file(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(durable, "write_atomic", no_temporary_file)  # a writable file in a read-only folder
    assert durable.write_output("new\n", str(kept), "chronicle export") == 0
    assert kept.read_text() == "new\n"
    assert durable.write_output("new\n", str(tmp_path / "fresh.md"), "chronicle export") == 1  # no file to write in
