"""Compile a scenario folder into an immutable `Story`, collecting every problem on the way.

Two stages:

1. `analyze` reads the files safely, validates them against the schema, checks every
   reference, expression and quotation, and gives the diagnostics plus a plain-data form of
   the scenario (the "IR": only lists, dicts, strings, numbers) that can be cached;
2. `build` packs the IR into the story's compiled form (`engine.build.compiled`, also what the cache
   stores) and unpacks it: expressions compiled to closures, transitions precomputed, nothing
   left for the per-step path.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from time import time_ns
from typing import Any

from engine import ENGINE_VERSION
from engine.base.codes import codes_with
from engine.base.diagnostics import ChronicleError, Diagnostic, did_you_mean, differing_words
from engine.base.durable import ReadRefused, read_capped
from engine.base.gcpause import paused_gc
from engine.base.paths import scenario_files
from engine.build.compiled import pack, pack_scenes, unpack
from engine.build.workers import split_map
from engine.core.calendar import day_offset, parse_time
from engine.core.model import Story
from engine.expressions.language import Condition, Effect, ExprError, VarSpec, parse_condition, parse_effects
from engine.expressions.template import Template, is_template, parse_template
from engine.format import safeyaml
from engine.format.schema import FORMAT_VERSION
from engine.format.validation import validate
from engine.record.sources import Record, load_record, record_for

SPLIT_BYTES = 512 << 10  # scene files this big in all are shared with a forked helper (engine.build.workers)

CODES: dict[str, str] = {**codes_with("E0"), **codes_with("E2"), **codes_with("E4")}  # engine.base.codes

_SLUG = re.compile(r"[^a-z0-9]+")


def _short(value: object, limit: int = 80) -> str:
    """A value as it may appear in a message: never the whole of a huge input."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def choice_key(text: str, limit: int = 40) -> str:
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


def content_hash(files: list[tuple[str, bytes]], record: Record) -> str:
    """A hash of the scenario's files (name and bytes, as they were read) and the seed texts."""
    h = hashlib.sha256()
    h.update(f"chronicle {ENGINE_VERSION}\n".encode())
    for name, data in files:
        h.update(name.encode() + b"\0")
        h.update(data)
        h.update(b"\0")
    h.update(record.content_hash.encode())
    return h.hexdigest()


@dataclass
class Analysis:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    ir: dict[str, Any] | None = None
    conditions: dict[str, Condition] = field(default_factory=dict)
    effects: dict[tuple[str, ...], Effect] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    # the scenes packed file by file as they were checked (`engine.build.compiled.pack_scenes`)
    chunks: list[tuple[tuple[str, ...], bytes]] = field(default_factory=list)
    # when there are errors: what did compile, for the warnings (`engine.tools.lint`); "unread"
    # lists the scene files that could not be parsed
    partial: dict[str, Any] | None = None
    # (not when lean) each file's bytes as checked, by its shown path: the warnings are located in the same text
    sources: dict[str, bytes] = field(default_factory=dict)
    # with a memo: the parsed files kept between analyses (shown path -> (bytes, Doc)), to locate problems in
    docs: dict[str, tuple[bytes, safeyaml.Doc]] | None = None


class _Checker:
    def __init__(self, record: Record, quote_memo: dict[tuple[str, str], Any],
                 cited: dict[Any, dict[str, Any]]) -> None:
        self.record = record
        self.out: list[Diagnostic] = []
        self.quote_memo = quote_memo  # (source, quote) -> its match: shared by every file
        self.cited = cited  # a citation's items -> its IR: shared by every file
    def error(self, doc: safeyaml.Doc, path: tuple[Any, ...], code: str, message: str, hint: str = "",
              *, key: bool = False, offset: int = 0, severity: str = "error", inside: bool = False) -> None:
        """A diagnostic at the value at `path` (its key with `key`), or at character `offset`
        of that text (`inside`: also offset 0, the text's first character rather than its mark)."""
        line, col = doc.mark(path, key=key)
        if offset or inside:
            line, col = doc.locate(path, offset)
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
            changes = differing_words(quote, passage, same=self.record.sources[source].errata) if ratio >= 0.6 else ""
            hint = f'the closest passage in {source} ({ratio:.0%} alike) is: "{passage.strip()[:200]}"'
            if changes:
                hint = f"{hint} — it differs at: {changes}"
            if other is not None:
                hint = f'this quote is in "{other.source}", not "{source}": change the source'
            self.error(doc, path + ("quote",), "E401", f'quote not found in source "{source}"', hint)
            return None
        try:  # the same citation written again is the same (read-only) IR value: less memory
            same: Any = tuple(item.items())
            hash(same)
        except TypeError:
            same = None
        out = self.cited.get(same) if same is not None else None
        if out is None:
            out = dict(item)
            out["found"] = [match.start, match.end, match.paragraph]
            out["corrected"] = [list(p) for p in match.corrected]
            if same is not None:
                self.cited[same] = out
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


def analyze(folder: str | os.PathLike[str], record: Record | None = None,
            sources: Mapping[Path, bytes | None] | None = None, lean: bool = False,
            file_memo: dict[Any, Any] | None = None) -> Analysis:
    """Read, validate and check a scenario folder. Never raises for bad input.

    `sources` gives the files (in order) and the bytes already read of each (None: read it
    here), so that exactly the bytes a cache key was made from are compiled. `lean` (for
    loading, where the packed scenes are all that is needed) keeps in the IR's scenes only
    what the checks across files and the packed frame use (`ir["lean"]` is then True): the
    scenes themselves are in `chunks`, and a big scenario's memory peak is much lower.

    `file_memo` (kept by a caller that analyzes the same scenario again and again, such as the
    language server) remembers each scene file's own results by its name, bytes and the frame it
    was checked in, so that after an edit only the changed file is read and checked again; the
    parsed text of an edited file (to locate the problems found across files without parsing it
    again), and each expression and template parsed in the same frame (variables, scene ids).
    The results are the same as without it."""
    with paused_gc():
        return _analyze(Path(folder), record, sources, lean, file_memo)


RACY_NS = 2_000_000_000  # a file changed this recently may change again within its clock's step: read it again


def _read_files(files: list[Path], out: list[Diagnostic], known: Mapping[Path, bytes | None],
                reads: dict[Path, tuple[tuple[int, ...], bytes]] | None = None) -> list[tuple[Path, str, bytes]]:
    """Each file's bytes (`known`, else read with the size checked first); problems go to `out`.

    `reads` (a memo) keeps the bytes of each regular file read before with its device, inode, size and
    times: while `os.lstat` finds them the same, the file is not read again (as git does, not for a
    file changed in the last `RACY_NS`)."""
    got = []
    for f in files:
        shown = display_path(f)
        data = known.get(f)
        if data is not None and len(data) <= safeyaml.MAX_BYTES:
            got.append((f, shown, data))
            continue
        sig: tuple[int, ...] | None = None
        if reads is not None:
            try:
                st = os.lstat(f)
            except OSError:
                st = None
            if st is not None and stat.S_ISREG(st.st_mode):
                sig = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
                had = reads.get(f)
                if had is not None and had[0] == sig:
                    got.append((f, shown, had[1]))
                    continue
        try:
            data = read_capped(f, safeyaml.MAX_BYTES, within=files[0].parent)
            got.append((f, shown, data))
            if reads is not None and sig is not None and time_ns() - max(sig[3], sig[4]) > RACY_NS:
                reads[f] = (sig, data)
        except ReadRefused as exc:
            size = exc.size
            if size > safeyaml.MAX_BYTES:
                out.append(Diagnostic(shown, 1, 1, "error", "E001",
                                      f"the file is {size:,} bytes; the limit is {safeyaml.MAX_BYTES:,} (1 MiB)",
                                      "split the scenes over several files"))
            else:
                out.append(Diagnostic(shown, 0, 0, "error", "E206", f"cannot read the file: {exc}",
                                      "a scenario file must be a regular file inside the scenario folder"))
        except OSError as exc:
            out.append(Diagnostic(shown, 0, 0, "error", "E206", f"cannot read the file: {exc.strerror}"))
    return got


def _read_doc(ck: _Checker, data: bytes, shown: str, kind: str, marks_depth: int | None = 4) -> safeyaml.Doc | None:
    """One file parsed and validated, or None (its problems reported) when it cannot be used. Only the marks
    `marks_depth` deep are kept (deeper ones are read again when a diagnostic asks); None: every mark."""
    out = ck.out
    try:
        doc = safeyaml.load(data, shown, marks_depth=marks_depth, aliases=False)
    except ChronicleError as exc:
        out.extend(exc.diagnostics)
        return None
    if not isinstance(doc.value, dict):
        out.append(Diagnostic(shown, doc.root[0], doc.root[1], "error", "E011",
                              "the file must be a mapping of keys (it is empty or a single value)",
                              "start with 'format: 1' and the keys described in scenarios/README.md"))
        return None
    fmt = doc.value.get("format")
    if isinstance(fmt, int) and not isinstance(fmt, bool) and fmt != FORMAT_VERSION:
        newer = fmt > FORMAT_VERSION
        ck.error(doc, ("format",), "E020",
                 f"format {fmt} is {'newer' if newer else 'older'} than this engine supports ({FORMAT_VERSION})",
                 "upgrade Chronicle to read this file" if newer else "set format: 1")
        return None
    out.extend(validate(doc, kind))
    return doc


# what one scene file gives: its diagnostics as plain rows, each scene's id, key mark and IR, and
# (when the file has no errors) its scenes packed
# ... and, when the file cannot be parsed, the scene ids its text seems to hold (else None)
FileResult = tuple[list[tuple[Any, ...]], list[tuple[str, safeyaml.Mark, dict[str, Any]]],
                   list[tuple[tuple[str, ...], bytes]], list[str] | None]
_SCENE_KEY = re.compile(r"^  ([a-z][a-z0-9_]{0,63})\s*:", re.MULTILINE)


def _scene_ids_in(data: bytes) -> list[str]:
    """The scene ids a scene file that cannot be parsed seems to define (keys indented by two)."""
    text = data.decode("utf-8", "replace")
    return list(dict.fromkeys(_SCENE_KEY.findall(text)))


def _scene_file(job: tuple[str, bytes], ck0: _Checker, start_date: date | None, calendar: str | None,
                lean: bool = False, docs: dict[str, tuple[bytes, safeyaml.Doc]] | None = None) -> FileResult:
    """Read, validate and check one scene file on its own, and pack its scenes; plain data out
    (it may cross a pipe).

    Nothing here needs the other files: references to scenes and the expressions (which may
    name scenes) are checked across files by `_check_across`.
    """
    shown, data = job
    ck = _Checker(ck0.record, ck0.quote_memo, ck0.cited)  # its own diagnostics, the shared memos
    found: list[tuple[str, safeyaml.Mark, dict[str, Any]]] = []
    # a file kept to locate problems in later (an edited file in the language server) gets every mark at once
    doc = _read_doc(ck, data, shown, "sceneFile", 4 if docs is None else None)
    if doc is not None and docs is not None:
        docs[shown] = (data, doc)
    if doc is not None and isinstance(doc.value.get("scenes"), dict):
        scenes = doc.value["scenes"]
        table = doc.marks.get(id(scenes))  # the marks of the scene keys, when kept
        for scid, sc in scenes.items():
            if isinstance(sc, dict):
                kmark = safeyaml.position(table[scid][0]) if table is not None else doc.mark(("scenes", scid), key=True)
                found.append((scid, kmark, _scene(ck, doc, scid, sc, kmark[0], start_date, calendar)))
    rows = [(d.path, d.line, d.column, d.severity, d.code, d.message, d.hint) for d in ck.out]
    errors = any(d.severity == "error" for d in ck.out)
    chunks = [] if errors else pack_scenes([ir for _, _, ir in found])
    if lean and not errors:
        found = [(scid, kmark, _lean(ir)) for scid, kmark, ir in found]
    return rows, found, chunks, _scene_ids_in(data) if doc is None else None


def _lean(ir: dict[str, Any]) -> dict[str, Any]:
    """What the checks across files and the packed frame need of a scene's IR."""
    return {"id": ir["id"], "file": ir["file"], "line": ir["line"], "time": ir["time"], "day": ir["day"],
            "order": ir["order"], "templates": ir["templates"],
            "choices": [{"target": c["target"], "when": c["when"], "do": c["do"], "at": c["at"]}
                        for c in ir["choices"]]}


def _scene(ck: _Checker, doc: safeyaml.Doc, scid: str, sc: dict[str, Any], line: int,
           start_date: date | None, calendar: str | None) -> dict[str, Any]:
    """One scene's IR, with every problem that the scene alone shows."""
    sp: tuple[Any, ...] = ("scenes", scid)
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
    disputed = sc.get("disputed")
    for di, dispute in enumerate(disputed if isinstance(disputed, list) else []):  # a wrong type: the schema says
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
    item_marks = doc.marks.get(id(raw_choices))  # each choice's mark, when kept
    for ci, ch in enumerate(raw_choices if isinstance(raw_choices, list) else []):
        if not isinstance(ch, dict) or not isinstance(ch.get("text"), str):
            continue
        cp = sp + ("choices", ci)
        key: str = ch["id"] if isinstance(ch.get("id"), str) else choice_key(ch["text"])
        if key in keys_seen:
            ck.error(doc, cp, "E203", f'two choices in scene "{scid}" have the id "{_short(key)}" '
                     f'(choices {keys_seen[key] + 1} and {ci + 1})',
                     "give one of them a distinct id: key")
            continue
        keys_seen[key] = ci
        hist, cf, neutral = (ch.get(m) is True for m in ("historical", "counterfactual", "neutral"))
        if hist + cf + neutral > 1:
            both = " and ".join(m for m, on in (("historical", hist), ("counterfactual", cf), ("neutral", neutral))
                                if on)
            ck.error(doc, cp, "E209", f"a choice cannot be both {both}",
                     "keep the one mark that is true: historical, counterfactual or neutral")
        if ch.get("locked") is not None and ch.get("when") is None:
            ck.error(doc, cp + ("locked",), "E210", "'locked' explains a closed choice but there is no 'when'",
                     "add a when: condition or remove locked", key=True)
        crec = ck.citations(doc, cp + ("record",), ch.get("record"))
        if hist and not ch.get("record"):
            ck.error(doc, cp, "E402", "a historical choice must cite what really happened",
                     "add record: with a verbatim quote showing what the person did")
        target, when, do = ch.get("goto"), ch.get("when"), ch.get("do")
        do_t = (do,) if isinstance(do, str) else tuple(x for x in do if isinstance(x, str)) \
            if isinstance(do, list) else ()
        choices_ir.append({
            "key": key, "text": ch["text"], "target": target if isinstance(target, str) else None,
            "mark": "historical" if hist else "counterfactual" if cf else "neutral" if neutral else None,
            "when": when if isinstance(when, str) else None, "do": list(do_t),
            "locked": ch.get("locked"), "note": ch.get("note") or "", "record": crec,
            "line": safeyaml.position(item_marks[ci])[0] if item_marks is not None else doc.mark(cp)[0], "at": ci,
        })
    templates = [[field_, sc[field_]] for field_ in ("text",) if is_template(sc.get(field_))]
    for ch in choices_ir:
        templates += [[("choices", ch["at"], f), ch[f]] for f in ("text", "note") if is_template(ch[f])]
    if isinstance(ending, dict):
        templates += [[("ending", f), ending[f]] for f in ("epilogue", "debrief") if is_template(ending.get(f))]
    return {
        "templates": [[p if isinstance(p, tuple) else (p,), t] for p, t in templates],
        "id": scid, "title": sc.get("title", ""), "place": sc.get("place", ""), "text": sc.get("text", ""),
        "time": time, "day": day, "record": record_ir, "disputed": disputes_ir,
        "events": [e for e in events if isinstance(e, str)] if isinstance(events := sc.get("events"), list) else [],
        "choices": choices_ir,
        "ending": ending if isinstance(ending, dict) else None,
        "invented": invented.strip() if isinstance(invented := sc.get("invented"), str) else "",
        "file": doc.path, "line": line, "order": sc.get("order") if sc.get("order") == "fixed" else None,
    }


def _check_across(ck: _Checker, scenes_ir: list[dict[str, Any]], scene_ids: list[str],
                  variables: dict[str, VarSpec], result: Analysis, sources: dict[str, bytes],
                  unchecked: AbstractSet[str] = frozenset(), vague: AbstractSet[str] = frozenset(),
                  memo: dict[str, Any] | None = None) -> int:
    """What needs every file: each goto names a scene, each condition and effect compiles
    (they may name scenes). Each distinct expression is parsed once; a file is read again, with
    every mark, only to locate a problem in it.

    `unchecked` are the scene ids of files that could not be read, `vague` the variables whose
    declaration is too broken to know their type ("*": all of them): references to them are
    not reported, but counted; the count is returned. `memo` (the analysis's memo, when kept) holds
    the parsed files, and every expression parsed in the same frame, from the analyses before."""
    known = frozenset(scene_ids)
    known_ids = scene_ids
    skipped = 0
    if unchecked:
        scene_ids = [*scene_ids, *sorted(unchecked)]

    def reported(exc: ExprError) -> bool:
        """False (and counted) for an unknown name that a broken file or declaration may define."""
        nonlocal skipped
        name = _UNKNOWN.match(exc.message)
        if exc.code == "E309" and name is not None and ("*" in vague or name.group(1) in vague):
            skipped += 1
            return False
        return True

    conditions, effects = result.conditions, result.effects
    bad_when: dict[str, ExprError] = {}
    bad_do: dict[tuple[str, ...], ExprError] = {}
    located: dict[str, safeyaml.Doc] = {}
    docs = result.docs

    def doc_of(path: str) -> safeyaml.Doc:
        if path not in located:
            kept = docs.get(path) if docs is not None else None
            if kept is not None and kept[0] == sources[path]:
                located[path] = kept[1]
            else:
                located[path] = safeyaml.load(sources[path], path)
                if docs is not None:
                    docs[path] = (sources[path], located[path])
        return located[path]

    templates = result.templates
    bad_text: dict[str, ExprError] = {}
    # the expressions parsed before in the same frame (their results depend on nothing else)
    parsed: dict[Any, Any] = {}
    if memo is not None:
        frame = (tuple(variables.items()), tuple(scene_ids))
        if memo.get("frame") != frame:
            memo["frame"], memo["parsed"] = frame, {}
        parsed = memo["parsed"]

    def cached(kind: str, text: Any, parse: Any) -> Any:
        """The parse of an expression (or its ExprError), from the memo when it was parsed before."""
        got = parsed.get((kind, text))
        if got is None:
            try:
                got = parse(text, variables, scene_ids)
            except ExprError as error:
                got = error
            parsed[(kind, text)] = got
        return got

    def one(s: dict[str, Any]) -> None:
        """What the scene's gotos, expressions and templates give: diagnostics, skips, parsed expressions."""
        nonlocal skipped
        for where, text in s["templates"]:
            if text in templates:
                continue
            exc = bad_text.get(text)
            if exc is None:
                got = cached("text", text, parse_template)
                if isinstance(got, ExprError):
                    exc = bad_text[text] = got
                else:
                    templates[text] = got
            if exc is not None and reported(exc):
                ck.error(doc_of(s["file"]), ("scenes", s["id"], *where), exc.code, exc.message, exc.hint,
                         offset=exc.offset, inside=True)
        for c in s["choices"]:
            cp = ("scenes", s["id"], "choices", c["at"])
            target = c["target"]
            if target is not None and target in unchecked:
                skipped += 1
            elif target is not None and target not in known:
                ck.error(doc_of(s["file"]), cp + ("goto",), "E201", f'goto "{_short(target)}": no such scene',
                         did_you_mean(target, scene_ids) or "create the scene or fix the id")
            when = c["when"]
            if when is not None and when not in conditions:
                exc = bad_when.get(when)
                if exc is None:
                    got = cached("when", when, parse_condition)
                    if isinstance(got, ExprError):
                        exc = bad_when[when] = got
                    else:
                        conditions[when] = got
                if exc is not None and reported(exc):
                    ck.error(doc_of(s["file"]), cp + ("when",), exc.code, exc.message, exc.hint, offset=exc.offset)
            do_t = tuple(c["do"])
            if do_t and do_t not in effects:
                exc = bad_do.get(do_t)
                if exc is None:
                    got = cached("do", do_t, lambda d, v, ids: parse_effects(list(d), v, ids))
                    if isinstance(got, ExprError):
                        exc = bad_do[do_t] = got
                    else:
                        effects[do_t] = got
                if exc is not None and reported(exc):
                    doc = doc_of(s["file"])
                    raw = doc.value["scenes"][s["id"]]["choices"][c["at"]].get("do")
                    where = cp + ("do",) + ((getattr(exc, "item", 0),) if isinstance(raw, list) else ())
                    ck.error(doc, where, exc.code, exc.message, exc.hint, offset=exc.offset)

    # each scene's results, kept while its IR (the same object while its file is unchanged) and the frame are the same
    across: dict[int, tuple[dict[str, Any], list[Diagnostic], int, list[Any], list[Any], list[Any]]] = {}
    if memo is not None:
        frame_across = (tuple(variables.items()), tuple(known_ids), tuple(sorted(unchecked)), tuple(sorted(vague)))
        if memo.get("across_frame") == frame_across:
            across = memo["across"]
        memo["across_frame"] = frame_across
    kept: dict[int, tuple[dict[str, Any], list[Diagnostic], int, list[Any], list[Any], list[Any]]] = {}
    out = ck.out
    for s in scenes_ir:
        had = across.get(id(s))
        if had is not None and had[0] is s:
            _, found, skips, conds, effs, temps = had
            out.extend(found)
            skipped += skips
            conditions.update(conds)
            effects.update(effs)
            templates.update(temps)
            kept[id(s)] = had  # (a memo's entry: there is none without one)
        elif memo is None:
            one(s)
        else:
            first, before = len(out), skipped
            one(s)
            whens = {c["when"] for c in s["choices"]}
            dos = {tuple(c["do"]) for c in s["choices"]}
            had = (s, out[first:], skipped - before, [(w, conditions[w]) for w in whens if w in conditions],
                   [(d, effects[d]) for d in dos if d in effects],
                   [(t, templates[t]) for _, t in s["templates"] if t in templates])
            kept[id(s)] = had
    if memo is not None:
        memo["across"] = kept  # this version's scenes only (each kept alive with its entry)
    return skipped


_UNKNOWN = re.compile(r"unknown variable `(\w+)`")


def _analyze(folder: Path, record: Record | None, sources: Mapping[Path, bytes | None] | None,
             lean: bool, file_memo: dict[Any, Any] | None = None) -> Analysis:
    result = Analysis()
    out: list[Diagnostic] = []
    if record is None:
        try:  # the seeds and the scenario's own sources/
            record = record_for(folder)
        except ChronicleError as exc:
            out.extend(exc.diagnostics)
            record = load_record()
    ck = _Checker(record, {}, {})
    ck.out = out
    files = list(sources) if sources else scenario_files(folder)
    if not files[0].is_file():
        out.append(Diagnostic(display_path(files[0]), 0, 0, "error", "E206",
                              "the scenario folder has no scenario.yaml",
                              "create one (chronicle new makes a template)"))
        result.diagnostics = out
        return result
    read = _read_files(files, out, sources or {}, None if file_memo is None else file_memo.setdefault("read", {}))
    if len(files) == 1:
        out.append(Diagnostic(display_path(files[0]), 0, 0, "error", "E206",
                              "the scenario has no scene files",
                              "add scenes/*.yaml files with a 'scenes:' mapping"))
    meta_doc = _read_doc(ck, read[0][2], read[0][1], "scenarioFile") if read and read[0][0] == files[0] else None
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
    vague: set[str] = set()  # declared so badly that their type is unknown
    raw_vars = meta.get("variables")
    if meta_doc is not None and isinstance(raw_vars, dict):
        for name, spec in raw_vars.items():
            if not isinstance(spec, dict) or spec.get("type") not in ("int", "bool", "str"):
                vague.add(name)  # its uses are not reported as unknown: the schema reports the declaration
                continue
            vtype = spec["type"]
            initial = spec.get("initial")
            lo, hi = spec.get("min"), spec.get("max")
            values = spec.get("values")
            if values is not None and not (isinstance(values, list) and all(isinstance(v, str) for v in values)):
                variables[name] = VarSpec(name, -1, vtype)  # not a list of texts: the schema says so
                continue
            p = ("variables", name)
            pytype = {"int": int, "bool": bool, "str": str}[vtype]
            ok = isinstance(initial, pytype) and (vtype == "bool" or not isinstance(initial, bool))
            if not ok:
                ck.error(meta_doc, p + ("initial",), "E208",
                         f'variable "{name}" is {vtype} but its initial value is {_short(initial)}',
                         {"int": "write a whole number", "bool": "write true or false",
                          "str": "write text in quotes"}[vtype])
                variables[name] = VarSpec(name, -1, vtype)  # still declared: no follow-on "unknown variable"
                continue
            if (lo is not None or hi is not None) and vtype != "int":
                ck.error(meta_doc, p, "E208", f'only int variables have min/max ("{name}" is {vtype})',
                         "remove min and max")
                variables[name] = VarSpec(name, -1, vtype)
                continue
            if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
                ck.error(meta_doc, p + ("min",), "E208",
                         f'variable "{name}": min {_short(lo)} is above max {_short(hi)}',
                         "swap them")
                variables[name] = VarSpec(name, -1, vtype)
                continue
            if isinstance(initial, int) and (
                (isinstance(lo, int) and initial < lo) or (isinstance(hi, int) and initial > hi)
            ):
                ck.error(meta_doc, p + ("initial",), "E208",
                         f'variable "{name}": initial value {_short(initial)} is outside {_short(lo)}..{_short(hi)}',
                         "change the initial value or the bounds")
                variables[name] = VarSpec(name, -1, vtype, lo, hi)
                continue
            if values is not None and (vtype != "str" or initial not in values):
                ck.error(meta_doc, p + ("values",), "E208",
                         f'variable "{name}": values are for str variables and must include the initial value',
                         f'add "{_short(initial)}" to values' if vtype == "str" else "remove values")
                variables[name] = VarSpec(name, -1, vtype)
                continue
            variables[name] = VarSpec(name, len(var_ir), vtype, lo, hi,
                                      tuple(values) if values is not None else None)
            var_ir.append({"name": name, "type": vtype, "initial": initial, "min": lo, "max": hi,
                           "values": values, "visible": bool(spec.get("visible", False)),
                           "label": spec.get("label") or name.replace("_", " ")})

    # -- scenes: each file on its own (shared with a forked helper when big), then across files
    jobs = [(shown, data) for f, shown, data in read if f != files[0]]
    if not lean:
        result.sources = {shown: data for _, shown, data in read}
    if file_memo is not None:
        frame = (start_date, calendar, lean, record.content_hash)
        if len(file_memo) > 4 * len(jobs) + 64:  # old versions of the files: forget them
            file_memo.clear()
        result.docs = file_memo.setdefault("docs", {})
        keys = [(shown, data, frame) for shown, data in jobs]
        # an edit (a few files changed): their parsed text is kept to locate the problems found in them later
        keep = result.docs if sum(key not in file_memo for key in keys) <= 4 else None
        per_file = [file_memo[key] if key in file_memo else file_memo.setdefault(
                        key, _scene_file(job, ck, start_date, calendar, lean, keep))
                    for job, key in zip(jobs, keys, strict=True)]
    else:
        per_file = split_map(lambda job: _scene_file(job, ck, start_date, calendar, lean), jobs,
                             [len(data) for _, data in jobs], SPLIT_BYTES)
    scenes_ir: list[dict[str, Any]] = []
    first_at: dict[str, tuple[str, int]] = {}
    unread: dict[str, list[str]] = {}  # scene files that could not be parsed -> the scene ids they seem to hold
    for (shown_file, _), (rows, found, chunks, guessed) in zip(jobs, per_file, strict=True):
        out.extend(Diagnostic(*row) for row in rows)
        if guessed is not None:
            unread[shown_file] = guessed
        result.chunks.extend(chunks)
        for scid, (kline, kcol), ir in found:
            if scid in first_at:
                path, line = first_at[scid]
                out.append(Diagnostic(ir["file"], kline, kcol, "error", "E202",
                                      f'scene "{scid}" is defined twice (first in {path}:{line})',
                                      "rename one of them"))
                continue
            first_at[scid] = (ir["file"], kline)
            scenes_ir.append(ir)
    del per_file
    scene_ids = [s["id"] for s in scenes_ir]
    start = meta.get("start")
    unchecked = {sid for ids in unread.values() for sid in ids if sid not in first_at}
    if meta_doc is not None and isinstance(start, str) and scene_ids and start not in first_at \
            and start not in unchecked:
        ck.error(meta_doc, ("start",), "E201", f'the start scene "{_short(start)}" does not exist',
                 did_you_mean(start, scene_ids) or "set start to the id of a scene")
    if meta_doc is None and read:
        vague.add("*")  # scenario.yaml could not be read: no variable is known
    skipped = _check_across(ck, scenes_ir, scene_ids, variables, result, {shown: data for _, shown, data in read},
                            unchecked, vague, None if file_memo is None else file_memo.setdefault("expressions", {}))
    if skipped:
        files_named = ", ".join(sorted(unread)) or "scenario.yaml"
        what = "scene" if unread else "variable"
        out.append(Diagnostic(sorted(unread)[0] if unread else display_path(files[0]), 0, 0, "note", "N001",
                              f"{skipped} reference(s) to a {what} of a file that could not be read "
                              f"({files_named}) were not checked",
                              "fix the error in that file; the next check covers them"))
    raw_chapters = meta.get("chapters")
    chapters: dict[str, Any] = raw_chapters if isinstance(raw_chapters, dict) else {}
    for name, where in chapters.items():
        if meta_doc is not None and isinstance(where, str) and scene_ids and where not in first_at \
                and where not in unchecked:
            ck.error(meta_doc, ("chapters", name), "E201", f'chapter "{_short(name)}" starts at the scene '
                     f'"{_short(where)}", which does not exist',
                     did_you_mean(where, scene_ids) or "name a scene on the historical path")

    result.diagnostics = sorted(out)
    if any(d.severity == "error" for d in out) or meta_doc is None:
        result.partial = {"variables": var_ir, "scenes": scenes_ir, "start": meta.get("start"),
                          "questions": meta.get("questions") if meta_doc is not None else ["(unread)"],
                          "unread": sorted(unread) + ([] if meta_doc is not None else [display_path(files[0])])}
        return result
    clock = meta["clock"]
    result.ir = {
        "id": meta["id"], "title": meta["title"], "summary": meta["summary"], "role": meta["role"],
        "start": meta["start"], "date": clock["date"], "calendar": clock["calendar"],
        "clock": parse_time(clock["time"]) if isinstance(clock.get("time"), str) else None,
        "variables": var_ir, "questions": list(meta.get("questions") or []),
        "teacher_note": meta.get("teacher_note") or "", "length": meta.get("length") or "",
        "chapters": [[name, where] for name, where in chapters.items() if isinstance(where, str)],
        "fixed": [sc["id"] for sc in scenes_ir if sc.get("order") == "fixed"],
        "folder": str(folder), "hash": content_hash([(f.name, data) for f, _, data in read], record),
        "scenes": scenes_ir,
    }
    if lean:
        result.ir["lean"] = True
    return result


def build(ir: Mapping[str, Any], analysis: Analysis | None = None) -> Story:
    """Turn the checked plain data into an immutable Story with compiled transitions: packed
    (`engine.build.compiled`, the form the cache stores) and unpacked, scenes decoded when first used."""
    if analysis is None:
        return unpack(pack(ir))
    return unpack(pack(ir, analysis.chunks), analysis.conditions, analysis.effects, analysis.templates)


def compile_folder(
    folder: str | os.PathLike[str], record: Record | None = None
) -> tuple[Story | None, list[Diagnostic]]:
    analysis = analyze(folder, record)
    if analysis.ir is None:
        return None, analysis.diagnostics
    return build(analysis.ir, analysis), analysis.diagnostics
