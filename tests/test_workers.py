"""engine.build.workers: the answer is always the serial answer, whatever happens to the forked helper.

No test sleeps or counts on scheduling: where the two processes must meet (the child has taken a
job; the parent has done its share), they wait for each other on pipes."""

from __future__ import annotations

import os
import select
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.build import workers
from engine.build.workers import can_fork, split_map

needs_fork = pytest.mark.skipif(not can_fork(), reason="no second core or no fork here")


def reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def tagged(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


class Signal:
    """A one-way signal between the parent and the forked child: a pipe made before the fork."""

    def __init__(self) -> None:
        self.r, self.w = os.pipe()

    def send(self) -> None:
        os.write(self.w, b"x")

    def wait(self, timeout: float = 60.0) -> None:
        """Block until the signal was sent (a deadline only so that a broken fork fails, not hangs)."""
        ready, _, _ = select.select([self.r], [], [], timeout)
        assert ready, "the other process never signalled"
        os.read(self.r, 1)

    def close(self) -> None:
        for fd in (self.r, self.w):
            os.close(fd)


@pytest.fixture
def signals() -> Iterator[tuple[Signal, Signal]]:
    pair = Signal(), Signal()
    yield pair
    for s in pair:
        s.close()


def test_small_work_stays_in_this_process() -> None:
    got = split_map(tagged, list(range(10)), [1] * 10, min_weight=1000)
    assert [v for v, _ in got] == [x * x for x in range(10)]
    assert {pid for _, pid in got} == {os.getpid()}


@needs_fork
def test_big_work_is_shared_with_a_child_and_comes_back_in_order(signals: tuple[Signal, Signal]) -> None:
    parent, (theirs, mine) = os.getpid(), signals
    first: list[int] = []  # in each process's own memory

    def fn(x: int) -> tuple[int, int]:
        if not first:  # each process's first job ends only once the other has one too
            first.append(x)
            here, there = (mine, theirs) if os.getpid() == parent else (theirs, mine)
            here.send()
            there.wait()
        return tagged(x)

    got = split_map(fn, list(range(40)), [1] * 40, min_weight=1)
    assert [v for v, _ in got] == [x * x for x in range(40)]
    pids = {pid for _, pid in got}
    assert os.getpid() in pids and len(pids) == 2


def test_turned_off_by_chronicle_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHRONICLE_JOBS", "1")
    assert not can_fork()
    got = split_map(tagged, list(range(40)), [1] * 40, min_weight=1)
    assert {pid for _, pid in got} == {os.getpid()}


def in_child_only(action: str):  # type: ignore[no-untyped-def]
    parent = os.getpid()

    def fn(x: int) -> object:
        if os.getpid() != parent:
            if action == "raise":
                raise RuntimeError("the child fails")
            if action == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if action == "unmarshallable":
                return object()
            if action == "exit":
                os._exit(0)  # leaves without a reply
        return x + 1

    return fn


@needs_fork
@pytest.mark.parametrize("action", ["raise", "kill", "unmarshallable", "exit"])
def test_a_failing_child_only_means_this_process_does_its_share(action: str, forked: list[int]) -> None:
    got = split_map(in_child_only(action), list(range(30)), [1] * 30, min_weight=1)
    assert got == [x + 1 for x in range(30)]
    assert len(forked) == 1 and reaped(forked[0])


@needs_fork
def test_a_slow_child_takes_fewer_jobs_and_every_job_is_done_once(forked: list[int],
                                                                  signals: tuple[Signal, Signal]) -> None:
    parent, (started, go) = os.getpid(), signals
    done_here: list[int] = []
    child_jobs: list[int] = []  # in the child's own memory

    def fn(x: int) -> tuple[int, int]:
        if os.getpid() != parent:
            child_jobs.append(x)
            if len(child_jobs) == 1:  # a core so slow that its first job lasts 50 of the parent's
                started.send()
                go.wait()
        else:
            if not done_here:
                started.wait()  # the child holds a job before this process takes any
            done_here.append(x)
            if len(done_here) == 50:
                go.send()
        return x * x, os.getpid()

    got = split_map(fn, list(range(60)), [1] * 60, min_weight=1)
    assert [v for v, _ in got] == [x * x for x in range(60)]
    in_child = sum(1 for _, pid in got if pid != parent)
    # the queue is shared as the work goes, not split in advance: while the child was busy with its
    # first job this process took 50, and the child could take at most the 9 left after them
    assert 1 <= in_child <= 10 and len(done_here) == 60 - in_child
    assert len(forked) == 1 and reaped(forked[0])


@needs_fork
@pytest.mark.parametrize("reply", [
    ["not", "enough"],  # not (index, result) pairs
    [(0, 1), (0, 1)],  # the same job twice
    [(10_000, 1)],  # no such job
    [("0", 1)],  # not a job number
])
def test_a_reply_that_does_not_name_the_jobs_taken_is_not_used(monkeypatch: pytest.MonkeyPatch,
                                                              reply: object) -> None:
    real = workers._receive

    def damaged(fd: int) -> object | None:
        assert real(fd) is not None
        return reply

    monkeypatch.setattr(workers, "_receive", damaged)
    got = split_map(tagged, list(range(20)), [1] * 20, min_weight=1)
    assert [v for v, _ in got] == [x * x for x in range(20)]


@needs_fork
def test_a_short_or_damaged_reply_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    real = workers._receive

    def damaged(fd: int) -> object | None:
        got = real(fd)
        assert got is not None
        return ["not", "enough"]

    monkeypatch.setattr(workers, "_receive", damaged)
    got = split_map(tagged, list(range(20)), [1] * 20, min_weight=1)
    assert [v for v, _ in got] == [x * x for x in range(20)]
    assert {pid for _, pid in got} == {os.getpid()}


@needs_fork
def test_an_interrupted_parent_stops_and_reaps_the_child(forked: list[int], signals: tuple[Signal, Signal]) -> None:
    parent, (started, never) = os.getpid(), signals

    def fn(x: int) -> int:
        if os.getpid() == parent:  # the first job this process takes, whichever it is
            started.wait()  # the child is busy with a job of its own
            raise KeyboardInterrupt
        started.send()
        never.wait(timeout=3600)  # the child works on until it is stopped
        return x

    with pytest.raises(KeyboardInterrupt):
        split_map(fn, list(range(20)), [1] * 20, min_weight=1)
    assert len(forked) == 1 and reaped(forked[0])


def test_receive_refuses_a_reply_whose_length_does_not_match() -> None:
    r, w = os.pipe()
    os.write(w, (100).to_bytes(8, "big") + b"short")
    os.close(w)
    try:
        assert workers._receive(r) is None
    finally:
        os.close(r)


# -- where os.fork does not exist (Windows) or may not be used ------------------------------------

def test_without_fork_every_job_is_done_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "fork")
    assert not can_fork() and workers.why_not() == "this platform has no os.fork"
    got = split_map(tagged, list(range(40)), [1] * 40, min_weight=1)
    assert got == [tagged(x) for x in range(40)]


def test_why_not_names_each_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers.sys, "platform", "win32")
    assert workers.why_not() == "fork is used on Linux only, not win32"
    monkeypatch.setattr(workers.sys, "platform", "linux")
    monkeypatch.setattr(workers, "usable_cores", lambda: 1)
    assert workers.why_not() == "one usable core"
    monkeypatch.setenv("CHRONICLE_JOBS", "1")
    assert workers.why_not() == "CHRONICLE_JOBS=1 turns it off"


def test_a_big_load_without_fork_is_the_serial_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    forked: list[int]) -> None:
    """The whole cold load of a scenario big enough for the helper, with os.fork gone: the same
    diagnostics, data and packed scenes as one process, and nothing forked."""
    from engine.bench.synthetic import write_scenario
    from engine.build import compiler

    folder = write_scenario(tmp_path, 1000)
    monkeypatch.setattr(compiler, "SPLIT_BYTES", 0)
    monkeypatch.setenv("CHRONICLE_JOBS", "1")
    serial = compiler.analyze(folder, lean=True)
    monkeypatch.delenv("CHRONICLE_JOBS")
    monkeypatch.delattr(os, "fork")
    alone = compiler.analyze(folder, lean=True)
    assert forked == []
    assert serial.diagnostics == alone.diagnostics == [] and serial.ir is not None
    assert serial.ir == alone.ir and serial.chunks == alone.chunks
