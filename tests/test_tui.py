"""The full-screen UI, run for real in a pseudo-terminal and read back through a VT100 screen.

Each test starts `python -m engine play ...` under pexpect, types keys, and checks what is on
the emulated screen (tests/vtscreen.py), as a player would see it.
"""

from __future__ import annotations

import codecs
import os
import re
import shutil
import sys
import time
from pathlib import Path

import pexpect  # type: ignore[import-untyped]
import pytest
from vtscreen import Screen

from tests.helpers import ROOT

PLAY = ROOT / "tests" / "fixtures" / "play"
DOWN, ESC, CTRL_C, PGDN, PGUP = "\x1b[B", "\x1b", "\x03", "\x1b[6~", "\x1b[5~"
F1, F2, F6 = "\x1bOP", "\x1bOQ", "\x1b[17~"


class Term:
    def __init__(self, tmp_path: Path, *args: str, rows: int = 24, columns: int = 80,
                 env: dict[str, str] | None = None) -> None:
        full = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CHRONICLE_SAVES", "COLUMNS", "LINES")}
        full.update(CHRONICLE_SCENARIOS=str(PLAY), CHRONICLE_SHIPPED="off", TERM="xterm-256color")
        full["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), full.get("PATH", "")])
        full["PROMPT_TOOLKIT_NO_CPR"] = "1"  # the emulated screen does not answer where the cursor is
        full.update(env or {})
        self.child = pexpect.spawn(sys.executable, ["-m", "engine", "play", *args, "--saves", "saves"],
                                   env=full, dimensions=(rows, columns), cwd=str(tmp_path), timeout=20)
        self.screen = Screen(rows, columns)
        self.raw = bytearray()
        # a character's bytes can arrive in two reads: decoded as a terminal does, never as two wrong ones
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def pump(self, seconds: float = 0.05) -> bool:
        """Read what the app wrote within `seconds` onto the screen; False when it wrote nothing."""
        try:
            data = self.child.read_nonblocking(65536, timeout=seconds)
        except pexpect.TIMEOUT:
            return False
        self.raw.extend(data)
        self.screen.feed(self._decoder.decode(data))
        return True

    def wait(self, text: str, timeout: float = 60) -> None:
        """Until `text` is on the screen, and then the rest of that frame: the text can arrive in one read
        and the rows after it in the next, so what follows a wait sees a whole frame, never half of one."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in self.screen.text:
                while self.pump(0.03) and time.monotonic() < end:
                    pass
                return
            self.pump()
        raise AssertionError(f"{text!r} is not on the screen:\n{self.screen.text}")

    def send(self, keys: str) -> None:
        self.child.send(keys)
        self.pump(0.02)

    def row_of(self, text: str) -> int:
        """The screen row (0-based) where `text` is shown."""
        return next(n for n, line in enumerate(self.screen.lines) if text in line)

    def click(self, row: int, column: int) -> None:
        """A left click (press and release) in SGR mouse encoding, at a 0-based cell."""
        self.send(f"\x1b[<0;{column + 1};{row + 1}M\x1b[<0;{column + 1};{row + 1}m")

    def finish(self) -> int:
        while True:
            try:
                self.pump(0.2)
            except pexpect.EOF:
                break
        self.child.wait()
        return int(self.child.exitstatus if self.child.exitstatus is not None else -1)

    def resize(self, rows: int, columns: int) -> None:
        self.child.setwinsize(rows, columns)
        self.screen = Screen(rows, columns)


def test_play_to_an_ending_save_quit_and_continue(tmp_path: Path) -> None:
    t = Term(tmp_path, "tour")
    t.wait("1. Ignore the ultimatum and stay at the table")
    assert "Malachite Hall, Winter Palace — 25 October 1917 (7 November N.S.), 19:00" in t.screen.lines[0]
    assert "Plead with the fortress for more time — You no longer believe that delay" in t.screen.text
    t.send("sources\r")
    t.wait("In context:")
    t.send(ESC)
    t.wait("3. Wait and listen")
    t.send("1\r")
    t.wait("The messenger leaves without an answer.")  # the note, before the next scene
    t.wait("Now Resolve: 6 (was 5).")  # what the choice changed, without F5
    t.wait("1. Stand firm with the others")
    t.send("help\r")
    t.wait("Commands")
    t.send(ESC)
    t.wait("Now Resolve: 6 (was 5).")  # still there after an overlay
    assert "01:50" in t.screen.lines[0]
    t.send("save mine\r")
    t.wait('Saved as "mine"')
    t.send("quit\r")
    assert t.finish() == 0
    assert b"Your game is saved. To carry on later: python3 -m engine play tour --continue --saves saves" in t.raw
    assert (tmp_path / "saves" / "mine.save.json").is_file()

    t = Term(tmp_path, "--continue")
    t.wait("1. Stand firm with the others")
    t.send("\r")  # Enter takes the selected (first) choice
    t.wait("The end — What really happened")
    t.wait("taken across the river")
    for _ in range(4):
        t.send(PGDN)
    t.wait("Questions for discussion")
    t.wait("Why did the ministers wait for help that never came?")
    t.send(CTRL_C)  # a clean quit
    assert t.finish() == 0
    assert b"Traceback" not in t.raw
    transcripts = list((tmp_path / "saves" / "transcripts").glob("*.jsonl"))
    assert len(transcripts) == 2 and any('"event": "ending"' in f.read_text() for f in transcripts)


def test_arrow_keys_and_enter_choose(tmp_path: Path) -> None:
    t = Term(tmp_path, "tour")
    t.wait("2. Surrender at once")
    t.send(DOWN)
    t.send("\r")
    t.wait("A road not taken")
    t.wait("Surrender")
    t.send("history\r")
    t.wait("You chose: Surrender at once (it did not happen)")
    t.send("\x04")  # Ctrl-D: save and quit
    assert t.finish() == 0
    assert (tmp_path / "saves" / "autosave-tour.save.json").is_file()


def test_widths_20_80_200_and_reflow_on_resize(tmp_path: Path) -> None:
    t = Term(tmp_path, "tour", columns=20)
    t.wait("The ultimatum")
    t.wait("PgDn: more")  # on a narrow screen the choices are below
    t.send(PGDN)
    t.wait("Wait and")
    assert "1. Ignore the" in t.screen.text and "1. Ignore the ultimatum and stay" not in t.screen.text
    assert all(len(line) <= 20 for line in t.screen.lines)
    for columns in (80, 200):
        t.resize(24, columns)
        t.send("help\r")  # a redraw after the resize
        t.wait("Commands")
        t.send(ESC)
        t.wait("Wait and listen")
        assert "1. Ignore the ultimatum and stay at the table" in t.screen.text
        first = next(line for line in t.screen.lines if "The messenger waits" in line)
        if columns == 80:
            assert first == "  The messenger waits by the door of the Malachite Hall while you read the paper"
        else:  # prose keeps a readable measure on a wide screen
            assert 90 <= len(first) <= 100
    t.send("quit\r")
    assert t.finish() == 0


def test_the_picker_and_hostile_text_that_never_reaches_the_terminal(tmp_path: Path) -> None:
    t = Term(tmp_path)
    t.wait("A Night in the Hall")
    t.wait("about 3 minutes")  # the frame may arrive in pieces: its last line
    assert "Hostile text" in t.screen.text
    t.send("\r")  # the first one: Hostile text
    t.wait("Clear the screen now.")
    t.send("sources\r")
    t.wait("A note with an escape.")
    t.send("disputes\r")
    t.wait("Other side quiet")
    t.send("1\r")
    t.wait("Epilogue text.")
    t.send("quit\r")
    assert t.finish() == 0
    raw = bytes(t.raw)
    for bad in (b"52;c;", b"pwned", b"\x07", b"\xc2\x9b", b"\xc2\x9d", b"\xc2\x85", b"\x1bP", b"\x1bc",
                b"\x1b[5m", b"\x1b[8m", b"\xe2\x80\xae"):
        assert bad not in raw, bad


COLOUR = re.compile(rb"\x1b\[[0-9;]*(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m")


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TERM": "dumb"}])
def test_no_color_or_a_dumb_terminal_gives_plain_text(tmp_path: Path, env: dict[str, str]) -> None:
    """Plain text, without colour; a dumb terminal gets no control sequence at all, and NO_COLOR
    keeps the line editor (it moves the cursor, but never colours)."""
    t = Term(tmp_path, "tour", env=env)
    t.child.expect_exact(">")
    t.child.send("1\r")
    t.child.expect_exact("Stand firm")
    t.child.send("quit\r")
    t.child.expect(pexpect.EOF)
    t.child.wait()
    raw = bytes(t.raw) + (t.child.before or b"")
    assert t.child.exitstatus == 0
    assert b"Your game is saved" in raw
    assert not COLOUR.search(raw)
    if env.get("TERM") == "dumb":
        assert b"\x1b" not in raw


def test_the_full_ui_does_not_need_rich_for_its_screens() -> None:
    """The page is styled by engine.play.styled_lines: importing rich's console would cost the first frame."""
    import subprocess

    code = "import sys, engine.play.tui\nprint(sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.')))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                       cwd=Path(__file__).resolve().parent.parent)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_an_invented_scene_is_labelled_in_the_full_ui(tmp_path: Path) -> None:
    from tests.helpers import ours_tour

    t = Term(tmp_path, "tour", env={"CHRONICLE_SCENARIOS": str(ours_tour(tmp_path))})
    t.wait("2. Surrender at once")
    assert "Ours, not the record's" not in t.screen.text
    t.send("2\r")
    t.wait("Ours, not the record's: the surrender and its aftermath")
    t.send("quit\r")
    assert t.finish() == 0


def test_esc_is_a_key_of_its_own_at_once() -> None:
    """Esc used to wait prompt_toolkit's 1 s for an Alt+key. A lone Esc byte can only be told from
    the start of an escape sequence by waiting, so the wait is the setting: 50 ms, and Esc's
    binding is eager (no longer binding waits for more keys). How fast it feels is the machine's
    business, not an assertion on the clock here."""
    import argparse

    from engine.play.launcher import LaunchPlan
    from engine.play.tui import Screen

    screen = Screen(LaunchPlan(None, None, None, None), argparse.Namespace())
    assert screen.app.ttimeoutlen <= 0.1 and screen.app.timeoutlen <= 0.1
    esc = [b for b in screen.app.key_bindings.bindings if [str(k) for k in b.keys] == ["Keys.Escape"]]
    assert esc and all(b.eager() for b in esc)


def test_esc_closes_an_overlay_and_the_next_key_is_not_lost(tmp_path: Path) -> None:
    t = Term(tmp_path, "tour")
    t.wait("3. Wait and listen")
    for _ in range(3):
        t.send(F1)
        t.wait("Commands")
        t.send(ESC)  # alone: the overlay closes, the scene is back
        t.wait("3. Wait and listen")
    t.send(F2)  # Esc and the next keys in one burst, as a fast typist sends them
    t.wait("In context:")
    t.send(ESC + "save noonslot\r")
    t.wait('Saved as "noonslot"')
    t.send("help\r")
    t.wait("Commands")
    t.send(ESC + "1\r")
    t.wait("The messenger leaves without an answer.")
    t.send("quit\r")
    assert t.finish() == 0


def test_a_click_takes_a_choice_and_the_wheel_scrolls(tmp_path: Path) -> None:
    t = Term(tmp_path, "tour", rows=12)
    t.wait("The ultimatum")
    t.send("\x1b[<65;5;5M")  # the wheel, down
    t.wait("2. Surrender at once")
    row = t.row_of("2. Surrender at once")
    t.click(row, 10)
    t.wait("A road not taken")
    t.send("quit\r")
    assert t.finish() == 0
    assert b"Traceback" not in t.raw


def test_the_story_so_far_scrolls_back_through_scenes_and_choices(tmp_path: Path) -> None:
    t = Term(tmp_path, "tour")
    t.wait("1. Ignore the ultimatum")
    t.send("1\r")
    t.wait("1. Stand firm with the others")
    t.send(F6)
    t.wait("You are here.")  # it opens at the end, the current scene
    for _ in range(6):
        t.send(PGUP)
    t.wait("The story so far")
    t.wait("You chose: Ignore the ultimatum and stay at the table")
    assert "The messenger waits by the door" in t.screen.text
    assert "25 October 1917 (7 November N.S.), 19:00" in t.screen.text  # where and when each scene was
    assert "26 October" in t.screen.lines[0]  # and the header: where and when the player is now
    t.send(ESC)
    t.wait("1. Stand firm with the others")
    t.send("quit\r")
    assert t.finish() == 0


def test_an_empty_enter_after_an_error_takes_no_choice(tmp_path: Path) -> None:
    t = Term(tmp_path, "tour")
    t.wait("1. Ignore the ultimatum")
    t.send("xyzzy\r")
    t.wait('"xyzzy" is not a choice or a command. Type help for the list.')
    t.send("\r")
    t.pump(0.3)
    assert "1. Ignore the ultimatum" in t.screen.text and "not a choice" not in t.screen.text
    t.send("\r")  # now Enter takes the highlighted choice, as before
    t.wait("The messenger leaves without an answer.")
    t.send("quit\r")
    assert t.finish() == 0


def _three_choices(tmp_path: Path, *args: str) -> None:
    t = Term(tmp_path, "tour", *args)
    t.wait("3. Wait and listen")
    for keys, seen in (("3\r", "Go back to the table"), ("1\r", "1. Ignore the ultimatum"),
                       ("1\r", "Stand firm with the others")):
        t.send(keys)
        t.wait(seen)
    t.send("quit\r")
    assert t.finish() == 0


def test_starting_again_in_the_full_ui_asks_and_keeps_the_game(tmp_path: Path) -> None:
    from tests.helpers import THREE, kept_games

    _three_choices(tmp_path)
    t = Term(tmp_path, "tour")
    t.wait("Your unfinished game (After midnight")
    t.wait("2. Start again")
    t.send("2\r")
    t.wait("Your earlier game is kept as")
    t.wait("1. Ignore the ultimatum")
    whole = re.compile(r"earlier-tour-\d{4}-\d\d-\d\d-\d{4}\b")  # the name, twice, never cut in two
    assert sum(len(whole.findall(line)) for line in t.screen.lines) == 2, t.screen.text
    t.send("2\r")
    t.wait("A road not taken")
    t.send("undo\r")  # an unfinished game again, of one choice
    t.wait("1. Ignore the ultimatum")
    t.send("1\r")
    t.wait("1. Stand firm with the others")
    t.send("quit\r")
    assert t.finish() == 0
    assert kept_games(tmp_path) == [THREE]

    t = Term(tmp_path)  # from the picker: the same question, answered by Enter (continue)
    t.wait("about 3 minutes")
    t.send(DOWN)
    t.send("\r")
    t.wait("1. Continue it")
    t.send("\r")
    t.wait("1. Stand firm with the others")
    t.send("quit\r")
    assert t.finish() == 0


def test_a_player_name_gets_its_own_autosave_and_the_hint_repeats_it(tmp_path: Path) -> None:
    _three_choices(tmp_path, "--student", "Anna Petrova")
    assert (tmp_path / "saves" / "autosave-tour-anna-petrova.save.json").is_file()
    assert not (tmp_path / "saves" / "autosave-tour.save.json").exists()
    t = Term(tmp_path, "--continue", "--student", "Anna Petrova")
    t.wait("1. Stand firm with the others")
    t.send("quit\r")
    assert t.finish() == 0
    assert (b"python3 -m engine play tour --continue --student 'Anna Petrova' --saves saves"
            in t.raw.replace(b"\r\n", b""))


def test_plain_mode_on_a_terminal_edits_lines_recalls_and_completes(tmp_path: Path) -> None:
    """--plain on a terminal reads with prompt_toolkit's prompt: Tab completes a command, Up
    recalls the last line, Backspace and Left edit it; after each command the choices come back."""
    t = Term(tmp_path, "tour", "--plain")
    t.wait("Type a number to choose")
    t.send("statu\t")
    t.wait("> status")
    t.send("\r")
    t.wait("Warned by the fortress: no")
    t.wait("3. Wait and listen")
    t.send("\x1b[A")  # Up: the last line again
    t.pump(0.3)
    assert "^[[A" not in t.screen.text
    t.send("\x7f\x7f\x7f\x7f\x7f\x7fsources\r")  # edited into another command
    t.wait("Sources for")
    t.send("x1\x1b[D\x7f\r")  # Left, then delete the x: "1"
    t.wait("The messenger leaves without an answer.")
    t.send("\x04")  # Ctrl-D: the end of input
    assert t.finish() == 0
    assert b"Input ended. Your game is saved" in t.raw
    assert b"Traceback" not in t.raw


def test_plain_mode_on_a_terminal_asks_continue_or_start_again(tmp_path: Path) -> None:
    _three_choices(tmp_path)
    t = Term(tmp_path, "tour", "--plain")
    t.wait("2. Start again")
    t.send("2\r")
    t.wait("Your earlier game is kept as")
    t.send("quit\r")
    assert t.finish() == 0
    from tests.helpers import THREE, kept_games

    assert kept_games(tmp_path) == [THREE]


def _edit(path: Path, old: str, new: str) -> None:
    """Save a changed scenario file as an editor does (a new modification time even within the clock's step)."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def test_watch_reloads_the_full_ui_in_place(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios" / "tour"
    shutil.copytree(PLAY / "tour", folder)
    night = folder / "scenes" / "night.yaml"
    t = Term(tmp_path, str(folder), "--watch", columns=160)
    t.wait("1. Ignore the ultimatum and stay at the table")
    t.send("1\r")
    t.wait("1. Stand firm with the others")
    assert "01:50" in t.screen.lines[0]
    # the scene's text changes on disk: the new text, the player still in the same scene, the path replayed
    _edit(night, "the hall fills with armed men.", "the hall fills with sailors and Red Guards.")
    t.wait("the hall fills with sailors and Red Guards.")
    t.wait("1 choice replayed into the new version")
    assert "01:50" in t.screen.lines[0] and "1. Stand firm with the others" in t.screen.text
    # a broken file: its error in the message line, the game goes on in the last version that loaded
    _edit(night, "goto: arrest", "goto: arest")
    t.wait("E201")
    assert "still playing the last version" in " ".join(t.screen.text.split())
    assert "1. Stand firm with the others" in t.screen.text and "01:50" in t.screen.lines[0]
    # fixed again: reloaded where the player was
    _edit(night, "goto: arest", "goto: arrest")
    t.wait("1 choice replayed into the new version")
    assert "E201" not in t.screen.text
    # a step of the path that no longer fits: named, and the player is at the last point that fits
    _edit(night, "      - id: ignore\n", "      - id: stay\n")
    t.wait("no longer fits")
    assert "hall.ignore" in " ".join(t.screen.text.split())
    t.wait("1. Ignore the ultimatum and stay at the table")
    assert "19:00" in t.screen.lines[0]
    t.send("1\r")
    t.wait("1. Stand firm with the others")
    t.send("1\r")
    t.wait("The end")
    t.send(CTRL_C)
    assert t.finish() == 0
    assert b"Traceback" not in t.raw
