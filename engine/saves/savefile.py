"""The save file format: canonical JSON with a checksum, parsed as untrusted input.

A save is one JSON object (never pickle, never YAML)::

    {"kind": "chronicle-save", "format": 1, "engine": "0.1.0",
     "scenario": "malachite_hall", "content_hash": "<the scenario's hash>",
     "slot": "before-the-storm", "saved_at": "2024-05-01T14:03:22.120+00:00",
     "path": ["noon_session.wait", ...],                   # stable choice ids: the whole game
     "state": {"scene": ..., "variables": {name: value}, "visits": {scene: n}, "clock": int|null},
     "summary": {"title": ..., "scene_title": ..., "place": ..., "clock": "25 October 1917 ..."},
     "game": {"id": "<16 hex digits>", "seed": 0..2**32-1 | null, "chapter": name | null},  # optional
     "checksum": "sha256:<hex>"}

The checksum is the SHA-256 of the canonical JSON (sorted keys, no spaces, ASCII) of every
other key; it catches truncated, empty and bit-flipped files (it is not a signature: a crafted
save can carry a valid one, so everything is also checked for type and size, and the path is
replayed through the scenario; what is shown of a save is recomputed from the replayed path, and
``scenario`` must be an id, ``engine`` a version number, ``saved_at`` a date with a time zone).
The ``kind``, ``format`` and ``checksum`` keys and the checksum rule are the envelope, kept by
every later format, so a newer save can be told from a damaged one.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from engine.base.valueclass import FrozenValueClass, set_field
from engine.saves.errors import SaveError

KIND = "chronicle-save"
FORMAT = 1
MAX_BYTES = 1 << 20  # 1 MiB: a forty-minute game is a few kilobytes
MAX_DEPTH = 8  # the format nests 3 deep
MAX_STEPS = 100_000
MAX_TEXT = 2_000
MAX_ITEMS = 10_000
_BRACKETS = re.compile(rb'[\[\]{}"\\]')
# a scenario is named by its id, never by a path: what `chronicle play --load` looks up
SCENARIO_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
VERSION = re.compile(r"(\d{1,4})\.(\d{1,4})\.(\d{1,4})(?:[.+-][0-9A-Za-z.+-]{1,40})?")


class SaveData(FrozenValueClass):
    """A save file, checked for shape and types (not yet against a scenario).

    Written out rather than a dataclass, with the same `__init__`, `__repr__`, `__eq__`, `__hash__` and frozen-ness:
    creating a dataclass costs start-up time (issue 16)."""

    __match_args__ = (
        "format",
        "engine",
        "scenario",
        "content_hash",
        "slot",
        "saved_at",
        "path",
        "scene",
        "variables",
        "visits",
        "clock",
        "title",
        "scene_title",
        "place",
        "clock_text",
        "game_id",
        "seed",
        "chapter",
    )
    format: int
    engine: str
    scenario: str
    content_hash: str
    slot: str
    saved_at: str
    path: tuple[str, ...]
    scene: str
    variables: dict[str, int | bool | str]
    visits: dict[str, int]
    clock: int | None
    title: str
    scene_title: str
    place: str
    clock_text: str
    game_id: str  # the game it belongs to ("" in saves from before games had ids)
    seed: int | None  # the order its choices are shown in (engine.core.order)
    chapter: str | None  # the chapter it started at

    def __init__(
        self,
        format: int,
        engine: str,
        scenario: str,
        content_hash: str,
        slot: str,
        saved_at: str,
        path: tuple[str, ...],
        scene: str,
        variables: dict[str, int | bool | str],
        visits: dict[str, int],
        clock: int | None,
        title: str = "",
        scene_title: str = "",
        place: str = "",
        clock_text: str = "",
        game_id: str = "",
        seed: int | None = None,
        chapter: str | None = None,
    ) -> None:
        set_field(self, "format", format)
        set_field(self, "engine", engine)
        set_field(self, "scenario", scenario)
        set_field(self, "content_hash", content_hash)
        set_field(self, "slot", slot)
        set_field(self, "saved_at", saved_at)
        set_field(self, "path", path)
        set_field(self, "scene", scene)
        set_field(self, "variables", variables)
        set_field(self, "visits", visits)
        set_field(self, "clock", clock)
        set_field(self, "title", title)
        set_field(self, "scene_title", scene_title)
        set_field(self, "place", place)
        set_field(self, "clock_text", clock_text)
        set_field(self, "game_id", game_id)
        set_field(self, "seed", seed)
        set_field(self, "chapter", chapter)


class TooNew(SaveError):
    """A save written by a newer Chronicle (a format this version does not know)."""


def canonical(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def checksum(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def encode(doc: dict[str, Any]) -> bytes:
    """The file bytes of a save document (without "checksum"): serialised once, checksum appended."""
    body = canonical(doc)
    return body[:-1] + b',"checksum":"' + checksum(body).encode("ascii") + b'"}\n'


def nesting_depth(data: bytes, limit: int) -> int:
    """The bracket nesting depth of JSON text (strings skipped), stopping once over `limit`."""
    depth = deepest = 0
    in_string = False
    skip = -1  # the position of a character escaped by a backslash
    for m in _BRACKETS.finditer(data):
        pos, ch = m.start(), m.group()
        if in_string:
            if pos == skip:
                continue
            if ch == b"\\":
                skip = pos + 1
            elif ch == b'"':
                in_string = False
            continue
        if ch == b'"':
            in_string = True
        elif ch in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif ch in (b"]", b"}"):
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _not_json(data: bytes) -> SaveError:
    head = data[:4096]
    if b"!!python" in head or b"!python" in head:
        return SaveError("it is not a Chronicle save: it looks like YAML with a Python object tag. "
                         "Saves are plain JSON and are never run as code.")
    if not data.strip():
        return SaveError("the file is empty (it may have been cut off while saving)")
    return SaveError("the file is damaged or is not a Chronicle save (it is not complete JSON; "
                     "it may have been cut off while saving)")


def parse(data: bytes) -> dict[str, Any]:
    """The JSON object of a save file, with the envelope checked; SaveError (or TooNew) if not."""
    if not data.strip():
        raise _not_json(data)
    if nesting_depth(data, MAX_DEPTH) > MAX_DEPTH:
        raise SaveError("it is not a Chronicle save: its JSON is nested far too deeply")
    try:
        text = data.decode("utf-8")
        doc = json.loads(text, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _not_json(data) from None
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise SaveError("it is not a Chronicle save (it has no \"kind\": \"chronicle-save\")")
    fmt = doc.get("format")
    if type(fmt) is not int or fmt < 1:
        raise SaveError("the file is damaged: its format number is missing or wrong")
    given = doc.pop("checksum", None)
    intact = isinstance(given, str) and given == checksum(canonical(doc))
    if fmt > FORMAT:
        if intact:
            raise TooNew(f"it was written by a newer version of Chronicle (save format {fmt}; this "
                         f"version reads format {FORMAT}). Update Chronicle to load it; the file is "
                         "left as it is.")
        raise SaveError(f"the file is damaged (or comes from a newer Chronicle: it says format {fmt})")
    if given is None:
        raise SaveError("the file is damaged: its checksum is missing")
    if not intact:
        raise SaveError("the file is damaged: its checksum does not match its contents "
                        "(it was cut off, changed or corrupted)")
    return doc


def _text(doc: dict[str, Any], key: str, *, empty: bool = False, limit: int = MAX_TEXT) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or (not value and not empty) or len(value) > limit:
        raise SaveError(f'the file is not a valid save: "{key}" must be a piece of text')
    return value


def _scenario_id(doc: dict[str, Any]) -> str:
    value = _text(doc, "scenario", limit=200)
    if not SCENARIO_ID.fullmatch(value):
        raise SaveError('the file is not a valid save: "scenario" must be a scenario id (small letters, digits '
                        f"and _, like malachite_hall), not {json.dumps(value[:60])}; a save never names a "
                        "path or a folder")
    return value


def _engine(doc: dict[str, Any]) -> str:
    value = _text(doc, "engine", empty=True, limit=100)
    if value and not VERSION.fullmatch(value):
        raise SaveError('the file is not a valid save: "engine" must be a version number like 0.1.0')
    return value


def _saved_at(doc: dict[str, Any]) -> str:
    from datetime import datetime

    value = _text(doc, "saved_at", empty=True, limit=100)
    if value:
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            raise SaveError('the file is not a valid save: "saved_at" must be a date and time with its '
                            "time zone, like 2024-05-01T14:03:22.120+00:00")
    return value


def version_tuple(version: str) -> tuple[int, int, int] | None:
    """(major, minor, patch) of a version number, or None."""
    m = VERSION.fullmatch(version)
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def validate_save(doc: dict[str, Any]) -> SaveData:
    """Check the shape and types of every field; SaveError names the first wrong one."""
    path = doc.get("path")
    if not isinstance(path, list) or len(path) > MAX_STEPS:
        raise SaveError('the file is not a valid save: "path" must be a list of choice ids')
    for item in path:
        if not isinstance(item, str) or not item or len(item) > 300:
            raise SaveError('the file is not a valid save: "path" must be a list of choice ids')
    state = doc.get("state")
    if not isinstance(state, dict):
        raise SaveError('the file is not a valid save: "state" is missing')
    variables = state.get("variables")
    if not isinstance(variables, dict) or len(variables) > MAX_ITEMS:
        raise SaveError('the file is not a valid save: "state.variables" must map names to values')
    for name, value in variables.items():
        if not isinstance(value, int | str) or (isinstance(value, str) and len(value) > MAX_TEXT) \
                or len(name) > 300:
            raise SaveError(f'the file is not a valid save: variable "{name[:40]}" has a wrong value')
    visits = state.get("visits")
    if not isinstance(visits, dict) or len(visits) > MAX_ITEMS:
        raise SaveError('the file is not a valid save: "state.visits" must map scenes to counts')
    for name, count in visits.items():
        if type(count) is not int or count < 0 or len(name) > 300:
            raise SaveError(f'the file is not a valid save: the visits of "{name[:40]}" are wrong')
    clock = state.get("clock")
    if clock is not None and (type(clock) is not int or abs(clock) > 10**9):
        raise SaveError('the file is not a valid save: "state.clock" must be a number of minutes')
    summary = doc.get("summary", {})
    if not isinstance(summary, dict):
        raise SaveError('the file is not a valid save: "summary" must be an object')
    extra = {k: _text(summary, k, empty=True) if k in summary else "" for k in
             ("title", "scene_title", "place", "clock")}
    game = doc.get("game", {})
    if not isinstance(game, dict):
        raise SaveError('the file is not a valid save: "game" must be an object')
    game_id = game.get("id", "")
    seed = game.get("seed")
    chapter = game.get("chapter")
    if not isinstance(game_id, str) or len(game_id) > 100 or (
            seed is not None and (type(seed) is not int or not 0 <= seed <= 0xFFFFFFFF)) or (
            chapter is not None and (not isinstance(chapter, str) or not chapter or len(chapter) > 100)):
        raise SaveError('the file is not a valid save: "game" must have an id, a seed and a chapter')
    return SaveData(
        format=doc["format"],
        engine=_engine(doc),
        scenario=_scenario_id(doc),
        content_hash=_text(doc, "content_hash", empty=True, limit=200),
        slot=_text(doc, "slot", empty=True, limit=300),
        saved_at=_saved_at(doc),
        path=tuple(path),
        scene=_text(state, "scene", limit=300),
        variables=dict(variables),
        visits=dict(visits),
        clock=clock,
        title=extra["title"],
        scene_title=extra["scene_title"],
        place=extra["place"],
        clock_text=extra["clock"],
        game_id=game_id,
        seed=seed,
        chapter=chapter,
    )


def decode(data: bytes) -> SaveData:
    """Parse and check a save file's bytes."""
    return validate_save(parse(data))
