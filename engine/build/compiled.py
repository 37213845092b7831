"""A compiled story packed as `marshal` chunks of plain rows, and unpacked lazily.

This is the one compiled form of a story. The compiler packs its checked IR (`pack`), the
cache writes the same chunks to disk, and `unpack` turns chunks into a `Story` whether they
were packed a moment ago or read back from the cache: a cold load and a cached load give the
same kind of story, built the same way.

The first chunk is the frame: the field names, the scenario's metadata, its variables, the
source of every condition and effect, the time of each timed scene, and the scene ids of each
later chunk. Each later chunk holds up to `CHUNK` scenes as tuples in the field order of
`Scene` and `Choice`, with its own table of the citations they make (many scenes cite the
same passage; rows refer to it by number). A chunk needs nothing from the others, so the
compiler packs each scene file's chunks while it checks that file (in a helper process for a
big scenario). Only plain values are
stored (tuples, strings, numbers, None): conditions and effects are kept as their source text
and compiled by the expression compiler when the story is unpacked, so no compiled code is
ever read back. Scenes are decoded a chunk at a time, when one of them is first asked for.
"""

from __future__ import annotations

import marshal
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from engine.base.gcpause import paused_gc
from engine.build.bindings import compile_expressions
from engine.core.model import (
    VISIT_CAP,
    Account,
    Choice,
    Citation,
    Dispute,
    Ending,
    Scene,
    Story,
    Variable,
    fast_maker,
    fast_twin,
)
from engine.expressions.language import Condition, Effect
from engine.expressions.template import Template

# 3: packed from the IR; visit slots and `conditional` set when unpacked; 4: chapters, fixed order;
# 5: `invented`, `neutral`; 6: text templates
FORMAT = 6
CHUNK = 500  # scenes per chunk: packed, written and decoded piece by piece

# the row layouts: the fields of each model class, in order. A row is built by field name (`_row`),
# and the frame carries these names, so a cache of another layout is refused (rebuilt), not misread.
CHOICE_FIELDS = Choice.__match_args__
SCENE_FIELDS = Scene.__match_args__
CITATION_FIELDS = Citation.__match_args__
VARIABLE_FIELDS = Variable.__match_args__
ACCOUNT_FIELDS = Account.__match_args__
ENDING_FIELDS = Ending.__match_args__
META = ("id", "title", "summary", "role", "start", "date", "calendar", "clock", "questions", "teacher_note",
        "length", "folder", "hash", "chapters", "fixed")

_ChoiceTwin = fast_twin(Choice)
_SceneTwin = fast_twin(Scene)
_make_citation = fast_maker(Citation)


def _tuple(value: Any) -> tuple[Any, ...] | None:
    return tuple(value) if value else None


def pack(ir: Mapping[str, Any], chunks: Sequence[tuple[tuple[str, ...], bytes]] | None = None) -> list[bytes]:
    """The checked IR of a scenario (`engine.build.compiler`) as chunks: the frame, then the scenes.

    `chunks`, when given, are the scenes already packed (`pack_scenes`, file by file while they
    were checked); they are used only if they hold exactly the IR's scenes, in order (a lean IR,
    `engine.build.compiler.analyze(lean=True)`, must come with its chunks).
    """
    scenes: list[dict[str, Any]] = ir["scenes"]
    order = [s["id"] for s in scenes]
    if chunks is None or [sid for ids, _ in chunks for sid in ids] != order:
        if ir.get("lean"):  # its scenes are only in the chunks
            raise ValueError("the packed scenes are not the scenes of this (lean) IR")
        chunks = pack_scenes(scenes)
    with paused_gc():
        whens = sorted({c["when"] for s in scenes for c in s["choices"] if c["when"] is not None})
        dos = sorted({tuple(c["do"]) for s in scenes for c in s["choices"] if c["do"]})
        texts = sorted({text for s in scenes for _, text in s.get("templates", ())})
        times = tuple((s["id"], s["time"], s["day"]) for s in scenes if s["time"] is not None or s["day"] is not None)
        variables = tuple(_row(VARIABLE_FIELDS, v, {
            "index": i, "values": tuple(v["values"]) if v["values"] is not None else None})
            for i, v in enumerate(ir["variables"]))
        meta = tuple(tuple(ir.get(n) or ()) if n in ("questions", "fixed") else
                     tuple(tuple(c) for c in ir.get(n) or ()) if n == "chapters" else ir[n] for n in META)
        frame = marshal.dumps((FORMAT, CHOICE_FIELDS, SCENE_FIELDS, CITATION_FIELDS, VARIABLE_FIELDS, meta, variables,
                               (tuple(whens), tuple(dos), tuple(texts)), times, tuple(ids for ids, _ in chunks)))
    return [frame, *(data for _, data in chunks)]


def pack_scenes(scenes: list[dict[str, Any]]) -> list[tuple[tuple[str, ...], bytes]]:
    """Scenes of the checked IR as chunks of at most `CHUNK` rows, each with its scene ids.

    A chunk stands alone (it may be packed in another process, file by file): it carries its own
    table of citations, and what depends on other scenes (the target's time, the visit slots) is
    filled in when the story is unpacked.
    """
    out = []
    with paused_gc():
        for first in range(0, len(scenes), CHUNK):
            part = scenes[first:first + CHUNK]
            out.append((tuple(s["id"] for s in part), _pack_chunk(part)))
    return out


def _row(names: tuple[str, ...], ir: Mapping[str, Any], values: dict[str, Any]) -> tuple[Any, ...]:
    """A row in the order of `names` (a model class's fields): each field's value from `values`,
    else the IR's value of the same name. A new plain field of the model that the compiler puts
    in the IR under its own name needs nothing here; one that needs converting is one entry."""
    return tuple(values[n] if n in values else ir[n] for n in names)


def _pack_chunk(scenes: list[dict[str, Any]]) -> bytes:
    table: dict[tuple[str, str, str], int] = {}
    cite_rows: list[tuple[Any, ...]] = []
    number: dict[int, int] = {}  # id(citation IR) -> its row: a shared citation is looked up once

    def numbers(items: list[dict[str, Any]]) -> tuple[int, ...]:
        if not items:
            return ()
        out = []
        for c in items:
            n = number.get(id(c))
            if n is None:
                key = (c["source"], c["quote"], c.get("note") or "")
                n = table.get(key)
                if n is None:  # the same passage cited twice is one row: its place follows from the quote
                    n = table[key] = len(cite_rows)
                    cite_rows.append(_row(CITATION_FIELDS, c, {
                        "note": key[2], "found": _tuple(c.get("found")),
                        "corrected": tuple((a, b) for a, b in c.get("corrected") or ())}))
                number[id(c)] = n
            out.append(n)
        return tuple(out)

    rows = []
    for s in scenes:
        sid = s["id"]
        # the fields filled in when the story is unpacked, and those the IR holds in another form
        choices = tuple(_row(CHOICE_FIELDS, c, {
            "id": f"{sid}.{c['key']}", "scene": sid, "do": tuple(c["do"]), "record": numbers(c["record"]),
            "test": None, "apply": None, "to_time": None, "to_day": None, "to_visit": -1, "to_visit_cap": 0})
            for c in s["choices"])
        e = s["ending"]
        disputed = tuple(
            (d["topic"], tuple(_row(ACCOUNT_FIELDS, a, {"says": a.get("says", ""), "found": _tuple(a.get("found"))})
                               for a in d["accounts"]))
            for d in s["disputed"])
        rows.append(_row(SCENE_FIELDS, s, {
            "record": numbers(s["record"]), "disputed": disputed, "events": tuple(s["events"]), "choices": choices,
            "ending": _row(ENDING_FIELDS, e, {"epilogue": e.get("epilogue") or "", "debrief": e.get("debrief") or ""})
            if e else None,
            "conditional": False, "invented": s.get("invented") or ""}))
    return marshal.dumps((tuple(cite_rows), tuple(rows)))


def unpack(chunks: Sequence[bytes | memoryview], conditions: Mapping[str, Condition] | None = None,
           effects: Mapping[tuple[str, ...], Effect] | None = None,
           templates: Mapping[str, Template] | None = None) -> Story:
    """A Story from `pack`'s chunks; raises (anything) if they are not what `pack` made.

    Only the frame is decoded here; the scenes are decoded a chunk at a time when first asked
    for (`LazyScenes`). The conditions and effects are compiled now (given `conditions` and
    `effects` already parsed, they are only bound). Chunks read from disk must have been
    authenticated first (`engine.build.cache` does).
    """
    fmt, choice_fields, scene_fields, citation_fields, variable_fields, meta, var_rows, expressions, times, ids \
        = marshal.loads(chunks[0])
    if fmt != FORMAT or (choice_fields, scene_fields, citation_fields, variable_fields) != \
            (CHOICE_FIELDS, SCENE_FIELDS, CITATION_FIELDS, VARIABLE_FIELDS) or _ChoiceTwin is None \
            or _SceneTwin is None:
        raise ValueError("a packed story of another layout")
    if len(ids) != len(chunks) - 1:
        raise ValueError("a packed story with chunks missing")
    m = dict(zip(META, meta, strict=True))
    variables = tuple(Variable(*row) for row in var_rows)
    whens, dos, texts = expressions
    comp = compile_expressions(variables, [sid for part in ids for sid in part], whens, dos, conditions, effects,
                               texts, templates)
    known: dict[str, Choice] = {}
    decode = _chunk_decoder(comp.tests, comp.applies, comp.visit_index,
                            {sid: (time, day) for sid, time, day in times}, known)
    scenes = LazyScenes(ids, list(chunks[1:]), decode)
    return Story(
        id=m["id"], title=m["title"], summary=m["summary"], role=m["role"], start=m["start"],
        start_date=date.fromisoformat(m["date"]), calendar=m["calendar"], start_clock=m["clock"],
        variables=variables, scenes=scenes, questions=m["questions"], teacher_note=m["teacher_note"],
        length=m["length"], folder=m["folder"], content_hash=m["hash"], tracked=comp.tracked,
        initial_visits=(0,) * len(comp.tracked), choices_by_id=LazyChoices(scenes, known),
        chapters=m["chapters"], fixed_order=frozenset(m["fixed"]), templates=comp.templates)


def _chunk_decoder(tests: dict[str, Any], applies: dict[tuple[str, ...], Any], visit_index: dict[str, int],
                   times: dict[str, tuple[int | None, int | None]],
                   known: dict[str, Choice]) -> Callable[[bytes | memoryview], list[Scene]]:
    """Decodes one chunk of scene rows into scenes (and records their choices in `known`)."""
    citations: dict[tuple[Any, ...], Citation] = {}  # one value per passage, whichever chunk cites it
    choice_twin, scene_twin, choice_cls, scene_cls = _ChoiceTwin, _SceneTwin, Choice, Scene
    test_of, apply_of, visit_of, time_of = tests.get, applies.get, visit_index.get, times.get
    no_time = (None, None)

    def decode_chunk(chunk: bytes | memoryview) -> list[Scene]:
        cite_rows, rows = marshal.loads(chunk)
        cite = [citations.get(r) or citations.setdefault(r, _make_citation(*r)) for r in cite_rows].__getitem__
        records: dict[tuple[int, ...], tuple[Citation, ...]] = {(): ()}  # the same citations: one tuple
        known_record = records.get

        def record_of(numbers: tuple[int, ...]) -> tuple[Citation, ...]:
            got = known_record(numbers)
            if got is None:
                got = records[numbers] = tuple(map(cite, numbers))
            return got

        out: list[Scene] = []
        # each value is made in its plain twin, completed, then given its real (frozen) class
        for row in rows:
            scene = scene_twin(*row)
            choices = []
            conditional = False
            for crow in scene.choices:
                choice = choice_twin(*crow)
                choice.record = record_of(choice.record)
                if choice.when is not None:
                    choice.test = test_of(choice.when)
                    conditional = conditional or choice.test is not None
                if choice.do:
                    choice.apply = apply_of(choice.do)
                choice.to_time, choice.to_day = time_of(choice.target, no_time)
                choice.to_visit = visit_of(choice.target, -1)
                choice.to_visit_cap = VISIT_CAP
                choice.__class__ = choice_cls
                choices.append(choice)
                known[choice.id] = choice
            scene.choices = tuple(choices)
            scene.conditional = conditional
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


class LazyScenes(Mapping[str, Scene]):
    """The scenes of a packed story: every id is known at once, and each chunk of scenes is
    decoded the first time one of its scenes is asked for (a game of a 10,000-scene story may
    never touch most of them). Iteration follows the story's order; comparing or listing the
    values decodes all."""

    def __init__(self, ids: tuple[tuple[str, ...], ...], chunks: list[bytes | memoryview],
                 decode_chunk: Callable[[bytes | memoryview], list[Scene]]) -> None:
        self._order = [sid for part in ids for sid in part]
        self._chunk_of = {sid: n for n, part in enumerate(ids) for sid in part}
        self._chunks: list[bytes | memoryview | None] = list(chunks)
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

    def __repr__(self) -> str:  # as a dict of the scenes shows
        return repr(dict(self.items()))

    def _load(self, n: int) -> None:
        chunk = self._chunks[n]
        if chunk is None:
            return
        with paused_gc():
            for scene in self._decode_chunk(chunk):
                self._scenes[scene.id] = scene
        self._chunks[n] = None
        if isinstance(chunk, memoryview):
            chunk.release()

    def load_all(self) -> None:
        for n in range(len(self._chunks)):
            self._load(n)


class LazyChoices(Mapping[str, Choice]):
    """`Story.choices_by_id` of a packed story: filled as its scenes are decoded."""

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
