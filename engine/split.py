"""`split_map`: a list of independent jobs shared with one forked helper on a multi-core machine.

Loading a very large scenario is a list of independent per-file jobs (read, validate, check),
and libyaml's event stream alone takes most of a core for a second. On a machine with a second
core, `split_map(fn, items, weights)` forks one child that works through part of the list (by
weight) while this process does the rest; the child sends its results back `marshal`led over
a pipe. Results are therefore plain data (tuples, lists, dicts, strings, numbers).

Nothing depends on the child: if it cannot be started, fails, is killed, or sends anything
short or undecodable, this process computes those items itself, so the answer is always
`[fn(x) for x in items]`. The child never returns into the caller's code: it leaves with
`os._exit` whatever happens, and it is killed and reaped if this process is interrupted.

Used only where fork is safe and cheap: Linux, a single thread, at least two usable cores,
and enough work (`min_weight`). `CHRONICLE_JOBS=1` turns it off.
"""

from __future__ import annotations

import marshal
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_REPLY = 1 << 30  # never read more than this from a child


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """True where a helper may be forked: Linux, one thread, two cores, not turned off."""
    if os.environ.get("CHRONICLE_JOBS", "").strip() == "1":
        return False
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1 \
        and usable_cores() >= 2


CHILD_SHARE = 0.45  # the child also encodes its results, and sends them before this process reads them


def partition(weights: Sequence[int], child_share: float = CHILD_SHARE) -> tuple[list[int], list[int]]:
    """Indices for this process and for the child, the child getting about `child_share` of the
    weight (heaviest first, each to the side furthest below its target)."""
    mine: list[int] = []
    theirs: list[int] = []
    load = [0.0, 0.0]
    target = (1.0 - child_share, child_share)
    for i in sorted(range(len(weights)), key=lambda i: (-weights[i], i)):
        side = 0 if load[0] / target[0] <= load[1] / target[1] else 1
        (mine if side == 0 else theirs).append(i)
        load[side] += weights[i]
    return sorted(mine), sorted(theirs)


def split_map(fn: Callable[[T], R], items: Sequence[T], weights: Sequence[int], min_weight: int) -> list[R]:
    """`[fn(x) for x in items]`, part of it computed in a forked child when that pays."""
    if len(items) < 2 or sum(weights) < min_weight or not can_fork():
        return [fn(x) for x in items]
    mine, theirs = partition(weights)
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return [fn(x) for x in items]
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return [fn(x) for x in items]
    if pid == 0:  # the child: compute its share, send it, leave without running anything else
        status = 1
        try:
            os.close(read_end)
            payload = marshal.dumps([fn(items[i]) for i in theirs])
            for part in (len(payload).to_bytes(8, "big"), payload):  # never copied into one buffer
                view = memoryview(part)
                while view:
                    view = view[os.write(write_end, view):]
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    results: dict[int, R] = {}
    try:
        for i in mine:
            results[i] = fn(items[i])
        got = _receive(read_end)
    except BaseException:
        os.close(read_end)
        _reap(pid, kill=True)
        raise
    os.close(read_end)
    _reap(pid, kill=False)
    if got is not None and isinstance(got, list) and len(got) == len(theirs):
        results.update(zip(theirs, got, strict=True))
    return [results[i] if i in results else fn(items[i]) for i in range(len(items))]


def _read_into(fd: int, view: memoryview) -> int:
    """Fill `view` from `fd`; the number of bytes read (short only at the end of the stream)."""
    got = 0
    while got < len(view):
        n = os.readv(fd, [view[got:]])
        if n == 0:
            break
        got += n
    return got


def _receive(fd: int) -> object | None:
    """The child's results, or None if it sent anything but one whole, decodable reply.

    The reply is read straight into one buffer of the announced size (never held twice)."""
    try:
        header = bytearray(8)
        if _read_into(fd, memoryview(header)) != 8:
            return None
        size = int.from_bytes(header, "big")
        if size > MAX_REPLY:
            return None
        payload = bytearray(size)
        if _read_into(fd, memoryview(payload)) != size or os.read(fd, 1):
            return None
    except OSError:
        return None
    try:
        got: object = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    return got


def _reap(pid: int, kill: bool) -> None:
    """Wait for the child (it has closed its end of the pipe, so it is leaving); when this process
    was interrupted, stop it first."""
    with suppress(ChildProcessError, OSError):
        if kill:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
