"""Compile a scenario folder into an immutable `Story`, collecting every problem on the way.

Two stages:

1. `analyze` reads the files safely, validates them against the schema, checks every
   reference, expression and quotation, and gives the diagnostics plus a plain-data form of
   the scenario (the "IR": only lists, dicts, strings, numbers) that can be cached;
2. `build` turns the IR into a `Story`: expressions compiled to closures, transitions
   precomputed, nothing left for the per-step path.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, cast

from engine import ENGINE_VERSION, safeyaml
from engine.atomic import ReadRefused, read_capped
from engine.calendar import day_offset, parse_time
from engine.diagnostics import ChronicleError, Diagnostic, did_you_mean
from engine.expr import Condition, Effect, ExprError, VarSpec, parse_condition, parse_effects
from engine.gcpause import paused_gc
from engine.model import Account, Choice, Citation, Dispute, Ending, Scene, Story, Variable, fast_maker
from engine.record import Record, load_record
from engine.schema import FORMAT_VERSION
from engine.validate import validate

VISIT_CAP = 20  # visits() counts up to this many; keeps the state space finite

CODES = {
    "E020": "the file's format version is missing, older or newer than this engine supports",
    "E011": "the file is empty or is not a mapping of keys",
    "E201": "a scene id that does not exist (start or goto)",
    "E202": "the same scene id is defined twice",
    "E203": "two choices of a scene have the same id",
    "E204": "an ending with choices, or a scene with neither choices nor an ending",
    "E205": "the scenario id does not match its folder",
    "E206": "the folder has no scenario.yaml or no scene files",
    "E207": "a date that is not a real date",
    "E208": "a variable whose initial value or bounds do not fit its type",
    "E209": "a choice marked both historical and counterfactual",
    "E210": "a `locked` reason without a `when` condition",
    "E211": "a citation of a source id that does not exist",
    "E401": "a quote that is not found in the source it cites",
    "E402": "a historical choice without a citation",
    "E403": "a scene without a citation",
}

_SLUG = re.compile(r"[^a-z0-9]+")


def _short(value: object, limit: int = 80) -> str:
    """A value as it may appear in a message: never the whole of a huge input."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slug(text: str, limit: int = 40) -> str:
    s = _SLUG.sub("_", text.lower()).strip("_")
    if len(s) > limit:
        s = s[:limit].rsplit("_", 1)[0] or s[:limit]
    if not s or not s[0].isalpha():
        s = "c_" + s
    return s


def display_path(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def scenario_files(folder: Path) -> list[Path]:
    """scenario.yaml first, then every other YAML file except those in plans/."""
    files = []
    for p in sorted(folder.rglob("*")):
        if p.suffix not in (".yaml", ".yml") or not p.is_file() or p.name == "scenario.yaml":
            continue
        if "plans" in p.relative_to(folder).parts[:-1]:
            continue
        files.append(p)
    return [folder / "scenario.yaml", *files]


def content_hash(files: list[Path], record: Record) -> str:
    h = hashlib.sha256()
    h.update(f"chronicle {ENGINE_VERSION}\n".encode())
    for f in files:
        h.update(f.name.encode() + b"\0")
        h.update(f.read_bytes() if f.exists() else b"")
        h.update(b"\0")
    h.update(record.content_hash.encode())
    return h.hexdigest()


@dataclass
class Analysis:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    ir: dict[str, Any] | None = None
    conditions: dict[str, Condition] = field(default_factory=dict)
    effects: dict[tuple[str, ...], Effect] = field(default_factory=dict)


class _Checker:
    def __init__(self, folder: Path, record: Record) -> None:
        self.folder = folder
        self.record = record
        self.out: list[Diagnostic] = []
        self.quote_memo: dict[tuple[str, str], Any] = {}

    def error(self, doc: safeyaml.Doc, path: tuple[Any, ...], code: str, message: str, hint: str = "",
              *, key: bool = False, offset: int = 0, severity: str = "error") -> None:
        line, col = doc.mark(path, key=key)
        if offset:
            style = doc.style(path)
            single_line = style in (None, "'", '"')
            if single_line:
                col += offset + (1 if style in ("'", '"') else 0)
        self.out.append(Diagnostic(doc.path, line, col, severity, code, message, hint))  # type: ignore[arg-type]

    # -- citations ---------------------------------------------------------------------------
    def citation(self, doc: safeyaml.Doc, path: tuple[Any, ...], item: Any) -> dict[str, Any] | None:
        if not isinstance(item, dict):
            return None
        source, quote = item.get("source"), item.get("quote")
        if not isinstance(source, str) or not isinstance(quote, str):
            return None
        if source not in self.record.sources:
            hint = did_you_mean(source, self.record.sources) or (
                "the sources are: " + ", ".join(sorted(self.record.sources)))
            self.error(doc, path + ("source",), "E211", f'unknown source "{_short(source)}"', hint)
            return None
        key = (source, quote)
        if key not in self.quote_memo:
            self.quote_memo[key] = self.record.find(source, quote)
        match = self.quote_memo[key]
        if match is None:
            passage, ratio = self.record.closest(source, quote)
            other = self.record.find_any(quote)
            hint = f'the closest passage in {source} ({ratio:.0%} alike) is: "{passage.strip()[:200]}"'
            if other is not None:
                hint = f'this quote is in "{other.source}", not "{source}": change the source'
            self.error(doc, path + ("quote",), "E401", f'quote not found in source "{source}"', hint)
            return None
        out = dict(item)
        out["found"] = [match.start, match.end, match.paragraph]
        out["corrected"] = [list(p) for p in match.corrected]
        return out

    def citations(self, doc: safeyaml.Doc, path: tuple[Any, ...], items: Any) -> list[dict[str, Any]]:
        if not isinstance(items, list):
            return []
        got = [self.citation(doc, path + (i,), it) for i, it in enumerate(items)]
        return [c for c in got if c is not None]


def _good_date(text: Any) -> date | None:
    if not isinstance(text, str):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def analyze(folder: str | os.PathLike[str], record: Record | None = None) -> Analysis:
    """Read, validate and check a scenario folder. Never raises for bad input."""
    with paused_gc():
        return _analyze(Path(folder), record)


def _analyze(folder: Path, record: Record | None) -> Analysis:
    record = record or load_record()
    result = Analysis()
    ck = _Checker(folder, record)
    out = ck.out
    files = scenario_files(folder)
    if not files[0].is_file():
        out.append(Diagnostic(display_path(files[0]), 0, 0, "error", "E206",
                              "the scenario folder has no scenario.yaml",
                              "create one (chronicle new makes a template)"))
        result.diagnostics = out
        return result
    docs: list[tuple[safeyaml.Doc, str]] = []
    for f in files:
        shown = display_path(f)
        try:
            data = read_capped(f, safeyaml.MAX_BYTES)  # the size is checked before anything is read
        except ReadRefused as exc:
            size = exc.size
            if size > safeyaml.MAX_BYTES:
                out.append(Diagnostic(shown, 1, 1, "error", "E001",
                                      f"the file is {size:,} bytes; the limit is {safeyaml.MAX_BYTES:,} (1 MiB)",
                                      "split the scenes over several files"))
            else:
                out.append(Diagnostic(shown, 0, 0, "error", "E206", f"cannot read the file: {exc}",
                                      "a scenario file must be a regular file"))
            continue
        except OSError as exc:
            out.append(Diagnostic(shown, 0, 0, "error", "E206", f"cannot read the file: {exc.strerror}"))
            continue
        try:
            doc = safeyaml.load(data, shown, marks_depth=4)  # deeper marks are read when a diagnostic asks
        except ChronicleError as exc:
            out.extend(exc.diagnostics)
            continue
        if not isinstance(doc.value, dict):
            out.append(Diagnostic(shown, doc.root[0], doc.root[1], "error", "E011",
                                  "the file must be a mapping of keys (it is empty or a single value)",
                                  "start with 'format: 1' and the keys described in scenarios/README.md"))
            continue
        fmt = doc.value.get("format")
        if isinstance(fmt, int) and not isinstance(fmt, bool) and fmt != FORMAT_VERSION:
            newer = fmt > FORMAT_VERSION
            ck.error(doc, ("format",), "E020",
                     f"format {fmt} is {'newer' if newer else 'older'} than this engine supports ({FORMAT_VERSION})",
                     "upgrade Chronicle to read this file" if newer else "set format: 1")
            continue
        kind = "scenarioFile" if f.name == "scenario.yaml" else "sceneFile"
        out.extend(validate(doc, kind))
        docs.append((doc, kind))
    if len(files) == 1:
        out.append(Diagnostic(display_path(files[0]), 0, 0, "error", "E206",
                              "the scenario has no scene files",
                              "add scenes/*.yaml files with a 'scenes:' mapping"))
    meta_doc = next((d for d, k in docs if k == "scenarioFile"), None)
    meta: dict[str, Any] = meta_doc.value if meta_doc else {}

    # -- the scenario frame ----------------------------------------------------------------
    calendar = (meta.get("clock") or {}).get("calendar") if isinstance(meta.get("clock"), dict) else None
    if calendar not in ("julian", "gregorian"):  # a bad value is reported by the schema; no clock then
        calendar = None
    start_date = _good_date((meta.get("clock") or {}).get("date")) if isinstance(meta.get("clock"), dict) else None
    if meta_doc is not None and isinstance(meta.get("clock"), dict) and meta["clock"].get("date") is not None \
            and start_date is None and isinstance(meta["clock"].get("date"), str):
        ck.error(meta_doc, ("clock", "date"), "E207", f'"{_short(meta["clock"]["date"])}" is not a real date',
                 "write YYYY-MM-DD, for example 1917-10-25")
    sid = meta.get("id")
    if meta_doc is not None and isinstance(sid, str) and sid != folder.resolve().name:
        ck.error(meta_doc, ("id",), "E205", f'the scenario id "{_short(sid)}" does not match its folder '
                 f'"{folder.resolve().name}"', f'rename the folder or set id: {folder.resolve().name}')

    variables: dict[str, VarSpec] = {}
    var_ir: list[dict[str, Any]] = []
    raw_vars = meta.get("variables")
    if meta_doc is not None and isinstance(raw_vars, dict):
        for name, spec in raw_vars.items():
            if not isinstance(spec, dict) or spec.get("type") not in ("int", "bool", "str"):
                continue
            vtype = spec["type"]
            initial = spec.get("initial")
            lo, hi = spec.get("min"), spec.get("max")
            values = spec.get("values")
            p = ("variables", name)
            pytype = {"int": int, "bool": bool, "str": str}[vtype]
            ok = isinstance(initial, pytype) and (vtype == "bool" or not isinstance(initial, bool))
            if not ok:
                ck.error(meta_doc, p + ("initial",), "E208",
                         f'variable "{name}" is {vtype} but its initial value is {_short(initial)}',
                         {"int": "write a whole number", "bool": "write true or false",
                          "str": "write text in quotes"}[vtype])
                continue
            if (lo is not None or hi is not None) and vtype != "int":
                ck.error(meta_doc, p, "E208", f'only int variables have min/max ("{name}" is {vtype})',
                         "remove min and max")
                continue
            if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
                ck.error(meta_doc, p + ("min",), "E208",
                         f'variable "{name}": min {_short(lo)} is above max {_short(hi)}',
                         "swap them")
                continue
            if isinstance(initial, int) and (
                (isinstance(lo, int) and initial < lo) or (isinstance(hi, int) and initial > hi)
            ):
                ck.error(meta_doc, p + ("initial",), "E208",
                         f'variable "{name}": initial value {_short(initial)} is outside {_short(lo)}..{_short(hi)}',
                         "change the initial value or the bounds")
                continue
            if values is not None and (vtype != "str" or initial not in values):
                ck.error(meta_doc, p + ("values",), "E208",
                         f'variable "{name}": values are for str variables and must include the initial value',
                         f'add "{_short(initial)}" to values' if vtype == "str" else "remove values")
                continue
            variables[name] = VarSpec(name, len(var_ir), vtype, lo, hi,
                                      tuple(values) if values is not None else None)
            var_ir.append({"name": name, "type": vtype, "initial": initial, "min": lo, "max": hi,
                           "values": values, "visible": bool(spec.get("visible", False)),
                           "label": spec.get("label") or name.replace("_", " ")})

    # -- scenes -------------------------------------------------------------------------------
    scene_at: dict[str, tuple[safeyaml.Doc, dict[str, Any]]] = {}
    for doc, kind in docs:
        if kind != "sceneFile" or not isinstance(doc.value.get("scenes"), dict):
            continue
        for scid, sc in doc.value["scenes"].items():
            if not isinstance(sc, dict):
                continue
            if scid in scene_at:
                first = scene_at[scid][0]
                fl = first.mark(("scenes", scid), key=True)
                ck.error(doc, ("scenes", scid), "E202",
                         f'scene "{scid}" is defined twice (first in {first.path}:{fl[0]})',
                         "rename one of them", key=True)
                continue
            scene_at[scid] = (doc, sc)
    scene_ids = list(scene_at)
    start = meta.get("start")
    if meta_doc is not None and isinstance(start, str) and scene_ids and start not in scene_at:
        ck.error(meta_doc, ("start",), "E201", f'the start scene "{_short(start)}" does not exist',
                 did_you_mean(start, scene_ids) or "set start to the id of a scene")

    conditions: dict[str, Condition] = result.conditions
    effects: dict[tuple[str, ...], Effect] = result.effects
    scenes_ir: list[dict[str, Any]] = []
    # each file's values are let go once its last scene is compiled: a big scenario never holds
    # all its files and the whole IR at once
    known = frozenset(scene_at)
    work: list[tuple[str, tuple[safeyaml.Doc, dict[str, Any]]] | None] = list(scene_at.items())
    del scene_at
    docs.clear()
    for i in range(len(work)):
        entry = work[i]
        work[i] = None
        assert entry is not None
        scid, (doc, sc) = entry
        sp: tuple[Any, ...] = ("scenes", scid)
        line = doc.mark(sp, key=True)[0]
        day = None
        if "date" in sc and isinstance(sc["date"], str) and start_date is not None and calendar:
            d = _good_date(sc["date"])
            if d is None:
                ck.error(doc, sp + ("date",), "E207", f'"{_short(sc["date"])}" is not a real date',
                         "write YYYY-MM-DD in the scenario's calendar")
            else:
                day = day_offset(start_date, calendar, d)
        time = parse_time(sc["time"]) if isinstance(sc.get("time"), str) else None
        record_ir = ck.citations(doc, sp + ("record",), sc.get("record"))
        if not sc.get("record"):
            ck.error(doc, sp, "E403", f'scene "{scid}" cites no passage of the record',
                     "add a record: list with at least one verbatim quote", key=True)
        disputes_ir = []
        for di, dispute in enumerate(sc.get("disputed") or []):
            if not isinstance(dispute, dict) or not isinstance(dispute.get("accounts"), list):
                continue
            accounts = []
            for ai, acc in enumerate(dispute["accounts"]):
                got = ck.citation(doc, sp + ("disputed", di, "accounts", ai), acc)
                if got is not None:
                    accounts.append(got)
            disputes_ir.append({"topic": dispute.get("topic", ""), "accounts": accounts})
        raw_choices = sc.get("choices")
        ending = sc.get("ending")
        if raw_choices and ending is not None:
            ck.error(doc, sp + ("ending",), "E204", f'scene "{scid}" has both choices and an ending',
                     "an ending has no choices: remove one or the other", key=True)
        if not raw_choices and ending is None:
            ck.error(doc, sp, "E204", f'scene "{scid}" has neither choices nor an ending',
                     "add choices: or an ending: block", key=True)
        choices_ir = []
        keys_seen: dict[str, int] = {}
        for ci, ch in enumerate(raw_choices if isinstance(raw_choices, list) else []):
            if not isinstance(ch, dict) or not isinstance(ch.get("text"), str):
                continue
            cp = sp + ("choices", ci)
            key: str = ch["id"] if isinstance(ch.get("id"), str) else slug(ch["text"])
            if key in keys_seen:
                ck.error(doc, cp, "E203", f'two choices in scene "{scid}" have the id "{_short(key)}" '
                         f'(choices {keys_seen[key] + 1} and {ci + 1})',
                         "give one of them a distinct id: key")
                continue
            keys_seen[key] = ci
            target = ch.get("goto")
            if isinstance(target, str) and target not in known:
                ck.error(doc, cp + ("goto",), "E201", f'goto "{_short(target)}": no such scene',
                         did_you_mean(target, scene_ids) or "create the scene or fix the id")
            hist, cf = ch.get("historical") is True, ch.get("counterfactual") is True
            if hist and cf:
                ck.error(doc, cp, "E209", "a choice cannot be both historical and counterfactual",
                         "keep the one that is true")
            if ch.get("locked") is not None and ch.get("when") is None:
                ck.error(doc, cp + ("locked",), "E210", "'locked' explains a closed choice but there is no 'when'",
                         "add a when: condition or remove locked", key=True)
            crec = ck.citations(doc, cp + ("record",), ch.get("record"))
            if hist and not ch.get("record"):
                ck.error(doc, cp, "E402", "a historical choice must cite what really happened",
                         "add record: with a verbatim quote showing what the person did")
            when = ch.get("when")
            if isinstance(when, str) and when not in conditions:
                try:
                    conditions[when] = parse_condition(when, variables, scene_ids)
                except ExprError as exc:
                    ck.error(doc, cp + ("when",), exc.code, exc.message, exc.hint, offset=exc.offset)
            do = ch.get("do")
            do_t = (do,) if isinstance(do, str) else tuple(x for x in do if isinstance(x, str)) \
                if isinstance(do, list) else ()
            if do_t and do_t not in effects:
                try:
                    effects[do_t] = parse_effects(list(do_t) if isinstance(do, list) else do_t[0],
                                                  variables, scene_ids)
                except ExprError as exc:
                    item = getattr(exc, "item", 0)
                    where = cp + ("do",) + ((item,) if isinstance(do, list) else ())
                    ck.error(doc, where, exc.code, exc.message, exc.hint, offset=exc.offset)
            choices_ir.append({
                "key": key, "text": ch["text"], "target": target if isinstance(target, str) else "",
                "mark": "historical" if hist else "counterfactual" if cf else None,
                "when": when if isinstance(when, str) else None, "do": list(do_t),
                "locked": ch.get("locked"), "note": ch.get("note") or "", "record": crec,
                "line": doc.mark(cp)[0],
            })
        scenes_ir.append({
            "id": scid, "title": sc.get("title", ""), "place": sc.get("place", ""), "text": sc.get("text", ""),
            "time": time, "day": day, "record": record_ir, "disputed": disputes_ir,
            "events": [e for e in sc.get("events") or [] if isinstance(e, str)],
            "choices": choices_ir,
            "ending": ending if isinstance(ending, dict) else None,
            "file": doc.path, "line": line,
        })

    result.diagnostics = sorted(out)
    if any(d.severity == "error" for d in out) or meta_doc is None:
        return result
    clock = meta["clock"]
    result.ir = {
        "id": meta["id"], "title": meta["title"], "summary": meta["summary"], "role": meta["role"],
        "start": meta["start"], "date": clock["date"], "calendar": clock["calendar"],
        "clock": parse_time(clock["time"]) if isinstance(clock.get("time"), str) else None,
        "variables": var_ir, "questions": list(meta.get("questions") or []),
        "teacher_note": meta.get("teacher_note") or "", "length": meta.get("length") or "",
        "folder": str(folder), "hash": content_hash(files, record), "scenes": scenes_ir,
    }
    return result


_make_citation = fast_maker(Citation)
_make_choice = fast_maker(Choice)
_make_scene = fast_maker(Scene)


def _citations(items: list[dict[str, Any]]) -> tuple[Citation, ...]:
    if not items:
        return ()
    return tuple(_make_citation(c["source"], c["quote"], c.get("note") or "",
                                cast(tuple[int, int, int], tuple(c["found"])) if c.get("found") else None,
                                tuple((a, b) for a, b in c.get("corrected") or ()))
                 for c in items)


def build(ir: Mapping[str, Any], analysis: Analysis | None = None) -> Story:
    """Turn the checked plain data into an immutable Story with compiled transitions."""
    with paused_gc():
        return _build(ir, analysis)


@dataclass
class Compiled:
    """The expressions of a story, compiled: what `build` and the cache both need."""

    tracked: tuple[str, ...]
    visit_index: dict[str, int]
    tests: dict[str, Any]
    applies: dict[tuple[str, ...], Any]


def compile_expressions(variables: tuple[Variable, ...], scene_ids: list[str], whens: Iterable[str],
                        dos: Iterable[tuple[str, ...]], conditions: Mapping[str, Condition] | None = None,
                        effects: Mapping[tuple[str, ...], Effect] | None = None) -> Compiled:
    """Parse (unless already parsed) and bind every distinct condition and effect."""
    specs = {v.name: VarSpec(v.name, v.index, v.type, v.min, v.max, v.values) for v in variables}
    conds = dict(conditions or {})
    effs = dict(effects or {})
    for when in whens:
        if when not in conds:
            conds[when] = parse_condition(when, specs, scene_ids)
    for do in dos:
        if do and do not in effs:
            effs[do] = parse_effects(list(do) if len(do) > 1 else do[0], specs, scene_ids)
    tracked_set: set[str] = set()
    for cond in conds.values():
        tracked_set |= cond.scenes
    for eff in effs.values():
        tracked_set |= eff.scenes
    tracked = tuple(sorted(tracked_set))
    visit_index = {sid: i for i, sid in enumerate(tracked)}
    return Compiled(tracked, visit_index,
                    {src: cond.bind(visit_index) for src, cond in conds.items()},
                    {src: eff.bind(visit_index) for src, eff in effs.items()})


def _build(ir: Mapping[str, Any], analysis: Analysis | None) -> Story:
    variables = tuple(
        Variable(v["name"], i, v["type"], v["initial"], v["min"], v["max"],
                 tuple(v["values"]) if v["values"] is not None else None, v["visible"], v["label"])
        for i, v in enumerate(ir["variables"]))
    scene_ids = [s["id"] for s in ir["scenes"]]
    whens = {c["when"] for s in ir["scenes"] for c in s["choices"] if c["when"] is not None}
    dos = {tuple(c["do"]) for s in ir["scenes"] for c in s["choices"] if c["do"]}
    comp = compile_expressions(variables, scene_ids, whens, dos,
                               analysis.conditions if analysis else None, analysis.effects if analysis else None)
    tests, applies, visit_index = comp.tests, comp.applies, comp.visit_index
    times = {s["id"]: (s["time"], s["day"]) for s in ir["scenes"]}
    scenes: dict[str, Scene] = {}
    by_id: dict[str, Choice] = {}
    no_time = (None, None)
    for s in ir["scenes"]:
        sid = s["id"]
        choices = []
        conditional = False
        for c in s["choices"]:
            t_time, t_day = times.get(c["target"], no_time)
            when = c["when"]
            do = tuple(c["do"])
            test = tests.get(when) if when is not None else None
            conditional = conditional or test is not None
            cid = f"{sid}.{c['key']}"
            # the fields of Choice, in order
            choice = _make_choice(
                cid, c["key"], sid, c["text"], c["target"], c["mark"], when, do, c["locked"], c["note"],
                _citations(c["record"]), c["line"], test, applies.get(do) if do else None,
                t_time, t_day, visit_index.get(c["target"], -1), VISIT_CAP)
            choices.append(choice)
            by_id[cid] = choice
        e = s["ending"]
        # the fields of Scene, in order
        scenes[sid] = _make_scene(
            sid, s["title"], s["place"], s["text"], s["time"], s["day"], _citations(s["record"]),
            tuple(Dispute(d["topic"], tuple(
                Account(a["source"], a["quote"], a.get("says", ""),
                        cast(tuple[int, int, int], tuple(a["found"])) if a.get("found") else None)
                for a in d["accounts"])) for d in s["disputed"]) if s["disputed"] else (),
            tuple(s["events"]), tuple(choices),
            Ending(e["kind"], e.get("epilogue") or "", e.get("debrief") or "") if e else None,
            s["file"], s["line"], conditional)
    return Story(
        id=ir["id"], title=ir["title"], summary=ir["summary"], role=ir["role"], start=ir["start"],
        start_date=date.fromisoformat(ir["date"]), calendar=ir["calendar"], start_clock=ir["clock"],
        variables=variables, scenes=scenes, questions=tuple(ir["questions"]),
        teacher_note=ir["teacher_note"], length=ir["length"], folder=ir["folder"],
        content_hash=ir["hash"], tracked=comp.tracked, initial_visits=(0,) * len(comp.tracked),
        choices_by_id=by_id)


def compile_folder(
    folder: str | os.PathLike[str], record: Record | None = None
) -> tuple[Story | None, list[Diagnostic]]:
    analysis = analyze(folder, record)
    if analysis.ir is None:
        return None, analysis.diagnostics
    return build(analysis.ir, analysis), analysis.diagnostics
