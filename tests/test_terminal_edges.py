"""Strange terminals and hostile text: plain mode plays to an ending, prints no control sequence.

Every run is a real `python -m engine play ... --plain` process with piped (or file) stdin: widths
from 20 to 300 columns, TERM=dumb, NO_COLOR, a C locale without PYTHONIOENCODING, stdin from a
file and stdout to a file. The scenario tests/hostile/scenarios/hostile_text carries terminal
control sequences (ESC [2J, OSC 52 clipboard writes, BEL, C1 CSI) and HTML payloads in every
string; none of them may reach the terminal, and the HTML exports must escape every payload.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.helpers import ROOT

HOSTILE_TEXT = ROOT / "tests" / "hostile" / "scenarios" / "hostile_text"
MINI = ROOT / "tests" / "fixtures" / "mini"
# C0 and C1 controls, bidi overrides, and bytes that are not UTF-8 (decoded as surrogate escapes):
# a lone byte 0x9b is a CSI on an 8-bit terminal
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\udc80-\udcff]")


def play_bytes(scenario: Path, tmp: Path, stdin: str, env: dict[str, str] | None = None,
         *args: str) -> subprocess.CompletedProcess[bytes]:
    base = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "TERM")}
    base["CHRONICLE_CACHE"] = str(tmp / "cache")
    return subprocess.run([sys.executable, "-m", "engine", "play", str(scenario), "--plain", "--saves",
                           str(tmp / "saves"), *args], input=stdin.encode(), capture_output=True, timeout=60,
                          env={**base, **(env or {})})


def assert_clean(data: bytes) -> str:
    text = data.decode("utf-8", "surrogateescape")
    bad = CONTROLS.findall(text)
    assert not bad, f"control characters reached the terminal: {bad[:10]}"
    assert "Traceback" not in text
    return text


@pytest.mark.parametrize("choice", ["1", "2"])
def test_hostile_text_plays_without_a_single_control_sequence(tmp_path: Path, choice: str) -> None:
    # every page: the scene, help, sources, disputes, history, status, then the ending
    stdin = "\n".join(["help", "sources", "disputes", "history", "status", "save x", "load", choice, "history",
                       "quit"]) + "\n"
    p = play_bytes(HOSTILE_TEXT, tmp_path, stdin, None, "--student", "\x1b[2J<script>alert(1)</script>",
             "--class", "\x9b31m")
    out, err = assert_clean(p.stdout), assert_clean(p.stderr)
    assert p.returncode == 0, err
    assert "The end" in out and "Clear the screen." in out and "Clipboard write." in out
    assert "52;c;" not in out and "[2J" not in out and "pwned" not in out


def test_hostile_text_in_the_scenario_picker_and_listing(tmp_path: Path) -> None:
    root = tmp_path / "scenarios"
    root.mkdir()
    (root / "hostile_text").symlink_to(HOSTILE_TEXT)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env.update(CHRONICLE_SCENARIOS=str(root), CHRONICLE_SHIPPED="off", CHRONICLE_CACHE=str(tmp_path / "cache"))
    for argv, stdin in ((["play", "--plain", "--saves", str(tmp_path / "s")], "1\n1\n"), (["list"], "")):
        p = subprocess.run([sys.executable, "-m", "engine", *argv], input=stdin.encode(), capture_output=True,
                           timeout=60, env=env)
        assert_clean(p.stdout)
        assert_clean(p.stderr)
        assert p.returncode == 0, p.stderr


class _Markup(HTMLParser):
    """Every element and attribute of a page, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _no_live_markup(html: str) -> None:
    page = _Markup()
    page.feed(html)
    page.close()
    for tag, attrs in page.tags:
        assert tag not in ("script", "iframe", "img", "object", "embed", "frame", "base", "form"), (tag, attrs)
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name, value)
    text = "".join(page.text)
    assert "<script>alert(" in text  # the payloads are there, as text
    assert not CONTROLS.search(html.replace("\n", "").replace("\t", ""))


def test_worksheet_html_escapes_every_payload(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, "-m", "engine", "export", "worksheet", str(HOSTILE_TEXT), "--format", "html"],
                       capture_output=True, timeout=60, env={**os.environ, "CHRONICLE_CACHE": str(tmp_path)})
    assert p.returncode == 0, p.stderr
    html = p.stdout.decode()
    _no_live_markup(html)
    assert "alert('question')" in html.replace("&#x27;", "'").replace("&#39;", "'")


def test_report_and_transcript_html_escape_every_payload(tmp_path: Path) -> None:
    for choice in ("1", "2"):
        p = play_bytes(HOSTILE_TEXT, tmp_path, f"{choice}\nquit\n", None, "--student",
                 "<script>alert('student')</script>", "--class", "<img src=x onerror=alert(9)>")
        assert p.returncode == 0
    transcripts = tmp_path / "saves" / "transcripts"
    files = sorted(transcripts.glob("*.jsonl"))
    assert len(files) == 2
    env = {**os.environ, "CHRONICLE_CACHE": str(tmp_path / "cache")}
    scenarios = str(HOSTILE_TEXT.parent)
    for argv in (["report", str(transcripts), "--format", "html", "--scenarios", scenarios],
                 ["export", "transcript", str(files[0]), "--format", "html", "--scenarios", scenarios]):
        r = subprocess.run([sys.executable, "-m", "engine", *argv], capture_output=True, timeout=60, env=env)
        assert r.returncode == 0, r.stderr
        _no_live_markup(r.stdout.decode())
    for fmt in ("text", "md"):
        r = subprocess.run([sys.executable, "-m", "engine", "report", str(transcripts), "--format", fmt,
                            "--scenarios", scenarios], capture_output=True, timeout=60, env=env)
        assert r.returncode == 0
        assert_clean(r.stdout)


# --- terminals -------------------------------------------------------------------------------------

WALK = "1\n1\n"  # mini: ignore the ultimatum, stand firm -> the historical ending


@pytest.mark.parametrize("columns", [20, 21, 40, 79, 80, 132, 300])
def test_every_width_plays_to_the_end(tmp_path: Path, columns: int) -> None:
    p = play_bytes(MINI, tmp_path, WALK, {"COLUMNS": str(columns), "LINES": "10"})
    out = assert_clean(p.stdout)
    assert p.returncode == 0, p.stderr
    assert "The ministers are taken away." in " ".join(out.split())
    if columns >= 40:
        assert max(len(line) for line in out.splitlines()) <= columns


@pytest.mark.parametrize("env", [
    {"TERM": "dumb"},
    {"NO_COLOR": "1"},
    {"TERM": "xterm-256color", "NO_COLOR": ""},
    {"LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": ""},
    {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": "", "TERM": "dumb"},
    {"LC_ALL": "POSIX", "PYTHONIOENCODING": "latin-1"},
    {"PYTHONIOENCODING": "ascii"},
], ids=["dumb", "no-color", "xterm", "lang-c", "lang-c-dumb", "posix-latin1", "ascii"])
def test_odd_environments_play_to_the_end(tmp_path: Path, env: dict[str, str]) -> None:
    full = {**env}
    if full.get("PYTHONIOENCODING") == "":
        del full["PYTHONIOENCODING"]
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "PYTHONUTF8", "LANG", "LC_ALL")}
    for key in ("LANG", "LC_ALL", "PYTHONUTF8"):
        if key in full:
            base[key] = full[key]
    p = subprocess.run([sys.executable, "-m", "engine", "play", str(HOSTILE_TEXT), "--plain", "--saves",
                        str(tmp_path / "s")], input=b"1\nsources\nquit\n", capture_output=True, timeout=60,
                       env={**base, **full, "CHRONICLE_CACHE": str(tmp_path / "c")})
    assert b"Traceback" not in p.stderr, p.stderr.decode(errors="replace")[-2000:]
    assert p.returncode == 0
    out = p.stdout.decode("utf-8", errors="replace")
    assert "Epilogue" in out and "The end" in out
    assert not CONTROLS.search(out.replace("\ufffd", ""))


def test_stdin_from_a_file_and_stdout_to_a_file(tmp_path: Path) -> None:
    commands = tmp_path / "moves.txt"
    commands.write_bytes(b"help\r\n3\r\n1\r\n1\r\n1\r\n")  # CRLF line ends, as from a Windows editor
    output = tmp_path / "out.txt"
    with commands.open("rb") as fin, output.open("wb") as fout:
        p = subprocess.run([sys.executable, "-m", "engine", "play", str(MINI), "--plain", "--saves",
                            str(tmp_path / "s")], stdin=fin, stdout=fout, stderr=subprocess.PIPE, timeout=60,
                           env={**os.environ, "CHRONICLE_CACHE": str(tmp_path / "c")})
    assert p.returncode == 0, p.stderr
    text = assert_clean(output.read_bytes())
    assert "Still waiting" in text and "The ministers are taken away." in text


def test_binary_garbage_on_stdin(tmp_path: Path) -> None:
    garbage = bytes(range(256)) * 64 + b"\n" + b"\xff" * 10_000 + b"\n1\n1\n"
    p = subprocess.run([sys.executable, "-m", "engine", "play", str(MINI), "--plain", "--saves", str(tmp_path / "s")],
                       input=garbage, capture_output=True, timeout=60,
                       env={**os.environ, "CHRONICLE_CACHE": str(tmp_path / "c")})
    assert b"Traceback" not in p.stderr, p.stderr.decode(errors="replace")[-2000:]
    assert p.returncode == 0
    assert_clean(p.stdout)


def test_a_very_long_input_line(tmp_path: Path) -> None:
    p = play_bytes(MINI, tmp_path, "9" * 2_000_000 + "\n" + "x" * 100_000 + "\n1\n1\n")
    out = assert_clean(p.stdout)
    assert p.returncode == 0 and "The ministers are taken away." in " ".join(out.split())
    assert len(out) < 20_000  # nothing echoed at length
