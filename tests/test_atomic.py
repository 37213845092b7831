"""Durable writes and bounded reads on real files, with injected disk failures."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from engine.base import durable
from engine.base.durable import ReadRefused, clean_temp, read_capped, write_atomic


def temps(folder: Path) -> list[str]:
    return [n for n in os.listdir(folder) if n.startswith(durable.TEMP_PREFIX)]


def enospc(*_args: Any, **_kw: Any) -> Any:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_write_atomic_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    write_atomic(target, b"one")
    assert target.read_bytes() == b"one"
    write_atomic(target, b"two" * 100_000)
    assert target.read_bytes() == b"two" * 100_000
    assert temps(tmp_path) == []


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_failure_leaves_target_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    target = tmp_path / "a.json"
    write_atomic(target, b"old")
    monkeypatch.setattr(os, where, enospc)
    with pytest.raises(OSError) as info:
        write_atomic(target, b"new")
    monkeypatch.undo()
    assert info.value.errno == errno.ENOSPC
    assert target.read_bytes() == b"old"
    assert temps(tmp_path) == []


def test_short_writes_are_completed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.write

    def dribble(fd: int, data: Any) -> int:
        return real(fd, bytes(data[:3]))

    monkeypatch.setattr(os, "write", dribble)
    write_atomic(tmp_path / "a", b"0123456789")
    monkeypatch.undo()
    assert (tmp_path / "a").read_bytes() == b"0123456789"


def test_failure_in_the_middle_of_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a"
    write_atomic(target, b"old")
    real = os.write
    calls = []

    def half(fd: int, data: Any) -> int:
        calls.append(1)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "full")
        return real(fd, bytes(data[:2]))

    monkeypatch.setattr(os, "write", half)
    with pytest.raises(OSError):
        write_atomic(target, b"new data")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert temps(tmp_path) == []


def test_before_replace_runs_after_the_data_is_written(tmp_path: Path) -> None:
    target = tmp_path / "a"
    seen: list[list[str]] = []
    write_atomic(target, b"x", before_replace=lambda: seen.append(temps(tmp_path)))
    assert len(seen) == 1 and len(seen[0]) == 1  # the temporary file existed, complete


def test_read_capped_refuses_by_size_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big"
    with open(big, "wb") as f:
        f.truncate(100 * 1024 * 1024)  # sparse: 100 MB
    reads = []
    real = os.read

    def spy(fd: int, n: int) -> bytes:
        reads.append(n)
        return real(fd, n)

    monkeypatch.setattr(os, "read", spy)
    with pytest.raises(ReadRefused) as info:
        read_capped(big, 1 << 20)
    assert info.value.size == 100 * 1024 * 1024
    assert reads == []


def test_read_capped_reads_small_files(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"abc" * 1000)
    assert read_capped(f, 1 << 20) == b"abc" * 1000
    with pytest.raises(ReadRefused):
        read_capped(f, 100)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_read_capped_refuses_fifo_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ReadRefused):
        read_capped(fifo, 1 << 20)  # a FIFO with no writer: opened without blocking, refused, never read


def test_read_capped_refuses_devices_and_folders(tmp_path: Path) -> None:
    if os.path.exists("/dev/zero"):
        with pytest.raises(ReadRefused):
            read_capped(Path("/dev/zero"), 1 << 20)
    with pytest.raises((ReadRefused, IsADirectoryError)):
        read_capped(tmp_path, 1 << 20)


@pytest.mark.skipif(os.name != "posix", reason="process ids are checked on POSIX only")
def test_clean_temp_removes_only_dead_or_stale_ones(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        names = {
            "dead": f"{durable.TEMP_PREFIX}{dead.pid}-aa.tmp",
            "alive": f"{durable.TEMP_PREFIX}{alive.pid}-bb.tmp",
            "stale": f"{durable.TEMP_PREFIX}{alive.pid}-cc.tmp",
            "garbled": f"{durable.TEMP_PREFIX}x-dd.tmp",
            "other": "notes.tmp",
            "slot": "game.save.json",
        }
        for name in names.values():
            (tmp_path / name).write_bytes(b"partial")
        old = time.time() - 2 * durable.STALE_SECONDS
        os.utime(tmp_path / names["stale"], (old, old))
        removed = clean_temp(tmp_path)
    finally:
        alive.kill()
        alive.wait()
    assert sorted(removed) == sorted([names["dead"], names["stale"], names["garbled"]])
    assert sorted(os.listdir(tmp_path)) == sorted([names["alive"], names["other"], names["slot"]])


def test_order_of_operations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """write, fsync the file, replace, then fsync the folder."""
    import stat

    events: list[str] = []
    real_write, real_fsync, real_replace = os.write, os.fsync, os.replace

    def write(fd: int, data: Any) -> int:
        events.append("write")
        return real_write(fd, data)

    def fsync(fd: int) -> None:
        events.append("fsync-dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync-file")
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        events.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write_atomic(tmp_path / "a", b"data")
    monkeypatch.undo()
    assert events == ["write", "fsync-file", "replace", "fsync-dir"]
