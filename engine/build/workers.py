"""`split_map`: a list of independent jobs shared with one forked helper on a multi-core machine.

Loading a very large scenario is a list of independent per-file jobs (read, validate, check),
and libyaml's event stream alone takes most of a core for a second. On a machine with a second
core, `split_map(fn, items, weights)` forks one child, and the two processes take the jobs,
heaviest first, from one shared queue until it is empty (a busy core simply takes fewer); the
child sends its results back `marshal`led over a pipe. Results are therefore plain data
(tuples, lists, dicts, strings, numbers).

Nothing depends on the child: if it cannot be started, fails, is killed, or sends anything
short or undecodable, this process computes those items itself, so the answer is always
`[fn(x) for x in items]`. The child never returns into the caller's code: it leaves with
`os._exit` whatever happens, and it is killed and reaped if this process is interrupted.

Used only where fork is safe and cheap: Linux, a single thread, at least two usable cores,
and enough work (`min_weight`). `CHRONICLE_JOBS=1` turns it off. This module is the boundary:
the compiler calls `split_map` and nothing else, and everywhere the helper may not be forked
(`why_not()`: no `os.fork`, as on Windows; not Linux; one core; other threads; turned off) the
answer is computed in this process by the same list comprehension.

Kept, on numbers that `chronicle bench` prints every run ("cold load 10,000, forked helper" beside
"... one process", interleaved pairs, medians): on the 2-core development machine the cold load of
the 10,000-scene scenario took 2.38 s with the helper against 4.23 s in one process (1.78 x) when
the second core was free, and about 10% longer (0.9 x) while five other sessions kept both cores
busy; a big cold load is an author's wait, and authors' machines have idle cores.
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


def why_not() -> str | None:
    """Why no helper may be forked here (None: it may): no `os.fork`, not Linux, turned off, one
    usable core, or other threads running (a fork copies only the calling thread)."""
    if not hasattr(os, "fork"):
        return "this platform has no os.fork"
    if not sys.platform.startswith("linux"):
        return f"fork is used on Linux only, not {sys.platform}"
    if os.environ.get("CHRONICLE_JOBS", "").strip() == "1":
        return "CHRONICLE_JOBS=1 turns it off"
    if usable_cores() < 2:
        return "one usable core"
    if threading.active_count() != 1:
        return "other threads are running"
    return None


def can_fork() -> bool:
    """True where a helper may be forked: Linux with `os.fork`, one thread, two cores, not turned off."""
    return why_not() is None


MAX_JOBS = 4096  # the whole queue of job numbers (4 bytes each) fits in a pipe's buffer


def _take(fd: int) -> int | None:
    """The next job number from the shared queue, or None when it is empty."""
    data = os.read(fd, 4)  # a pipe read is atomic: each number goes to exactly one process; the
    # queue was filled and its write end closed before the fork, so an empty queue reads as b""
    return int.from_bytes(data, "big") if len(data) == 4 else None


def split_map(fn: Callable[[T], R], items: Sequence[T], weights: Sequence[int], min_weight: int) -> list[R]:
    """`[fn(x) for x in items]`, part of it computed in a forked child when that pays.

    The two processes take jobs, heaviest first, from one queue (a pipe filled with the job
    numbers before the fork), so each does as much as its core allows: a slow or busy core
    simply takes fewer jobs.
    """
    if len(items) < 2 or len(items) > MAX_JOBS or sum(weights) < min_weight or not can_fork():
        return [fn(x) for x in items]
    order = sorted(range(len(items)), key=lambda i: (-weights[i], i))
    try:
        queue, fill = os.pipe()
    except OSError:
        return [fn(x) for x in items]
    try:
        tokens = b"".join(i.to_bytes(4, "big") for i in order)
        if os.write(fill, tokens) != len(tokens):  # 16 KiB at most: it fits, and never blocks
            raise OSError("the queue was not filled")
    except OSError:
        os.close(queue)
        return [fn(x) for x in items]
    finally:
        os.close(fill)
    try:
        read_end, write_end = os.pipe()
    except OSError:
        os.close(queue)
        return [fn(x) for x in items]
    try:
        pid = os.fork()
    except OSError:
        for fd in (queue, read_end, write_end):
            os.close(fd)
        return [fn(x) for x in items]
    if pid == 0:  # the child: take jobs until none is left, send them back, leave
        status = 1
        try:
            os.close(read_end)
            done = []
            while (i := _take(queue)) is not None:
                done.append((i, fn(items[i])))
            payload = marshal.dumps(done)
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
        while (i := _take(queue)) is not None:
            results[i] = fn(items[i])
        got = _receive(read_end)
    except BaseException:
        os.close(read_end)
        os.close(queue)
        _reap(pid, kill=True)
        raise
    os.close(read_end)
    os.close(queue)
    _reap(pid, kill=False)
    if isinstance(got, list) and all(isinstance(pair, tuple) and len(pair) == 2 for pair in got):
        theirs = {pair[0] for pair in got}
        if len(theirs) == len(got) and all(isinstance(i, int) and 0 <= i < len(items) and i not in results
                                           for i in theirs):
            results.update(got)
    # whatever the child took but did not send back (it failed or was killed) is done here
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
