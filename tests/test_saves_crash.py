"""SIGKILL at random moments during repeated saves: no slot is ever corrupt, missing or older.

A long-lived helper process (the "zygote") loads the scenario once; each round it forks a
writer that saves to three slots as fast as it can, each save one step longer than the slot's
current version, and the test kills the writer with SIGKILL after a random delay (0-25 ms:
before, during and between the writes and fsyncs). After every round every slot and every
backup must load, be at least as new as before, and replay into exactly the state saved.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.base import durable
from engine.build.loader import load_story
from engine.core import machine
from engine.saves.savefile import decode
from engine.saves.store import SaveStore

FIXTURE = Path(__file__).parent / "fixtures" / "saves" / "vigil"
SLOTS = ("alpha", "beta", "gamma")
ROUNDS = 250

ZYGOTE = r"""
import os, sys
from engine.build.loader import load_story
from engine.core.machine import replay
from engine.saves.store import SaveError, SaveStore

story = load_story(sys.argv[1])
folder = sys.argv[2]
slots = sys.argv[3].split(",")
SaveStore(folder)
print("ready", flush=True)


def writer():
    store = SaveStore(folder)
    i = os.getpid() % len(slots)  # each writer starts at a different slot
    while True:
        slot = slots[i % len(slots)]
        i += 1
        try:
            n = len(store.read(slot).path)
        except SaveError as exc:
            if "no save named" not in exc.message:
                raise
            n = 0
        store.save(slot, story, replay(story, ["hall.pace"] * (n + 1)))


for line in sys.stdin:
    word, _, arg = line.strip().partition(" ")
    if word == "fork":
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                writer()
            except BaseException as exc:
                with open(os.path.join(folder, "..", "writer-error.txt"), "a") as f:
                    f.write(repr(exc) + "\n")
                code = 3
            os._exit(code)
        print(pid, flush=True)
    elif word == "reap":
        _, status = os.waitpid(int(arg), 0)
        print(status, flush=True)
    else:
        break
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigkill_during_saves_never_loses_a_slot(tmp_path: Path) -> None:
    story = load_story(FIXTURE)
    folder = tmp_path / "saves"
    folder.mkdir()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    zygote = subprocess.Popen([sys.executable, "-c", ZYGOTE, str(FIXTURE), str(folder), ",".join(SLOTS)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    assert zygote.stdin is not None and zygote.stdout is not None
    rng = random.Random(20171025)
    seen = {slot: 0 for slot in SLOTS}
    kills_mid_write = 0
    try:
        assert zygote.stdout.readline().strip() == "ready"
        started = time.monotonic()
        for round_ in range(ROUNDS):
            zygote.stdin.write("fork\n")
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline())
            time.sleep(rng.uniform(0, 0.025))
            os.kill(pid, signal.SIGKILL)
            zygote.stdin.write(f"reap {pid}\n")
            zygote.stdin.flush()
            status = int(zygote.stdout.readline())
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (
                (tmp_path / "writer-error.txt").read_text() if (tmp_path / "writer-error.txt").exists()
                else status)
            names = set(os.listdir(folder))
            kills_mid_write += any(n.startswith(durable.TEMP_PREFIX) for n in names)
            for slot in SLOTS:
                if seen[slot] == 0 and f"{slot}.save.json" not in names:
                    continue  # not written yet
                assert f"{slot}.save.json" in names, f"round {round_}: {slot} is missing"
                data = decode((folder / f"{slot}.save.json").read_bytes())
                assert len(data.path) >= seen[slot], f"round {round_}: {slot} went back in time"
                seen[slot] = len(data.path)
                backup = folder / f"{slot}.save.bak.json"
                if backup.exists():
                    assert len(decode(backup.read_bytes()).path) <= seen[slot]
        elapsed = time.monotonic() - started
    finally:
        if zygote.stdin:
            zygote.stdin.write("quit\n")
            zygote.stdin.close()
        zygote.wait(timeout=10)
        if zygote.stdout:
            zygote.stdout.close()
    assert not (tmp_path / "writer-error.txt").exists()
    assert min(seen.values()) > 5, seen  # the writers really wrote, many times
    assert kills_mid_write > 0  # some kills landed mid-write (temporary files were left)
    store = SaveStore(folder)  # cleans what the killed writers left
    assert not any(n.startswith(durable.TEMP_PREFIX) for n in os.listdir(folder))
    for slot in SLOTS:
        loaded = store.load(slot, story)
        assert loaded.notice is None
        assert loaded.state == machine.replay(story, ["hall.pace"] * seen[slot])
        assert store.load(slot, story, use_backup=True).state.path  # the backup is a good save too
    print(f"{ROUNDS} kills in {elapsed:.1f} s; versions {seen}; {kills_mid_write} left a temporary file")
