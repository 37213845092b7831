"""Durable file writes and bounded reads.

`write_atomic` writes a temporary file in the target's folder, flushes and fsyncs it, replaces
the target with `os.replace` and fsyncs the folder: after a crash at any moment the target is
either its old or its new version, never a mix, never missing. `write_output` is what every
command that writes a document (`-o FILE`) uses: the screen, or the file written atomically, and
a message naming the file when it cannot be written. Temporary files are named
``.chronicle-<pid>-<random>.tmp`` so that `clean_temp` can remove the ones a killed process
left behind. `read_capped` reads a regular file up to a size limit checked before reading.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

TEMP_PREFIX = ".chronicle-"
TEMP_SUFFIX = ".tmp"
STALE_SECONDS = 600.0
_BINARY = getattr(os, "O_BINARY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class ReadRefused(Exception):
    """A file that is not read: not a regular file, or larger than allowed."""

    def __init__(self, message: str, size: int = 0) -> None:
        super().__init__(message)
        self.size = size


def temp_path(folder: Path) -> Path:
    return folder / f"{TEMP_PREFIX}{os.getpid()}-{os.urandom(6).hex()}{TEMP_SUFFIX}"


def write_durable(path: Path, data: bytes) -> None:
    """Create `path` (which must not exist), write all of `data`, fsync; remove it on failure."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY | _CLOEXEC, 0o644)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                if written <= 0:  # pragma: no cover - os.write raises rather than return 0
                    raise OSError("short write")
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with suppress(OSError):
            os.unlink(path)
        raise


def write_output(text: str, output: str | os.PathLike[str] | None, who: str = "chronicle") -> int:
    """Print `text` (no `output`, or an empty one), or write it to the file `output`: 0 on success;
    1, with a message from `who` naming the file, when it cannot be written (never a traceback).

    A regular file (new, or one there already) is replaced atomically, never left half written,
    keeping the mode of the file it replaces; a file the user may not write is refused, as the
    shell would. A link is followed to the file it names. Anything else already there (a
    device such as /dev/stdout, a named pipe, `>(command)`) is written to as it is."""
    if not output:
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    path = Path(output)
    data = text.encode("utf-8")
    try:
        target = Path(os.path.realpath(path))
        try:
            st: os.stat_result | None = os.stat(target)
        except FileNotFoundError:
            st = None
        if st is not None and not stat.S_ISREG(st.st_mode):
            with open(target, "wb") as f:  # a device or a pipe: nothing to replace
                f.write(data)
        elif st is not None and not os.access(target, os.W_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        else:
            try:
                write_atomic(target, data, mode=None if st is None else stat.S_IMODE(st.st_mode))
            except PermissionError:
                if st is None:
                    raise
                with open(target, "wb") as f:  # a writable file in a folder that is not: in place
                    f.write(data)
    except OSError as exc:
        print(f"{who}: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {path}", file=sys.stderr)
    return 0


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable; a no-op where folders cannot be opened or synced."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # e.g. EINVAL on filesystems that cannot sync a folder; the file itself is synced
    finally:
        os.close(fd)


def write_atomic(target: Path, data: bytes, before_replace: Callable[[], None] | None = None,
                 mode: int | None = None) -> None:
    """Replace `target` with `data` atomically and durably.

    `before_replace` runs once the new data is safely on disk, just before the replace (used to
    keep the previous version as a backup). `mode`: the new file's permissions (default: 0644
    less the umask). On any failure the target is untouched and no temporary file is left; the
    OSError propagates.
    """
    folder = target.parent
    tmp = temp_path(folder)
    write_durable(tmp, data)
    try:
        if mode is not None:
            os.chmod(tmp, mode)
        if before_replace is not None:
            before_replace()
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(folder)


def link_or_copy(source: Path, dest: Path, data: bytes) -> None:
    """Atomically make `dest` a copy of `source` (whose content is `data`): a hard link, or a write."""
    tmp = temp_path(dest.parent)
    try:
        os.link(source, tmp)
    except (OSError, NotImplementedError):  # no hard links here (FAT, some network disks)
        write_durable(tmp, data)
    try:
        os.replace(tmp, dest)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def confined(path: Path, folder: Path) -> Path:
    """`path` resolved, if it is a regular file inside `folder` (links followed); else ReadRefused
    saying why: a link that leads outside the folder or nowhere, a device, a FIFO, a socket."""
    real = Path(os.path.realpath(path))
    root = Path(os.path.realpath(folder))
    link = os.path.islink(path) or real != Path(os.path.abspath(path))
    if real != root and root not in real.parents:
        raise ReadRefused(f"it is a link to {real}, outside the folder {folder}; only files inside it are read")
    try:
        st = os.stat(real)
    except FileNotFoundError:
        raise ReadRefused("it is a link to a file that does not exist" if link else "it does not exist") from None
    for test, kind in _KINDS:
        if test(st.st_mode):
            raise ReadRefused(f"it is {kind}, not a regular file")
    return real


def read_capped(path: Path, cap: int, within: Path | None = None) -> bytes:
    """The bytes of a regular file of at most `cap` bytes; the size is checked before reading.

    With `within`, only a file inside that folder is read (`confined`: no link leads out of it).
    Raises ReadRefused for devices, FIFOs, sockets, folders, files over the cap and files outside
    `within`, OSError otherwise.
    """
    if within is not None:
        path = confined(path, within)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _BINARY | _CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = next((kind for test, kind in _KINDS if test(st.st_mode)), "")
            raise ReadRefused(f"it is {kind}, not a regular file" if kind else "it is not a regular file")
        if st.st_size > cap:
            raise ReadRefused("it is too large", st.st_size)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 16, cap + 1 - total))
            if not chunk:
                break
            total += len(chunk)
            if total > cap:  # it grew while being read
                raise ReadRefused("it is too large", total)
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # no cheap, safe check: rely on the age of the file
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def clean_temp(folder: Path, stale: float = STALE_SECONDS) -> list[str]:
    """Remove temporary files left in `folder` by processes that died (or long ago); their names."""
    removed: list[str] = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)):
            continue
        pid_text = name[len(TEMP_PREFIX):].split("-", 1)[0]
        pid = int(pid_text) if pid_text.isdigit() else -1
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if pid == os.getpid() and age < stale:
            continue
        if pid > 0 and pid != os.getpid() and _alive(pid) and age < stale:
            continue
        with suppress(OSError):
            os.unlink(entry.path)
            removed.append(name)
    return removed
