"""Helpers shared by the tests: the CLI in-process, a real game in a child process, paths, the quote
checker in ../shared (`verify_quotes_tool`) and printing a page to PDF (`pdf_pages`).

Fixtures live in `tests/conftest.py`; plain functions and classes that several test modules
use live here, once.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.cli import main
from engine.core import machine
from engine.core.machine import choice_points
from engine.core.model import Choice, State, Story
from engine.core.order import arrange

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SCENARIOS = ROOT / "scenarios"
CLASSROOM = FIXTURES / "classroom"  # a lesson's scenario and a class's transcripts
PLAY = FIXTURES / "play"  # the tour and the hostile scenario the front-end tests play
PROMPT = "> "
WAIT = 120.0  # a guard against a hung child, never a measure of speed


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`chronicle ARGS` in this process: exit code, stdout, stderr."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def shown_order(story: Story, state: State, seed: int) -> list[Choice]:
    """The open choices in the order a game with `seed` shows them (what a player numbers)."""
    points = choice_points(story, state)
    if state.scene not in story.fixed_order:
        points = tuple(arrange(points, seed, state.scene))
    return [c for c, is_open in points if is_open]


class GameProcess:
    """`chronicle play --plain` in a child process, driven line by line through pipes as a
    student at a keyboard would, and killed with SIGKILL as a closed window or a crash would.

    The test keeps its own copy of the game's state (the machine, the same seed) to know which
    number to type for a choice and what the record should say. Every wait is on the child's
    output (its prompt), never on the clock.
    """

    def __init__(self, story: Story, folder: Path, *args: str, seed: int, state: State | None = None,
                 cwd: Path | None = None) -> None:
        self.story = story
        self.seed = seed
        self.state = machine.start(story) if state is None else state
        self.taken: list[str] = []  # choices made in this process
        env = dict(os.environ, PYTHONIOENCODING="utf-8", NO_COLOR="1")
        env.pop("CHRONICLE_SAVES", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "engine", "play", "--plain", "--saves", str(folder), *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd or folder.parent,
            env=env)
        self.output = ""
        self.screen = self.wait_for_prompt()

    def wait_for_prompt(self) -> str:
        """Read the child's output until it asks for the next line; what it printed since."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        chunks: list[bytes] = []
        deadline = time.monotonic() + WAIT
        while True:
            text = b"".join(chunks).decode("utf-8", "replace")
            if text == PROMPT or text.endswith("\n" + PROMPT):
                self.output += text
                return text
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                self.kill()
                raise AssertionError(f"the game never asked for input; it printed:\n{self.output + text}")
            data = os.read(fd, 65536)
            if not data:
                self.proc.wait()
                stderr = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise AssertionError(f"the game ended ({self.proc.returncode}):\n{self.output + text}\n{stderr}")
            chunks.append(data)

    def type(self, line: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()
        self.screen = self.wait_for_prompt()
        return self.screen

    def open_choices(self) -> list[Choice]:
        return shown_order(self.story, self.state, self.seed)

    def pick(self, choice: Choice) -> None:
        """Type the number the game shows for `choice`; the game has saved it once it asks again."""
        number = self.open_choices().index(choice) + 1
        self.type(str(number))
        self.state = machine.choose(self.story, self.state, choice)
        self.taken.append(choice.id)

    def decide(self, n: int, leave_at: int | None = None) -> None:
        """Make `n` more decisions (scenes with 2+ open choices): what happened, or at decision
        number `leave_at` (from 0) the first other option shown."""
        made = 0
        while made < n and not machine.is_ending(self.story, self.state):
            shown = self.open_choices()
            hist = next((c for c in shown if c.mark == "historical"), shown[0])
            other = next((c for c in shown if c is not hist), None)
            multi = len(shown) > 1
            self.pick(other if multi and made == leave_at and other is not None else hist)
            made += multi

    def to_end(self, leave_at: int | None = None) -> None:
        self.decide(10_000, leave_at)

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or closed by the game."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()

    def quit(self) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None and self.proc.stderr is not None
        self.proc.stdin.write(b"quit\n")
        self.proc.stdin.close()
        rest = self.proc.stdout.read().decode()
        err = self.proc.stderr.read().decode()
        self.proc.wait(timeout=WAIT)
        self.proc.stdout.close()
        self.proc.stderr.close()
        assert self.proc.returncode == 0 and "Traceback" not in err, err
        return rest


THREE = ("hall.wait", "hall_again.back", "hall.ignore")  # the tour's three-choice game of issue 18


def games(tmp_path: Path) -> dict[str, tuple[str, ...]]:
    """Every save in `tmp_path/saves`: slot -> the path of choices it holds."""
    from engine.saves.store import SaveStore

    store = SaveStore(tmp_path / "saves")
    return {i.slot: tuple(store.read(i.slot).path) for i in store.slots()}


def kept_games(tmp_path: Path) -> list[tuple[str, ...]]:
    """The games kept aside when another started (the earlier-* slots)."""
    return [path for slot, path in sorted(games(tmp_path).items()) if slot.startswith("earlier-")]


def ours_tour(tmp_path: Path) -> Path:
    """A copy of the tour whose counterfactual ending is marked as ours (invented)."""
    import shutil

    home = tmp_path / "ours"
    shutil.copytree(PLAY / "tour", home / "tour")
    night = home / "tour" / "scenes" / "night.yaml"
    text = night.read_text(encoding="utf-8")
    night.write_text(text.replace("  surrender:\n", "  surrender:\n    invented: the surrender and its aftermath\n", 1),
                     encoding="utf-8")
    return home


def in_ci() -> bool:
    """True in CI: CI set to anything but empty, 0, false or no."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


VERIFY_QUOTES = ROOT.parent / "shared" / "tools" / "verify_quotes.py"


def verify_quotes_tool() -> Path:
    """The independent quote checker in ../shared/tools. Outside CI a missing copy skips the test that needs it;
    in CI (`in_ci`) it fails with what is missing, so a check can never silently not run."""
    if not VERIFY_QUOTES.exists():
        message = f"{VERIFY_QUOTES} is missing: the shared folder must sit beside the project"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return VERIFY_QUOTES


def pdf_pages(tmp_path: Path, html: str, limit: int) -> None:
    """Print the page to PDF with a headless Chromium (where there is one) and count the A4 pages."""
    import re
    import shutil
    import subprocess

    browser = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
    if browser is None:
        pytest.skip("no headless Chromium on this machine to print the page with")
    src, pdf = tmp_path / "page.html", tmp_path / "page.pdf"
    src.write_text(html, encoding="utf-8")
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", src.as_uri()], capture_output=True, timeout=120, check=False)
    if not pdf.exists():
        pytest.skip(f"{browser} could not print to PDF here")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
    assert 1 <= pages <= limit, f"{pages} pages"
