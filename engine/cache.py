"""The compiled cache: a checked story, saved so that an unchanged scenario loads at once.

A cache entry is keyed by a content hash of everything that decides the compiled story: every
file of the scenario (names and bytes), the seed texts and their index, the engine's own source
files and version, and the place the files are shown from (diagnostic paths are relative to the
working folder). Computing the key reads and hashes bytes; it never parses anything.

The entry lives outside the project, in `$CHRONICLE_CACHE` (`off` turns the cache off), else
`$XDG_CACHE_HOME/chronicle`, else `~/.cache/chronicle`: one file per scenario folder,
replaced atomically. It holds plain data only (never pickle): `marshal` of tuples, strings and
numbers, with a header carrying the key and an HMAC of the payload under a random per-user
secret (`secret`, mode 0600, beside the entries). An entry whose key differs (stale), whose
HMAC fails (damaged or planted) or that does not decode (anything else) is ignored and
rebuilt; it is never trusted. Conditions and effects are stored as their source text and
compiled again by the expression compiler on load, so no compiled code is ever read back.
"""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cache
from operator import attrgetter
from pathlib import Path
from typing import Any

from engine import ENGINE_VERSION, layout
from engine.bind import compile_expressions
from engine.gcpause import paused_gc
from engine.layout import MAX_FILE_BYTES, scenario_files
from engine.model import Account, Choice, Citation, Dispute, Ending, Scene, Story, Variable, fast_maker, fast_twin

FORMAT = 2  # 2: the frame lists each chunk's scene ids (chunks are decoded when first needed)
MAGIC = b"chronicle-cache"
MAX_ENTRY = 256 << 20  # never read a cache file bigger than this
MAX_ENTRIES = 64  # entries kept; the least recently written go first
ENGINE_DIR = Path(__file__).resolve().parent


def cache_dir() -> Path | None:
    """Where entries live, or None when the cache is turned off."""
    env = os.environ.get("CHRONICLE_CACHE")
    if env is not None:
        return None if env.strip().lower() in ("", "off", "0", "no", "false") else Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "chronicle"


@cache
def engine_fingerprint() -> bytes:
    """The engine version and a digest of its own source files: any change to them is a new key."""
    h = hashlib.blake2b(f"{ENGINE_VERSION}\0{FORMAT}\0".encode(), digest_size=32)
    for p in sorted(ENGINE_DIR.rglob("*")):
        if p.suffix in (".py", ".json") and p.is_file():
            h.update(str(p.relative_to(ENGINE_DIR)).encode() + b"\0")
            h.update(p.read_bytes())
    return h.digest()


class _TooBig(Exception):
    pass


@dataclass
class Read:
    """What a key was made from: each scenario file's bytes (None if it could not be read), in
    order, and the digest of the seed texts. Compiling exactly these bytes means the entry
    written afterwards always matches its key."""

    files: dict[Path, bytes | None] = field(default_factory=dict)
    seeds: bytes = b""


def _files_digest(h: Any, files: list[Path], limit: int | None, keep: dict[Path, bytes | None] | None = None) -> None:
    for f in files:
        data: bytes | None
        try:
            with open(f, "rb") as stream:
                size = os.fstat(stream.fileno()).st_size
                if limit is not None and size > limit:
                    raise _TooBig
                data = stream.read()
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
    seeds = Path(seeds_dir) if seeds_dir is not None else layout.SEEDS_DIR
    _files_digest(h, sorted(p for p in seeds.iterdir() if p.is_file()) if seeds.is_dir() else [], None)
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
        _files_digest(h, scenario_files(folder), MAX_FILE_BYTES, read.files if read is not None else None)
    except _TooBig:
        if read is not None:
            read.files.clear()
        return None
    seeds = seeds_digest(seeds_dir)
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


# -- encoding: a story as tuples of plain values ------------------------------------------------

_CHOICE_FIELDS = [f.name for f in fields(Choice)]
_SCENE_FIELDS = [f.name for f in fields(Scene)]
_CITATION_FIELDS = [f.name for f in fields(Citation)]
_VARIABLE_FIELDS = [f.name for f in fields(Variable)]
_COMPILED = ("test", "apply")  # rebuilt from `when` and `do` on load
_choice_row = attrgetter(*_CHOICE_FIELDS)
_scene_row = attrgetter(*_SCENE_FIELDS)
_citation_row = attrgetter(*_CITATION_FIELDS)
_variable_row = attrgetter(*_VARIABLE_FIELDS)
_C_RECORD, _C_WHEN, _C_DO = (_CHOICE_FIELDS.index(n) for n in ("record", "when", "do"))
_C_TEST, _C_APPLY = (_CHOICE_FIELDS.index(n) for n in _COMPILED)
_S = {n: _SCENE_FIELDS.index(n) for n in ("record", "disputed", "choices", "ending")}
_META = ("id", "title", "summary", "role", "start", "calendar", "start_clock", "questions", "teacher_note",
         "length", "folder", "content_hash", "tracked", "expressions")

_ChoiceTwin = fast_twin(Choice)
_SceneTwin = fast_twin(Scene)
_make_citation = fast_maker(Citation)


CHUNK = 500  # scenes per marshal chunk: an entry is written piece by piece, never held whole


def encode_chunks(story: Story) -> Iterator[bytes]:
    """The story as marshal chunks of plain tuples (compiled closures left out): first the frame
    (fields, metadata, variables, the table of citations, the scene ids of each chunk), then the
    scenes, `CHUNK` at a time.

    Citations are kept once in the table and referred to by number (many scenes share a quote).
    """
    table: dict[tuple[Any, ...], int] = {}
    number: dict[int, int] = {}  # id(citation) -> its row: a shared citation is looked up once
    for sc in story.scenes.values():
        for cite in (*sc.record, *(x for ch in sc.choices for x in ch.record)):
            if id(cite) not in number:
                number[id(cite)] = table.setdefault(_citation_row(cite), len(table))
    whens = tuple(sorted({c.when for sc in story.scenes.values() for c in sc.choices if c.when is not None}))
    dos = tuple(sorted({c.do for sc in story.scenes.values() for c in sc.choices if c.do}))
    meta = tuple(getattr(story, n) for n in _META[:-1]) + ((whens, dos),)
    scenes = list(story.scenes.values())
    ids = tuple(tuple(sc.id for sc in scenes[first:first + CHUNK]) for first in range(0, len(scenes), CHUNK))
    yield marshal.dumps((FORMAT, tuple(_CHOICE_FIELDS), tuple(_SCENE_FIELDS), tuple(_CITATION_FIELDS), meta,
                         story.start_date.isoformat(), tuple(_variable_row(v) for v in story.variables),
                         tuple(table), ids))
    for first in range(0, len(scenes), CHUNK):
        rows = []
        for sc in scenes[first:first + CHUNK]:
            row = list(_scene_row(sc))
            row[_S["record"]] = tuple(number[id(c)] for c in sc.record)
            row[_S["disputed"]] = tuple((d.topic, tuple((a.source, a.quote, a.says, a.found) for a in d.accounts))
                                        for d in sc.disputed)
            row[_S["ending"]] = (sc.ending.kind, sc.ending.epilogue, sc.ending.debrief) if sc.ending else None
            choices = []
            for c in sc.choices:
                crow = list(_choice_row(c))
                crow[_C_RECORD] = tuple(number[id(x)] for x in c.record)
                crow[_C_TEST] = crow[_C_APPLY] = None
                choices.append(tuple(crow))
            row[_S["choices"]] = tuple(choices)
            rows.append(tuple(row))
        yield marshal.dumps(tuple(rows))


def _framed(chunks: Iterator[bytes]) -> Iterator[bytes]:
    for chunk in chunks:  # each chunk after its length, so that reading needs no file object
        yield len(chunk).to_bytes(8, "big")
        yield chunk


def encode(story: Story) -> bytes:
    return b"".join(_framed(encode_chunks(story)))


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


class LazyScenes(Mapping[str, Scene]):
    """The scenes of a story read from the cache: every id is known at once, and each chunk of
    scenes is decoded the first time one of its scenes is asked for (a game of a 10,000-scene
    story may never touch most of them). The entry was authenticated whole before any of it is
    decoded. Iteration follows the story's order; comparing or listing the values decodes all."""

    def __init__(self, ids: tuple[tuple[str, ...], ...], chunks: list[memoryview],
                 decode_chunk: Callable[[memoryview], list[Scene]]) -> None:
        self._order = [sid for part in ids for sid in part]
        self._chunk_of = {sid: n for n, part in enumerate(ids) for sid in part}
        self._chunks: list[memoryview | None] = list(chunks)
        self._decode_chunk = decode_chunk
        self._scenes: dict[str, Scene] = {}

    def __getitem__(self, sid: str) -> Scene:
        scene = self._scenes.get(sid)
        if scene is None:
            self._load(self._chunk_of[sid])  # KeyError: no such scene
            scene = self._scenes[sid]
        return scene

    def __contains__(self, sid: object) -> bool:
        return sid in self._chunk_of

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __repr__(self) -> str:  # as the dict of a compiled story shows
        return repr(dict(self.items()))

    def _load(self, n: int) -> None:
        chunk = self._chunks[n]
        if chunk is None:
            return
        with paused_gc():
            for scene in self._decode_chunk(chunk):
                self._scenes[scene.id] = scene
        self._chunks[n] = None
        chunk.release()

    def load_all(self) -> None:
        for n in range(len(self._chunks)):
            self._load(n)


class LazyChoices(Mapping[str, Choice]):
    """`Story.choices_by_id` for a story read from the cache: filled as its scenes are decoded."""

    def __init__(self, scenes: LazyScenes, known: dict[str, Choice]) -> None:
        self._scenes = scenes
        self._known = known

    def __getitem__(self, cid: str) -> Choice:
        choice = self._known.get(cid)
        if choice is None:
            sid = cid.rpartition(".")[0]  # a choice's id is "scene.key"
            if sid in self._scenes:
                self._scenes[sid]  # noqa: B018 - decodes the scene's chunk
            choice = self._known.get(cid)
        if choice is None:
            self._scenes.load_all()
            choice = self._known[cid]
        return choice

    def __iter__(self) -> Iterator[str]:
        return (c.id for sc in self._scenes.values() for c in sc.choices)

    def __len__(self) -> int:
        self._scenes.load_all()
        return len(self._known)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


def decode(payload: bytes) -> Story:
    """A Story from `encode`'s bytes; raises (anything) if they are not what `encode` wrote.

    Only the frame is decoded here; the scenes are decoded chunk by chunk when first asked for
    (`LazyScenes`). The caller has checked the entry's HMAC, so the chunks are what was written.
    """
    pieces = list(_unframed(payload))
    fmt, choice_fields, scene_fields, citation_fields, meta, start_date, var_rows, cite_rows, ids = \
        marshal.loads(pieces[0])
    if fmt != FORMAT or list(choice_fields) != _CHOICE_FIELDS or list(scene_fields) != _SCENE_FIELDS \
            or list(citation_fields) != _CITATION_FIELDS or _ChoiceTwin is None or _SceneTwin is None:
        raise ValueError("a cache entry of another layout")
    if len(ids) != len(pieces) - 1:
        raise ValueError("a cache entry with chunks missing")
    m = dict(zip(_META, meta, strict=True))
    variables = tuple(Variable(*row) for row in var_rows)
    whens, dos = m["expressions"]
    comp = compile_expressions(variables, [sid for part in ids for sid in part], whens, dos)
    if comp.tracked != m["tracked"]:
        raise ValueError("the expressions do not track the same scenes")
    known: dict[str, Choice] = {}
    scenes = LazyScenes(ids, pieces[1:], _chunk_decoder(comp.tests, comp.applies,
                                                        [_make_citation(*row) for row in cite_rows], known))
    return Story(
        id=m["id"], title=m["title"], summary=m["summary"], role=m["role"], start=m["start"],
        start_date=date.fromisoformat(start_date), calendar=m["calendar"], start_clock=m["start_clock"],
        variables=variables, scenes=scenes, questions=m["questions"], teacher_note=m["teacher_note"],
        length=m["length"], folder=m["folder"], content_hash=m["content_hash"], tracked=comp.tracked,
        initial_visits=(0,) * len(comp.tracked), choices_by_id=LazyChoices(scenes, known))


def _chunk_decoder(tests: dict[str, Any], applies: dict[tuple[str, ...], Any], citations: list[Citation],
                   known: dict[str, Choice]) -> Callable[[memoryview], list[Scene]]:
    """Decodes one chunk of scene rows into scenes (and records their choices in `known`)."""
    cite = citations.__getitem__
    records: dict[tuple[int, ...], tuple[Citation, ...]] = {(): ()}  # the same citations: one tuple
    choice_twin, scene_twin, choice_cls, scene_cls = _ChoiceTwin, _SceneTwin, Choice, Scene
    test_of, apply_of, known_record = tests.get, applies.get, records.get

    def record_of(numbers: tuple[int, ...]) -> tuple[Citation, ...]:
        got = known_record(numbers)
        if got is None:
            got = records[numbers] = tuple(map(cite, numbers))
        return got

    def decode_chunk(chunk: memoryview) -> list[Scene]:
        out: list[Scene] = []
        # each value is made in its plain twin, completed, then given its real (frozen) class
        for row in marshal.loads(chunk):
            scene = scene_twin(*row)
            choices = []
            for crow in scene.choices:
                choice = choice_twin(*crow)
                choice.record = record_of(choice.record)
                choice.test = test_of(choice.when)
                choice.apply = apply_of(choice.do)
                choice.__class__ = choice_cls
                choices.append(choice)
                known[choice.id] = choice
            scene.choices = tuple(choices)
            scene.record = record_of(scene.record)
            if scene.disputed:
                scene.disputed = tuple(Dispute(topic, tuple(Account(*a) for a in accounts))
                                       for topic, accounts in scene.disputed)
            if scene.ending is not None:
                scene.ending = Ending(*scene.ending)
            scene.__class__ = scene_cls
            out.append(scene)
        return out

    return decode_chunk


# -- reading and writing entries ---------------------------------------------------------------

def _header(key: str, mac: str) -> bytes:
    return b"%s %d %s %s\n" % (MAGIC, FORMAT, key.encode(), mac.encode())


def load(folder: Path, key: str, directory: Path | None = None) -> Story | None:
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
        with paused_gc():
            return decode(payload)
    except (Exception, MemoryError):  # noqa: BLE001 - an entry that does not decode is simply not used
        return None


def store(folder: Path, key: str, story: Story, directory: Path | None = None) -> bool:
    """Write the entry for `folder` atomically; False (and nothing raised) if it cannot be written."""
    directory = directory if directory is not None else cache_dir()
    if directory is None:
        return False
    try:
        secret = _secret(directory, create=True)
        if secret is None:
            return False
        path = entry_path(directory, folder)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".story")
        try:
            with os.fdopen(fd, "wb") as f:
                mac = hmac.new(secret, key.encode() + b"\0", hashlib.sha256)
                f.write(_header(key, "0" * 64))  # the real MAC, once known, has the same length
                with paused_gc():
                    for chunk in _framed(encode_chunks(story)):
                        mac.update(chunk)
                        f.write(chunk)
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
