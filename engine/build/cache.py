"""The compiled cache: a checked story, saved so that an unchanged scenario loads at once.

A cache entry is keyed by a content hash of everything that decides the compiled story: every
file of the scenario (names and bytes), the seed texts and their index, the engine's version and
the source files a compile can import (the layers up to `build`), and the place the files are
shown from (diagnostic paths are relative to the working folder). Computing the key reads and
hashes bytes; it never parses anything.

The entry lives outside the project, in `$CHRONICLE_CACHE` (`off` turns the cache off), else the
per-user cache folder (`engine.base.paths.user_cache_dir`: `$XDG_CACHE_HOME/chronicle`, else
`~/.cache/chronicle` on Linux): one file per scenario folder,
replaced atomically. It holds plain data only (never pickle): the chunks of a packed story
(`engine.build.compiled`: `marshal` of tuples, strings and numbers), each after its length, with a
header carrying the key and an HMAC of the payload under a random per-user secret (`secret`,
mode 0600, beside the entries). An entry whose key differs (stale), whose
HMAC fails (damaged or planted) or that does not decode (anything else) is ignored and
rebuilt; it is never trusted. Conditions and effects are stored as their source text and
compiled again by the expression compiler on load, so no compiled code is ever read back.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterator
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import Any

from engine import ENGINE_VERSION
from engine.base import paths
from engine.base.durable import ReadRefused, read_capped
from engine.base.paths import MAX_FILE_BYTES, PACKAGE_DIR, scenario_files
from engine.base.valueclass import ValueClass
from engine.build import compiled
from engine.core.model import Story

FORMAT = compiled.FORMAT  # an entry is a packed story (`engine.build.compiled`), framed
MAGIC = b"chronicle-cache"
MAX_ENTRY = 256 << 20  # never read a cache file bigger than this
MAX_ENTRIES = 64  # entries kept; the least recently written go first
ENGINE_DIR = PACKAGE_DIR


def cache_dir() -> Path | None:
    """Where entries live, or None when the cache is turned off."""
    env = os.environ.get("CHRONICLE_CACHE")
    if env is not None:
        return None if env.strip().lower() in ("", "off", "0", "no", "false") else Path(env)
    return paths.user_cache_dir()


# the layers a compile can import (tests/test_layers.py holds every module to the layer order): only
# their source decides a compiled story, so an edit of the terminal UI or a command keeps the cache
COMPILE_LAYERS = ("base", "format", "expressions", "core", "record", "build")


def _sources(folder: str, rel: str, deep: bool = True) -> Iterator[tuple[str, str]]:
    """(relative path, path) of every .py and .json file in `folder` (and its subfolders when
    `deep`), in sorted order."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for e in entries:
        if e.is_dir():
            if deep and e.name != "__pycache__":
                yield from _sources(e.path, f"{rel}{e.name}/")
        elif e.name.endswith((".py", ".json")) and e.is_file():
            yield f"{rel}{e.name}", e.path


@cache
def engine_fingerprint() -> bytes:
    """The engine version and a digest of the source files a compile can import (`COMPILE_LAYERS`
    and the package's own modules): any change to them is a new key."""
    h = hashlib.blake2b(f"{ENGINE_VERSION}\0{FORMAT}\0".encode(), digest_size=32)
    top = list(_sources(str(ENGINE_DIR), "", deep=False))
    for layer in COMPILE_LAYERS:
        top += _sources(os.path.join(ENGINE_DIR, layer), f"{layer}/")
    for name, path in top:
        h.update(name.encode() + b"\0")
        with open(path, "rb") as f:
            h.update(f.read())
    return h.digest()


class _TooBig(Exception):
    pass


class Read(ValueClass):
    """What a key was made from: each scenario file's bytes (None if it could not be read), in
    order, and the digest of the seed texts. Compiling exactly these bytes means the entry
    written afterwards always matches its key.

    Written out rather than a dataclass, with the same `__init__`, `__repr__`, `__eq__` (unhashable):
    creating a dataclass costs start-up time (issue 16)."""

    __match_args__ = ("files", "seeds")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, files: dict[Path, bytes | None] | None = None, seeds: bytes = b"") -> None:
        self.files: dict[Path, bytes | None] = dict() if files is None else files
        self.seeds = seeds


def _files_digest(h: Any, files: list[Path], limit: int | None, keep: dict[Path, bytes | None] | None = None,
                  within: Path | None = None) -> None:
    for f in files:
        data: bytes | None
        try:
            data = read_capped(f, limit if limit is not None else 1 << 40, within=within)
        except ReadRefused as exc:  # the compiler reads it again and says why
            if limit is not None and exc.size > limit:
                raise _TooBig from None
            data = None
        except OSError:
            data = None
        if keep is not None:
            keep[f] = data
        if data is None:
            data = b"\0missing"
        h.update(len(data).to_bytes(8, "big") + str(f).encode() + b"\0")
        h.update(data)


def seeds_digest(seeds_dir: Path | None = None) -> bytes:
    """A digest of the seed texts and their index, as they are on disk now."""
    h = hashlib.blake2b(digest_size=32)
    seeds = Path(seeds_dir) if seeds_dir is not None else paths.SEEDS_DIR
    _files_digest(h, sorted(p for p in seeds.iterdir() if p.is_file()) if seeds.is_dir() else [], None)
    return h.digest()


def sources_digest(folder: Path, seeds_dir: Path | None = None) -> bytes:
    """`seeds_digest`, and the scenario's own source texts (`engine.base.paths.own_source_dirs`)."""
    h = hashlib.blake2b(seeds_digest(seeds_dir), digest_size=32)
    for d in paths.own_source_dirs(folder):
        h.update(str(d).encode() + b"\0")
        _files_digest(h, sorted(p for p in d.iterdir() if p.is_file()), None)
    return h.digest()


def cache_key(folder: Path, seeds_dir: Path | None = None, read: Read | None = None) -> str | None:
    """A hash of every byte that decides the compiled story (cheap: it reads, never parses).

    None when a scenario file is over the reader's size limit: such a scenario is never cached
    (it cannot load), and its bytes are never read here. With `read`, the bytes hashed are kept
    there, for the compiler to compile exactly them.
    """
    h = hashlib.sha256(engine_fingerprint())
    h.update(f"{os.getcwd()}\0{folder}\0".encode())
    try:
        _files_digest(h, scenario_files(folder), MAX_FILE_BYTES, read.files if read is not None else None,
                      within=folder)
    except _TooBig:
        if read is not None:
            read.files.clear()
        return None
    seeds = sources_digest(folder, seeds_dir)
    if read is not None:
        read.seeds = seeds
    h.update(seeds)
    return h.hexdigest()


def entry_path(directory: Path, folder: Path) -> Path:
    name = hashlib.blake2b(str(folder.resolve()).encode(), digest_size=16).hexdigest()
    return directory / f"{name}.story"


def _secret(directory: Path, create: bool) -> bytes | None:
    path = directory / "secret"
    with suppress(OSError):
        data = path.read_bytes()
        if len(data) == 32:
            return data
    if not create:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    data = os.urandom(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        with suppress(OSError):
            got = path.read_bytes()
            if len(got) == 32:
                return got
        return None
    except OSError:
        return None
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return data


def _mac(secret: bytes, key: str, payload: bytes) -> str:
    return hmac.new(secret, key.encode() + b"\0" + payload, hashlib.sha256).hexdigest()


def _framed(chunks: list[bytes]) -> Iterator[bytes]:
    for chunk in chunks:  # each chunk after its length, so that reading needs no file object
        yield len(chunk).to_bytes(8, "big")
        yield chunk


def _unframed(payload: bytes) -> Iterator[memoryview]:
    """Each chunk of an entry, not yet decoded."""
    view = memoryview(payload)
    at = 0
    while at < len(view):
        size = int.from_bytes(view[at:at + 8], "big")
        if at + 8 + size > len(view):
            raise ValueError("a chunk runs past the end")
        yield view[at + 8:at + 8 + size]
        at += 8 + size


# -- reading and writing entries ---------------------------------------------------------------

def _header(key: str, mac: str) -> bytes:
    return b"%s %d %s %s\n" % (MAGIC, FORMAT, key.encode(), mac.encode())


def load_cached(folder: Path, key: str, directory: Path | None = None) -> Story | None:
    """The cached story for `folder` if its entry matches `key` and is intact; else None."""
    directory = directory if directory is not None else cache_dir()
    if directory is None:
        return None
    path = entry_path(directory, folder)
    try:
        with open(path, "rb") as f:
            head = f.readline(256)
            parts = head.split()
            if len(parts) != 4 or parts[0] != MAGIC or parts[1] != str(FORMAT).encode() \
                    or parts[2] != key.encode():
                return None
            if os.fstat(f.fileno()).st_size > MAX_ENTRY:
                return None
            payload = f.read()
    except (OSError, MemoryError):
        return None
    secret = _secret(directory, create=False)
    if secret is None or not hmac.compare_digest(parts[3], _mac(secret, key, payload).encode()):
        return None
    try:
        return compiled.unpack(list(_unframed(payload)))
    except (Exception, MemoryError):  # noqa: BLE001 - an entry that does not decode is simply not used
        return None


def store(folder: Path, key: str, chunks: list[bytes], directory: Path | None = None) -> bool:
    """Write the entry for `folder` (a packed story's chunks) atomically; False (and nothing
    raised) if it cannot be written."""
    directory = directory if directory is not None else cache_dir()
    if directory is None:
        return False
    try:
        secret = _secret(directory, create=True)
        if secret is None:
            return False
        path = entry_path(directory, folder)
        import tempfile  # only when an entry is written

        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".story")
        try:
            with os.fdopen(fd, "wb") as f:
                mac = hmac.new(secret, key.encode() + b"\0", hashlib.sha256)
                f.write(_header(key, "0" * 64))  # the real MAC, once known, has the same length
                for piece in _framed(chunks):
                    mac.update(piece)
                    f.write(piece)
                f.seek(0)
                f.write(_header(key, mac.hexdigest()))
            os.replace(tmp, path)
        except BaseException:
            with suppress(OSError):
                os.unlink(tmp)
            raise
        _prune(directory)
        return True
    except (OSError, ValueError, MemoryError):  # a read-only disk, a value marshal cannot write, no room
        return False


def _entries(directory: Path) -> Iterator[tuple[float, Path]]:
    for p in directory.glob("*.story"):
        with suppress(OSError):
            yield p.stat().st_mtime, p


def _prune(directory: Path) -> None:
    entries = sorted(_entries(directory))
    for _, p in entries[: max(0, len(entries) - MAX_ENTRIES)]:
        with suppress(OSError):
            p.unlink()
