"""Fault injection: disk errors at every step of saving and of the transcript, kills, signals, EOF, pipes.

Tests run as root, where chmod does not stop a write, so write failures are injected by replacing
os.open / os.write / os.fsync / os.replace / os.link with versions that fail with ENOSPC, EIO or
EACCES at the n-th call, and an unusable saves folder is a path *under a regular file* (ENOTDIR,
even for root). In every case the game goes on, the player is told, and no earlier save is lost.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from engine.core import machine
from engine.core.model import Story
from engine.play.session import Session
from engine.saves.savefile import decode
from engine.saves.store import SaveStore
from engine.saves.transcript import read_transcript
from tests.helpers import ROOT

MINI = ROOT / "tests" / "fixtures" / "mini"
STORY = MINI
TOUR = ROOT / "tests" / "fixtures" / "play" / "tour"
CALLS = ("open", "write", "fsync", "replace", "link", "close")
ERRORS = (errno.ENOSPC, errno.EIO, errno.EACCES)


@contextmanager
def failing(call: str, nth: int, code: int) -> Iterator[list[int]]:
    """Make the nth call (0-based) of os.<call> from now on fail with OSError(code); yields [calls seen]."""
    real: Callable[..., Any] = getattr(os, call)
    seen = [0]

    def fake(*args: Any, **kwargs: Any) -> Any:
        n = seen[0]
        seen[0] += 1
        if n == nth:
            if call == "close":
                real(*args, **kwargs)
            raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)

    setattr(os, call, fake)
    try:
        yield seen
    finally:
        setattr(os, call, real)


def _count(call: str, action: Callable[[], Any]) -> int:
    with failing(call, 10**9, 0) as seen:
        action()
    return seen[0]


@pytest.mark.parametrize("call", CALLS)
def test_a_save_that_fails_at_any_step_leaves_the_previous_save_intact(story: Story, tmp_path: Path,
                                                                       call: str) -> None:
    store = SaveStore(tmp_path)
    first = machine.replay(story, ["hall.ignore"])
    second = machine.replay(story, ["hall.ignore", "late.brave"])
    store.save("slot", story, first)
    store.save("slot", story, first)  # a backup exists too
    total = _count(call, lambda: store.save("probe", story, second))
    assert total or call in ("link",)
    for nth in range(total):
        for code in ERRORS:
            before = sorted(p.name for p in tmp_path.iterdir())
            with failing(call, nth, code):
                try:
                    store.save("slot", story, second)
                except Exception as exc:  # noqa: BLE001 - only SaveError is allowed out
                    assert type(exc).__name__ == "SaveError", exc
            loaded = store.load("slot", story).state
            assert loaded in (first, second), (call, nth, code)
            assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")], (call, nth)
            if loaded == first:
                assert sorted(p.name for p in tmp_path.iterdir()) == before
            store.save("slot", story, first)
            store.save("slot", story, first)


@pytest.mark.parametrize("call", ("open", "write", "fsync", "replace"))
def test_a_session_goes_on_and_tells_the_player_when_the_disk_fails(story: Story, tmp_path: Path,
                                                                    call: str) -> None:
    for code in ERRORS:
        folder = tmp_path / f"{call}-{code}"
        store = SaveStore(folder)
        session = Session(story, store=store, transcripts=folder / "transcripts", clock=lambda: 0.0)
        session.begin()
        session.handle("save keep")
        kept = store.load("keep", story).state
        with failing(call, 0, code):
            first = session.handle("1")
            notices = session.take_notices()
            failed_save = session.handle("save keep")
        assert first.page == "scene" and session.state.scene == "late"
        said = " ".join(t for _, t in notices + first.messages + failed_save.messages)
        assert "Not saved" in said or "could not" in said or "goes on" in said, said
        assert store.load("keep", story).state in (kept, machine.replay(story, ["hall.ignore"]))
        reply = session.handle("1")  # the game goes on
        assert reply.page == "scene" and session.is_ending()
        session.close()


def test_a_saves_folder_under_a_regular_file_is_reported_and_the_game_runs(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    p = subprocess.run([sys.executable, "-m", "engine", "play", str(MINI), "--plain", "--saves",
                        str(blocker / "saves")], input="save x\n1\n1\n", capture_output=True, text=True,
                       timeout=60, env={**os.environ, "CHRONICLE_CACHE": "off"})
    assert p.returncode == 0 and "Traceback" not in p.stderr + p.stdout
    assert "will not be saved" in p.stdout or "cannot be used" in p.stdout + p.stderr
    assert "The ministers are taken away." in " ".join(p.stdout.split())
    p = subprocess.run([sys.executable, "-m", "engine", "play", "--continue", "--plain", "--saves",
                        str(blocker / "saves")], input="", capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "Traceback" not in p.stderr and "cannot be used" in p.stderr


def test_transcript_write_errors_never_stop_the_game(story: Story, tmp_path: Path) -> None:
    for nth in range(6):
        for code in ERRORS:
            folder = tmp_path / f"{nth}-{code}"
            folder.mkdir()
            session = Session(story, store=None, transcripts=folder, clock=lambda: 0.0)
            with failing("write", nth, code):
                session.begin()
                session.handle("1")
                session.handle("undo")
                session.handle("1")
                session.handle("1")
                session.close()
            assert session.is_ending()
            told = session.take_notices()
            assert len(told) <= 1
            for f in folder.glob("*.jsonl"):
                p = read_transcript(f)
                assert p.scenario in ("", "mini")


# --- SIGKILL during saves and transcripts -------------------------------------------------------------

ROUNDS = 120


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigkill_while_playing_never_leaves_a_corrupt_save_or_transcript(story: Story, tmp_path: Path) -> None:
    rng = random.Random(1917)
    saves = tmp_path / "saves"
    store = SaveStore(saves)
    moves = ["1", "1", "restart", "yes", "3", "1", "2", "undo", "save alpha", "restart", "yes", "save beta"]
    for _ in range(ROUNDS):
        pid = os.fork()
        if pid == 0:  # the child plays as fast as it can until killed
            try:
                s = Session(story, store=SaveStore(saves), transcripts=saves / "transcripts", clock=lambda: 0.0)
                s.begin()
                while True:
                    for m in moves:
                        s.handle(m)
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0, 0.03))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    for info in store.slots():
        assert info.problem is None, (info.slot, info.problem)
        state = store.load(info.slot, story).state
        assert state == machine.replay(story, state.path)
        if store.backup_available(info.slot):
            store.load(info.slot, story, use_backup=True)
    for f in (saves / "transcripts").glob("*.jsonl"):
        lines = f.read_bytes().split(b"\n")
        for line in lines[:-1]:  # every line but a cut-off last one is whole JSON
            json.loads(line)
        read_transcript(f)
    for f in saves.glob("*.save.json"):
        decode(f.read_bytes())


# --- SIGINT, EOF and a closed pipe at every prompt --------------------------------------------------

INPUTS = ["help", "3", "1", "status", "1", "1"]  # tour: every prompt up to an ending


def _spawn(tmp: Path, saves: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "engine", "play", str(TOUR), "--plain", "--saves", str(saves)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp,
                            env={**os.environ, "CHRONICLE_CACHE": str(tmp / "cache")})


def _until_prompt(p: subprocess.Popen[bytes], prompts: int) -> bytes:
    assert p.stdout is not None
    seen = b""
    while seen.count(b"> ") < prompts:
        chunk = os.read(p.stdout.fileno(), 4096)
        if not chunk:
            break
        seen += chunk
    return seen


@pytest.mark.parametrize("at", range(len(INPUTS) + 1))
def test_eof_at_every_prompt_autosaves_and_exits_0(tmp_path: Path, at: int) -> None:
    saves = tmp_path / "s"
    p = subprocess.run([sys.executable, "-m", "engine", "play", str(TOUR), "--plain", "--saves", str(saves)],
                       input="".join(i + "\n" for i in INPUTS[:at]).encode(), capture_output=True, timeout=60,
                       env={**os.environ, "CHRONICLE_CACHE": str(tmp_path / "cache")})
    assert p.returncode == 0 and b"Traceback" not in p.stderr, p.stderr
    assert list(saves.glob("autosave-*.save.json"))


@pytest.mark.parametrize("at", range(1, len(INPUTS) + 1))
def test_sigint_and_a_closed_pipe_at_every_prompt(tmp_path: Path, at: int) -> None:
    for how in ("sigint", "pipe"):
        saves = tmp_path / how
        p = _spawn(tmp_path, saves)
        assert p.stdin is not None and p.stdout is not None
        for line in INPUTS[: at - 1]:
            p.stdin.write(line.encode() + b"\n")
        p.stdin.flush()
        _until_prompt(p, at)
        if how == "sigint":
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=30)
            assert p.returncode == 130, (p.returncode, err)
        else:
            p.stdout.close()
            p.stdin.write(b"help\nhistory\nsources\n")
            p.stdin.close()
            p.wait(timeout=30)
            assert p.stderr is not None
            err = p.stderr.read()
            assert p.returncode in (0, 1), (p.returncode, err)
        assert b"Traceback" not in err and b"Exception ignored" not in err, err.decode(errors="replace")
        autosaves = list(saves.glob("autosave-*.save.json"))
        assert autosaves, how
        decode(autosaves[0].read_bytes())
