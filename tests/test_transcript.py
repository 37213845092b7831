"""The transcript writer and reader, on real files, driven by the real state machine."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from engine import ENGINE_VERSION
from engine.core import machine
from engine.core.model import State, Story
from engine.saves.transcript import MAX_FILE, MAX_LINE, Transcript, file_slug, find_transcripts, read_transcript
from tests.helpers import FIXTURES

STORY = FIXTURES / "mini"

T0 = datetime(2024, 3, 5, 10, 15, 0, tzinfo=timezone(timedelta(hours=3)))


def ticking(start: datetime = T0, step: float = 7.0) -> Callable[[], datetime]:
    now = [start]

    def tick() -> datetime:
        value = now[0]
        now[0] = value + timedelta(seconds=step)
        return value

    return tick


def record_game(t: Transcript, story: Story, picks: list[str], seconds: float = 2.5) -> State:
    state = machine.start(story)
    t.scene(state)
    for cid in picks:
        if cid == "UNDO":
            state = machine.undo(story, state)
            t.undo(state)
        else:
            after = machine.choose(story, state, cid)
            t.choice(story.choices_by_id[cid], after, seconds)
            state = after
        t.scene(state)
    if machine.is_ending(story, state):
        t.ending(state)
    t.close()
    return state


def events(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_file_name_header_and_events(tmp_path: Path, story: Story) -> None:
    folder = tmp_path / "saves" / "transcripts"
    t = Transcript(folder, story, "Anna Petrova", "7B", now=ticking())
    record_game(t, story, ["hall.ignore", "late.brave"], seconds=4.25)
    assert t.error is None
    assert t.path == folder / "20240305-101500-anna-petrova-mini.jsonl"
    evs = events(t.path)
    assert [e["event"] for e in evs] == ["start", "scene", "choice", "scene", "choice", "scene", "ending", "end"]
    head = evs[0]
    assert head == {
        "event": "start", "format": 2, "student": "Anna Petrova", "class": "7B", "scenario": "mini",
        "title": "A Small Night", "content_hash": story.content_hash, "engine": ENGINE_VERSION,
        "started": "2024-03-05T10:15:00+03:00", "game": None, "seed": None, "chapter": None, "given": [],
    }
    assert evs[1]["clock"] == "25 October 1917 (7 November N.S.), 19:00"
    assert evs[1]["place"] == "Malachite Hall, Winter Palace"
    first = evs[2]
    assert first["choice"] == "hall.ignore" and first["mark"] == "historical"
    assert first["historical"] == "hall.ignore" and first["seconds"] == 4.25 and first["scene"] == "hall"
    assert evs[3]["clock"] == "26 October 1917 (8 November N.S.), 01:50"
    assert evs[6] == {"event": "ending", "scene": "arrest", "kind": "historical", "title": "Arrest",
                      "clock": "26 October 1917 (8 November N.S.), 01:50", "step": 2,
                      "path": ["hall.ignore", "late.brave"]}
    assert evs[7] == {"event": "end", "ended": "2024-03-05T10:15:07+03:00"}


def test_read_back_with_undo(tmp_path: Path, story: Story) -> None:
    t = Transcript(tmp_path, story, "Boris", None, now=ticking())
    record_game(t, story, ["hall.ignore", "UNDO", "hall.wait", "hall_again.back", "hall.yield_now"], seconds=3)
    p = read_transcript(t.path)
    assert p.complete and p.problems == []
    assert p.student == "Boris" and p.class_name is None and p.scenario == "mini"
    assert p.choice_ids == ("hall.wait", "hall_again.back", "hall.yield_now")
    assert p.undos == 1
    assert p.ending == "surrender" and p.ending_kind == "counterfactual"
    assert [c.seconds for c in p.choices] == [3.0, 3.0, 3.0]
    assert p.choices[0].historical == "hall.ignore" and p.choices[0].mark == "neutral"  # read back as written


def test_never_overwrites_and_sanitises_names(tmp_path: Path, story: Story) -> None:
    paths = []
    for _ in range(3):
        t = Transcript(tmp_path, story, "../../etc/passwd", "x/y", now=lambda: T0)
        t.close()
        paths.append(t.path)
    assert [p.name for p in paths] == [
        "20240305-101500-etc-passwd-mini.jsonl",
        "20240305-101500-etc-passwd-mini-2.jsonl",
        "20240305-101500-etc-passwd-mini-3.jsonl",
    ]
    assert all(p.parent == tmp_path for p in paths)
    anon = Transcript(tmp_path, story, None, None, now=lambda: T0)
    anon.close()
    assert anon.path.name == "20240305-101500-anonymous-mini.jsonl"
    assert file_slug("Ånna Ló") == "ånna-ló" and file_slug("  ") == "anonymous" and file_slug("a\\b:c") == "a-b-c"


def test_unwritable_folder_sets_error_and_never_raises(tmp_path: Path, story: Story) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    t = Transcript(blocker / "transcripts", story, "Anna", None)
    assert t.error is not None and "cannot write the transcript" in t.error
    record_game(t, story, ["hall.ignore"])  # nothing raises
    first = t.error
    t.close()
    assert t.error == first


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_read_only_folder(tmp_path: Path, story: Story) -> None:
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        t = Transcript(tmp_path, story, "Anna", None)
        record_game(t, story, ["hall.ignore"])
        assert t.error is not None
    finally:
        tmp_path.chmod(stat.S_IRWXU)


def test_write_failure_midway_stops_cleanly(tmp_path: Path, story: Story) -> None:
    t = Transcript(tmp_path, story, "Anna", None)
    state = machine.start(story)
    t.scene(state)
    assert t._fd is not None
    os.close(t._fd)  # the disk goes away under it
    t.scene(state)
    assert t.error is not None
    t.close()
    lines = t.path.read_text().splitlines()
    assert len(lines) == 2  # header and first scene, each whole
    p = read_transcript(t.path)
    assert not p.complete and any("no closing end" in m for m in p.problems)


def test_each_event_is_written_at_once(tmp_path: Path, story: Story) -> None:
    t = Transcript(tmp_path, story, "Anna", None)
    state = machine.start(story)
    t.scene(state)
    # without closing: what a crash would leave is already on disk, line by line
    assert [e["event"] for e in events(t.path)] == ["start", "scene"]
    t.close()


def test_reader_bounds_and_damage(tmp_path: Path, story: Story) -> None:
    t = Transcript(tmp_path, story, "Anna", None, now=ticking())
    record_game(t, story, ["hall.ignore", "late.brave"])
    good = t.path.read_bytes()
    lines = good.split(b"\n")

    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(b"\n".join(lines[:4]) + b"\n" + lines[4][:20])
    p = read_transcript(cut)
    assert not p.complete
    assert any("cut short" in m for m in p.problems) and any("no closing end" in m for m in p.problems)
    assert p.choice_ids == ("hall.ignore",)

    deep = tmp_path / "deep.jsonl"
    deep.write_bytes(lines[0] + b"\n" + b"[" * 100_000 + b"]" * 100_000 + b"\n")
    p = read_transcript(deep)
    assert any("too long" in m or "too deeply" in m for m in p.problems)

    nested = tmp_path / "nested.jsonl"
    nested.write_bytes(lines[0] + b"\n" + b'{"event":"scene","scene":' + b"[" * 50 + b"]" * 50 + b"}\n")
    assert any("too deeply" in m for m in read_transcript(nested).problems)

    long_line = tmp_path / "long.jsonl"
    long_line.write_bytes(lines[0] + b"\n" + b'{"event":"scene","scene":"' + b"x" * MAX_LINE + b'"}\n')
    assert any("too long" in m for m in read_transcript(long_line).problems)

    huge = tmp_path / "huge.jsonl"
    with huge.open("wb") as f:
        f.truncate(MAX_FILE + 1)
    assert any("too large" in m for m in read_transcript(huge).problems)

    junk = tmp_path / "junk.jsonl"
    junk.write_bytes(b"\xff\xfe not json\n")
    p = read_transcript(junk)
    assert not p.complete and p.problems

    not_header = tmp_path / "noheader.jsonl"
    not_header.write_bytes(b"\n".join(lines[1:]))
    assert "header" in read_transcript(not_header).problems[0]

    assert read_transcript(tmp_path / "missing.jsonl").problems


def test_find_transcripts(tmp_path: Path, story: Story) -> None:
    (tmp_path / "a").mkdir()
    for name in ("Anna", "Boris"):
        Transcript(tmp_path / "a", story, name, None, now=lambda: T0).close()
    (tmp_path / "a" / "notes.txt").write_text("x")
    files, problems = find_transcripts([tmp_path / "a", tmp_path / "a", tmp_path / "nope"])
    assert [f.name for f in files] == ["20240305-101500-anna-mini.jsonl", "20240305-101500-boris-mini.jsonl"]
    assert len(problems) == 1 and "nope" in problems[0]


def test_a_resumed_game_is_recorded_with_a_restore_event(tmp_path: Path, story: Story) -> None:
    """`--continue` or `load`: the first scene shown already has a path; the reader follows it."""
    saved = machine.replay(story, ["hall.wait", "hall_again.back"])
    t = Transcript(tmp_path, story, "Anna", None, now=ticking())
    t.scene(saved)  # the game resumes here
    after = machine.choose(story, saved, "hall.ignore")
    t.choice(story.choices_by_id["hall.ignore"], after, 5)
    t.scene(after)
    loaded = machine.replay(story, ["hall.yield_now"])  # a save loaded mid-game
    t.scene(loaded)
    t.ending(loaded)
    t.close()
    kinds = [e["event"] for e in events(t.path)]
    assert kinds == ["start", "restore", "scene", "choice", "scene", "restore", "scene", "ending", "end"]
    assert events(t.path)[1]["path"] == ["hall.wait", "hall_again.back"]
    p = read_transcript(t.path)
    assert p.complete, p.problems
    assert p.choice_ids == ("hall.yield_now",) and p.restores == 2 and p.ending == "surrender"
    assert p.choices[0].seconds is None and p.choices[0].scene == ""


def test_names_cannot_collide_across_computers(tmp_path: Path, story: Story) -> None:
    from engine.core.model import Game

    # two unnamed games started in the same second on two computers, into one shared folder
    a = Transcript(tmp_path, story, None, None, now=ticking(), game=Game("0123456789abcdef", 1))
    b = Transcript(tmp_path, story, None, None, now=ticking(), game=Game("fedcba9876543210", 2))
    assert a.path != b.path and a.path.name.endswith("-0123456789abcdef.jsonl")
    assert "-2." not in b.path.name  # not a counter that a second computer would repeat
    a.close()
    b.close()
    assert (read_transcript(a.path).game, read_transcript(b.path).seed) == ("0123456789abcdef", 2)


def test_a_half_written_last_line_is_ignored_and_the_rest_counts(tmp_path: Path, story: Story) -> None:
    t = Transcript(tmp_path, story, "Kim", None, now=ticking())
    state = machine.start(story)
    t.scene(state)
    after = machine.choose(story, state, "hall.ignore")
    t.choice(story.choices_by_id["hall.ignore"], after, 3)
    t.scene(after)  # then the process is killed: no closing line, a line half written
    with t.path.open("ab") as f:
        f.write(b'{"event": "choice", "choice": "la')
    p = read_transcript(t.path)
    assert p.usable and not p.closed and p.cut_short and not p.complete
    assert p.choice_ids == ("hall.ignore",) and p.serious == []
def test_a_folder_gives_only_the_files_inside_it(tmp_path: Path) -> None:
    """Transcripts read from a folder: a link that leads out of it, or a FIFO, is named with the
    reason and not read (a FIFO would make the read wait for ever)."""
    folder = tmp_path / "class"
    folder.mkdir()
    secret = tmp_path / "secret.jsonl"
    secret.write_text('{"event": "start"}\n', "utf-8")
    (folder / "a.jsonl").write_text('{"event": "start"}\n', "utf-8")
    (folder / "link.jsonl").symlink_to(secret)
    os.mkfifo(folder / "pipe.jsonl")
    files, problems = find_transcripts([folder])
    assert files == [folder / "a.jsonl"]
    assert any("link.jsonl" in p and "outside the folder" in p for p in problems), problems
    assert any("pipe.jsonl" in p and "FIFO" in p for p in problems), problems
    got = read_transcript(folder / "pipe.jsonl")  # named directly: refused, not waited on
    assert got.problems and "FIFO" in got.problems[0]
