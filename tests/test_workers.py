"""engine.build.workers: the answer is always the serial answer, whatever happens to the forked helper."""

from __future__ import annotations

import os
import signal
import time

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


def test_small_work_stays_in_this_process() -> None:
    got = split_map(tagged, list(range(10)), [1] * 10, min_weight=1000)
    assert [v for v, _ in got] == [x * x for x in range(10)]
    assert {pid for _, pid in got} == {os.getpid()}


@needs_fork
def test_big_work_is_shared_with_a_child_and_comes_back_in_order() -> None:
    def slow(x: int) -> tuple[int, int]:
        time.sleep(0.01)  # long enough for the child to start taking jobs
        return tagged(x)

    got = split_map(slow, list(range(40)), [1] * 40, min_weight=1)
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
def test_a_slow_child_takes_fewer_jobs_and_every_job_is_done_once(forked: list[int]) -> None:
    parent = os.getpid()

    def fn(x: int) -> tuple[int, int]:
        time.sleep(0.05 if os.getpid() != parent else 0.005)  # the child's core is ten times slower
        return x * x, os.getpid()

    got = split_map(fn, list(range(60)), [1] * 60, min_weight=1)
    assert [v for v, _ in got] == [x * x for x in range(60)]
    in_child = sum(1 for _, pid in got if pid != parent)
    assert 1 <= in_child < 20  # the queue is shared as the work goes, not split in advance
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
def test_an_interrupted_parent_stops_and_reaps_the_child(forked: list[int]) -> None:
    parent = os.getpid()

    def fn(x: int) -> int:
        if os.getpid() == parent:  # the first job this process takes, whichever it is
            raise KeyboardInterrupt
        time.sleep(0.05)  # the child cannot take every job before this process takes one
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
