"""`chronicle play` in plain mode, as a real process: golden playthroughs and the edges of input.

Golden files live in tests/golden/; after a deliberate change to what the player sees,
regenerate them with `CHRONICLE_BLESS=1 python -m pytest tests/test_plain.py` and read
the diff before committing.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, THREE, games, kept_games, ours_tour

PLAY = ROOT / "tests" / "fixtures" / "play"
GOLDEN = ROOT / "tests" / "golden"
ESCAPES = re.compile("[\x1b\x07\x9b\x9d\x9c\x90]")


def env_for(columns: int = 80, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CHRONICLE_SAVES", "TERM")}
    env.update(CHRONICLE_SCENARIOS=str(PLAY), CHRONICLE_SHIPPED="off", COLUMNS=str(columns), LINES="24",
               PYTHONIOENCODING="utf-8")
    # this python first on the PATH, so the exit hint names it "python3 -m engine" on every machine
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    env.update(extra)
    return env


def play(tmp_path: Path, *args: str, lines: list[str] | None = None, columns: int = 80,
         **extra: str) -> subprocess.CompletedProcess[str]:
    text = "".join(f"{line}\n" for line in lines or [])
    return subprocess.run([sys.executable, "-m", "engine", "play", *args, "--saves", "saves"],  # in tmp_path
                          input=text, capture_output=True, text=True, encoding="utf-8", env=env_for(columns, **extra),
                          timeout=30, cwd=tmp_path)


def golden(name: str, output: str) -> None:
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("CHRONICLE_BLESS"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(output, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with CHRONICLE_BLESS=1 to write it"
    assert output == path.read_text(encoding="utf-8")


HISTORICAL = ["sources", "disputes", "1", "history", "status", "1"]
@pytest.mark.parametrize("columns", [20, 80, 200])
def test_golden_historical_playthrough(tmp_path: Path, columns: int) -> None:
    r = play(tmp_path, "tour", lines=HISTORICAL, columns=columns)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    golden(f"tour_historical_{columns}", r.stdout)
    assert max(len(line) for line in r.stdout.splitlines()) <= columns
    assert not ESCAPES.search(r.stdout)
    # the debrief, after the epilogue, then the questions
    out = " ".join(r.stdout.split())
    assert out.index("taken across the river") < out.index("Debrief") < out.index("Questions for discussion")


def test_golden_counterfactual_playthrough_with_departures(tmp_path: Path) -> None:
    lines = ["3", "1", "help", "undo", "1", "2", "undo", "4", "2", "sources"]
    r = play(tmp_path, "tour", lines=lines)
    assert r.returncode == 0, r.stderr
    golden("tour_counterfactual_80", r.stdout)
    debrief = r.stdout[r.stdout.index("Debrief"):]
    assert "Where you left the record" in debrief
    assert "you chose: Surrender at once" in debrief
    assert "What really happened: Ignore the ultimatum and stay at the table" in debrief
    assert "What the Aurora fired" in debrief  # the dispute passed through


def test_golden_hostile_text_prints_no_control_sequence(tmp_path: Path) -> None:
    r = play(tmp_path, "hostile", lines=["sources", "disputes", "status", "history", "1"])
    assert r.returncode == 0, r.stderr
    golden("hostile_80", r.stdout)
    raw = r.stdout.encode("utf-8")
    for bad in (b"\x1b", b"\x07", b"\xc2\x9b", b"\xc2\x9d", b"\xc2\x85", b"\x08", b"\r", b"\xe2\x80\xae"):
        assert bad not in raw
    assert "52;c;" not in r.stdout and "pwned" not in r.stdout
    assert "Clear the screen now." in r.stdout and "Epilogue text." in r.stdout


def test_golden_picker(tmp_path: Path) -> None:
    r = play(tmp_path, lines=["7", "2", "quit"])
    assert r.returncode == 0, r.stderr
    golden("picker_80", r.stdout)
    assert "A Night in the Hall" in r.stdout and "25 October 1917 (7 November N.S.)" in r.stdout
    assert "Type a number from 1 to 2" in r.stdout
    assert "The ultimatum" in r.stdout  # tour started


def test_no_color_output_has_no_escape_bytes(tmp_path: Path) -> None:
    r = play(tmp_path, "tour", lines=HISTORICAL, NO_COLOR="1")
    assert r.returncode == 0 and r.stdout and not ESCAPES.search(r.stdout)


def test_eof_in_the_middle_of_a_scene_leaves_an_autosave(tmp_path: Path) -> None:
    r = play(tmp_path, "tour", lines=["1"])
    assert r.returncode == 0, r.stderr
    assert "Input ended. Your game is saved" in r.stdout
    assert (tmp_path / "saves" / "autosave-tour.save.json").is_file()
    again = play(tmp_path, "--continue", lines=["history"])
    assert again.returncode == 0, again.stderr
    first_screen = again.stdout.split("> ")[0]
    assert "After midnight" in first_screen and "Stand firm" in first_screen
    assert "You chose: Ignore the ultimatum and stay at the table" in again.stdout


def test_load_a_named_save_without_naming_the_scenario(tmp_path: Path) -> None:
    r = play(tmp_path, "tour", lines=["3", "save waiting"])
    assert 'Saved as "waiting"' in r.stdout
    again = play(tmp_path, "--load", "waiting", lines=[])
    assert again.returncode == 0, again.stderr
    header = "Malachite Hall, Winter Palace — 25 October 1917 (7 November N.S.), after 19:00"
    assert again.stdout.startswith(f"{header}\nStill waiting")


def test_a_class_asks_for_the_name_and_the_transcript_has_it(tmp_path: Path) -> None:
    r = play(tmp_path, "tour", "--class", "7B", lines=["Anna Petrova", "2"])
    assert r.returncode == 0, r.stderr
    assert "Class 7B: type your name" in r.stdout
    (transcript,) = (tmp_path / "saves" / "transcripts").glob("*.jsonl")
    events = [json.loads(line) for line in transcript.read_text().splitlines()]
    assert events[0]["student"] == "Anna Petrova" and events[0]["class"] == "7B"
    assert [e["event"] for e in events][-2:] == ["ending", "end"]


def test_errors_at_start_are_clear(tmp_path: Path) -> None:
    r = play(tmp_path, "tuor")
    assert r.returncode == 1 and 'did you mean "tour"?' in r.stderr and "Traceback" not in r.stderr
    r = play(tmp_path, "--continue")
    assert r.returncode == 1 and "no game to continue" in r.stderr


def test_ctrl_c_exits_130_without_a_traceback(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "engine", "play", "tour", "--saves", str(tmp_path / "saves")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env_for(), cwd=tmp_path)
    assert proc.stdout is not None and proc.stdin is not None
    seen = b""
    deadline = time.monotonic() + 20
    while b"> " not in seen and time.monotonic() < deadline:
        seen += os.read(proc.stdout.fileno(), 4096)
    assert b"> " in seen
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err


def test_a_closed_pipe_is_a_quiet_exit(tmp_path: Path) -> None:
    script = (f'yes sources | "{sys.executable}" -m engine play tour --saves "{tmp_path / "saves"}" | head -n 3; '
              'echo "status=${PIPESTATUS[1]}"')
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env_for(), timeout=60,
                       cwd=tmp_path)
    assert r.stdout.splitlines()[0].startswith("Malachite Hall")
    assert r.stdout.splitlines()[-1] == "status=0"
    assert r.stderr == ""


def test_plain_mode_never_imports_rich_or_prompt_toolkit(tmp_path: Path) -> None:
    code = ("import sys\nfrom engine.cli import main\n"
            f"rc = main(['play', 'tour', '--saves', {str(tmp_path / 'saves')!r}])\n"
            "print('LOADED', sorted(m for m in ('rich', 'prompt_toolkit') if m in sys.modules), rc)")
    r = subprocess.run([sys.executable, "-c", code], input="1\nsources\n", capture_output=True, text=True,
                       env=env_for(), timeout=30, cwd=tmp_path)
    assert r.stdout.splitlines()[-1] == "LOADED [] 0", r.stderr


def test_an_invented_scene_is_labelled_in_play_and_in_the_debrief(tmp_path: Path) -> None:
    r = play(tmp_path, "tour", lines=["2"], CHRONICLE_SCENARIOS=str(ours_tour(tmp_path)))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    first = out.index("[Ours, not the record's: the surrender and its aftermath]")
    assert out.index("Surrender") < first < out.index("You give up before the night is out.")
    debrief = out[out.index("Debrief: your path beside the record"):]
    assert "What was ours on your path (invented, not in the record)" in debrief
    assert '- "Surrender": the surrender and its aftermath' in debrief
    # a scene that is not marked carries no label
    assert out.count("Ours, not the record's") == 1
def test_closed_stdin_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    """`chronicle play malachite_hall <&-`: standard input closed (Python sees None)."""
    done = subprocess.run([sys.executable, "-m", "engine", "play", "malachite_hall", "--saves", str(tmp_path)],
                          capture_output=True, text=True, timeout=60, preexec_fn=lambda: os.close(0),  # noqa: PLW1509
                          cwd=Path(__file__).resolve().parent.parent, check=False)
    assert done.returncode == 1, done.stderr
    assert "standard input is closed" in done.stderr and "Traceback" not in done.stderr


STARTS_AGAIN = {
    "--new": (["tour", "--new"], ["1"]),
    "restart": (["tour", "--continue"], ["restart", "yes", "1"]),
    "load another save": (["tour", "--load", "other"], ["2"]),
    "load in the game": (["tour", "--continue"], ["load other", "2"]),
    "--continue, restart, --new": (["tour", "--continue"], ["restart", "yes"]),
}


@pytest.mark.parametrize("way", list(STARTS_AGAIN))
def test_the_three_choice_game_survives_every_way_of_starting_again(tmp_path: Path, way: str) -> None:
    first = play(tmp_path, "tour", lines=["3", "1", "1", "quit"])
    assert "Your game is saved" in first.stdout and games(tmp_path) == {"autosave-tour": THREE}
    play(tmp_path, "tour", "--new", lines=["save other"])  # another save to load
    assert THREE in kept_games(tmp_path)
    play(tmp_path, "--load", kept_slot(tmp_path), lines=["quit"])  # the three-choice game, back in the autosave
    assert games(tmp_path)["autosave-tour"] == THREE
    for slot in [s for s in games(tmp_path) if s.startswith("earlier-")]:
        (tmp_path / "saves" / f"{slot}.save.json").unlink()
    args, lines = STARTS_AGAIN[way]
    r = play(tmp_path, *args, lines=lines)
    assert r.returncode == 0, r.stderr
    if way == "--continue, restart, --new":
        play(tmp_path, "tour", "--new", lines=["1", "1"])
    kept = kept_games(tmp_path)
    assert THREE in kept, (way, games(tmp_path), r.stdout)
    assert "Your earlier game is kept as" in r.stdout
    again = play(tmp_path, "--load", kept_slot(tmp_path, THREE), lines=["history"])
    assert "You chose: Wait and listen" in again.stdout and "After midnight" in again.stdout


def kept_slot(tmp_path: Path, path: tuple[str, ...] = THREE) -> str:
    return next(slot for slot, p in sorted(games(tmp_path).items()) if p == path and slot.startswith("earlier-"))


def test_piped_input_without_a_flag_continues_and_says_so(tmp_path: Path) -> None:
    play(tmp_path, "tour", lines=["3", "1", "1"])
    r = play(tmp_path, "tour", lines=["1"])
    assert "Your unfinished game (After midnight" in r.stdout and "continues" in r.stdout
    assert "To start again instead: python3 -m engine play tour --new --saves saves" in " ".join(r.stdout.split())
    assert games(tmp_path)["autosave-tour"] == (*THREE, "late.brave")


def test_saves_list_shows_the_kept_game(tmp_path: Path) -> None:
    play(tmp_path, "tour", lines=["3", "1", "1"])
    play(tmp_path, "tour", "--new", lines=[])
    r = subprocess.run([sys.executable, "-m", "engine", "saves", "list", "--saves", "saves"], capture_output=True,
                       text=True, env=env_for(), timeout=30, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert kept_slot(tmp_path) in r.stdout and "earlier-tour-" in r.stdout


def test_saves_per_player_and_continue_without_a_name_lists_them(tmp_path: Path) -> None:
    play(tmp_path, "tour", "--student", "Anna", lines=["1"])
    play(tmp_path, "tour", "--student", "Boris Godunov", lines=["3"])
    assert {"autosave-tour-anna", "autosave-tour-boris-godunov"} == set(games(tmp_path))
    r = play(tmp_path, "--continue", "--student", "anna", lines=["history"])
    assert r.returncode == 0, r.stderr
    assert "You chose: Ignore the ultimatum" in r.stdout
    r = play(tmp_path, "--continue", lines=[])
    assert r.returncode == 1
    assert "holds the games of several players" in r.stderr
    assert "play --continue --student anna --saves saves" in r.stderr
    assert "play --continue --student boris-godunov --saves saves" in r.stderr
    r = play(tmp_path, "--continue", "--student", "Clara", lines=[])
    assert r.returncode == 1 and "Clara has no game to continue" in r.stderr


def test_a_missing_separator_and_an_empty_line_after_an_error(tmp_path: Path) -> None:
    r = play(tmp_path, "tour", lines=["xyzzy", "", "status"])
    out = r.stdout
    assert '! "xyzzy" is not a choice or a command. Type help for the list.' in out
    after = out.split("> \n", 1)[1]  # the empty line: the choices again, nothing taken
    assert after.lstrip().startswith("1. Ignore the ultimatum") and "After midnight" not in out
    assert out.rstrip().count("1. Ignore the ultimatum") == 4  # the scene, the error, Enter, status


def test_continue_new_and_load_conflicts_are_clear(tmp_path: Path) -> None:
    r = play(tmp_path, "tour", "--continue", "--new")
    assert r.returncode == 1 and "--new starts a new game" in r.stderr
    r = play(tmp_path, "tour", "--continue")
    assert r.returncode == 1 and "There is no game of tour to continue" in r.stderr
    assert "Start one with: python3 -m engine play --saves saves" in r.stderr
    play(tmp_path, "tour", lines=["3"])
    r = play(tmp_path, "tour", "--continue", lines=["history"])
    assert r.returncode == 0 and "Your game continues." in r.stdout and "You chose: Wait and listen" in r.stdout


def test_watch_reloads_the_scenario_and_keeps_the_place(tmp_path: Path) -> None:
    """`play --watch`: a file saved while the game waits is loaded again, the path replayed into it;
    a broken save is reported and the game goes on in the last version that loaded."""
    import shutil

    home = tmp_path / "home"
    shutil.copytree(PLAY / "tour", home / "tour")
    night = home / "tour" / "scenes" / "night.yaml"
    proc = subprocess.Popen([sys.executable, "-m", "engine", "play", "tour", "--watch", "--saves",
                             str(tmp_path / "saves")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env_for(CHRONICLE_SCENARIOS=str(home)), cwd=tmp_path)
    assert proc.stdout is not None and proc.stdin is not None

    def until(word: bytes) -> bytes:
        """Read until `word` has come and the game asks for the next line (so no prompt is left in
        the pipe to be mistaken for the next one)."""
        seen = b""
        deadline = time.monotonic() + 30
        while not (word in seen and seen.endswith(b"> ")) and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break  # a guard against a hung game: fail with what it printed, never block
            chunk = os.read(proc.stdout.fileno(), 4096)  # type: ignore[union-attr]
            if not chunk:
                break
            seen += chunk
        assert word in seen, seen.decode("utf-8", "replace")[-2000:]
        return seen

    try:
        until(b"3. Wait and listen")
        proc.stdin.write(b"3\n")
        proc.stdin.flush()
        until(b"> ")
        text = night.read_text(encoding="utf-8")
        night.write_text(text.replace("Nothing changes.", "Nothing changes, and the clock ticks.", 1)
                         if "Nothing changes." in text else text + "\n", encoding="utf-8")
        st = night.stat()
        os.utime(night, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000))
        proc.stdin.write(b"status\n")
        proc.stdin.flush()
        seen = until(b"choice replayed into the new version")
        assert b"Traceback" not in seen
        night.write_text(night.read_text(encoding="utf-8").replace("goto:", "goto: [", 1), encoding="utf-8")
        st = night.stat()
        os.utime(night, ns=(st.st_atime_ns, st.st_mtime_ns + 4_000_000))
        proc.stdin.write(b"status\n")
        proc.stdin.flush()
        seen = until(b"still playing the last version")
        proc.stdin.write(b"quit\n")
        proc.stdin.flush()
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0 and b"Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
