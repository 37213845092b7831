"""The grounding report: how well each scenario stands on the record, as plain data.

For every scenario: per scene, its citations (the scene's `record`, each choice's `record`,
each side of a `disputed` entry) and whether each one verifies against the seed texts; the
scenes and the historical choices that rest on no verified citation; the disputes covered.
Across all the scenarios reported: how often each seed document is cited.

It works on scenarios that fail to compile too, so a teacher or an author sees the gaps: the
files are read with the same safe reader as the compiler (`engine.format.safeyaml`), every citation
found in them is checked with the same matcher (`Record.find`), and the compiler's own
diagnostics (`engine.build.compiler.analyze`) explain each citation that fails (E401 with the closest
passage, E211 for an unknown source) and list every other problem. Files that cannot be read
at all are named; their scenes cannot be counted.

Definitions (the numbers of `chronicle sources --json`):

- `citations`: every quoted passage in the scenario -- scene records, choice records and the
  accounts of disputes; `citations_verified`: those found in the source they name.
- `scenes_cited`: scenes whose own `record` holds at least one verified citation.
- `historical_choices`: choices marked `historical: true`; `historical_choices_cited`: those
  whose `record` holds at least one verified citation.
- `seeds`: per seed file name, the verified citations naming that source, across every scenario
  in the report. A quote is counted under the source it names, once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.base.diagnostics import ChronicleError, Diagnostic
from engine.base.paths import scenario_files
from engine.build.compiler import analyze, choice_key, display_path
from engine.format import safeyaml
from engine.record.sources import Record, load_record, record_for

__all__ = [
    "CitationCheck",
    "ChoiceCheck",
    "DisputeCheck",
    "GroundingReport",
    "SceneCheck",
    "ScenarioGrounding",
    "ground",
    "ground_scenario",
]

_QUOTE_CODES = ("E401", "E211")


@dataclass(frozen=True)
class CitationCheck:
    """One quoted passage and whether it verifies."""

    source: str
    quote: str
    verified: bool
    file: str  # the scenario file it is written in, and where
    line: int
    column: int
    seed: str = ""  # the seed file of its source; "" for an unknown source
    location: str = ""  # "Rabinowitch, The Bolsheviks Come to Power (1976), ch. 15, paragraph 57"
    paragraph: int = 0  # 1-based paragraph of the running text; 0 for headings, notes, or not found
    corrected: tuple[tuple[str, str], ...] = ()  # errata the quote relied on (printed, corrected)
    problem: str = ""  # why it does not verify, with the closest passage when there is one
    says: str = ""  # for the account of a dispute: its one-line summary

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "quote": self.quote,
            "verified": self.verified,
            "file": self.file,
            "line": self.line,
        }
        if self.verified:
            out["location"] = self.location
            out["paragraph"] = self.paragraph
            if self.corrected:
                out["corrected"] = [list(pair) for pair in self.corrected]
        else:
            out["problem"] = self.problem
        if self.says:
            out["says"] = self.says
        return out


@dataclass(frozen=True)
class ChoiceCheck:
    key: str
    text: str
    mark: str | None  # "historical", "counterfactual" or None
    line: int
    citations: tuple[CitationCheck, ...]

    @property
    def cited(self) -> bool:
        return any(c.verified for c in self.citations)


@dataclass(frozen=True)
class DisputeCheck:
    scene: str
    topic: str
    accounts: tuple[CitationCheck, ...]

    @property
    def verified(self) -> bool:
        """At least two sides, each verified."""
        return len(self.accounts) >= 2 and all(a.verified for a in self.accounts)

    def as_json(self) -> dict[str, Any]:
        return {
            "scene": self.scene,
            "topic": self.topic,
            "verified": self.verified,
            "accounts": [a.as_json() for a in self.accounts],
        }


@dataclass(frozen=True)
class SceneCheck:
    id: str
    title: str
    file: str
    line: int
    ending: str | None  # the ending's kind, for endings
    citations: tuple[CitationCheck, ...]  # the scene's own record
    choices: tuple[ChoiceCheck, ...]
    disputes: tuple[DisputeCheck, ...]

    @property
    def cited(self) -> bool:
        return any(c.verified for c in self.citations)

    def all_citations(self) -> Iterable[tuple[str, CitationCheck]]:
        """(where, citation) for every citation of the scene: "scene", "choice KEY", "dispute: TOPIC"."""
        for c in self.citations:
            yield "scene", c
        for ch in self.choices:
            for c in ch.citations:
                yield f"choice {ch.key}", c
        for d in self.disputes:
            for c in d.accounts:
                yield f"dispute: {d.topic}", c

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "file": self.file,
            "line": self.line,
            "ending": self.ending,
            "cited": self.cited,
            "citations": [c.as_json() for c in self.citations],
            "choices": [
                {
                    "key": ch.key,
                    "text": ch.text,
                    "mark": ch.mark,
                    "line": ch.line,
                    "cited": ch.cited,
                    "citations": [c.as_json() for c in ch.citations],
                }
                for ch in self.choices
            ],
            "disputes": [d.as_json() for d in self.disputes],
        }


@dataclass(frozen=True)
class ScenarioGrounding:
    id: str
    title: str
    folder: str
    scenes: tuple[SceneCheck, ...]
    diagnostics: tuple[Diagnostic, ...]  # everything the compiler found, grounding or not
    unreadable: tuple[str, ...]  # files that could not be read: their scenes are not counted
    compiles: bool

    # --- the numbers ---

    def citations(self) -> list[tuple[SceneCheck, str, CitationCheck]]:
        return [(s, where, c) for s in self.scenes for where, c in s.all_citations()]

    @property
    def historical_choices(self) -> list[tuple[SceneCheck, ChoiceCheck]]:
        return [(s, ch) for s in self.scenes for ch in s.choices if ch.mark == "historical"]

    @property
    def uncited_scenes(self) -> list[SceneCheck]:
        return [s for s in self.scenes if not s.cited]

    @property
    def uncited_historical_choices(self) -> list[tuple[SceneCheck, ChoiceCheck]]:
        return [(s, ch) for s, ch in self.historical_choices if not ch.cited]

    @property
    def failed_citations(self) -> list[tuple[SceneCheck, str, CitationCheck]]:
        return [(s, where, c) for s, where, c in self.citations() if not c.verified]

    @property
    def disputes(self) -> list[DisputeCheck]:
        return [d for s in self.scenes for d in s.disputes]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def grounded(self) -> bool:
        """Every file read, every citation verified, every scene and historical choice cited."""
        return not (
            self.unreadable or self.failed_citations or self.uncited_scenes or self.uncited_historical_choices
        )

    def summary(self) -> dict[str, Any]:
        """The scenario's entry in `chronicle sources --json` (the seven fixed keys, then extras)."""
        cites = self.citations()
        hist = self.historical_choices
        return {
            "id": self.id,
            "scenes": len(self.scenes),
            "scenes_cited": sum(s.cited for s in self.scenes),
            "citations": len(cites),
            "citations_verified": sum(c.verified for _, _, c in cites),
            "historical_choices": len(hist),
            "historical_choices_cited": sum(ch.cited for _, ch in hist),
            "title": self.title,
            "folder": self.folder,
            "grounded": self.grounded,
            "compiles": self.compiles,
            "errors": len(self.errors),
            "unreadable_files": list(self.unreadable),
            "uncited_scenes": [s.id for s in self.uncited_scenes],
            "uncited_historical_choices": [f"{s.id}.{ch.key}" for s, ch in self.uncited_historical_choices],
            "failed_citations": [
                {"scene": s.id, "where": where, **c.as_json()} for s, where, c in self.failed_citations
            ],
            "disputes": [d.as_json() for d in self.disputes],
            "by_scene": [s.as_json() for s in self.scenes],
        }


@dataclass(frozen=True)
class GroundingReport:
    scenarios: tuple[ScenarioGrounding, ...]
    seeds: Mapping[str, int]  # seed file name -> verified citations naming its source
    sources: Mapping[str, str]  # seed file name -> source id

    @property
    def grounded(self) -> bool:
        return all(s.grounded for s in self.scenarios)

    def as_json(self) -> dict[str, Any]:
        return {
            "scenarios": [s.summary() for s in self.scenarios],
            "seeds": dict(self.seeds),
            "grounded": self.grounded,
            "source_ids": dict(self.sources),
        }


# --- building it -----------------------------------------------------------------------------


class _Grounder:
    def __init__(self, record: Record, diagnostics: Iterable[Diagnostic]) -> None:
        self.record = record
        self.seed_of = {sid: src.file for sid, src in record.sources.items()}
        self.explained: dict[tuple[str, int, int], Diagnostic] = {}
        for d in diagnostics:
            if d.code in _QUOTE_CODES:
                self.explained.setdefault((d.path, d.line, d.column), d)

    def citation(self, doc: safeyaml.Doc, path: tuple[Any, ...], item: Any, says: bool = False) -> CitationCheck:
        line, column = doc.mark(path)
        if not isinstance(item, dict):
            return CitationCheck("", "", False, doc.path, line, column,
                                 problem="not a citation: write source: and quote:")
        source, quote = item.get("source"), item.get("quote")
        said = item.get("says")
        summary = said if says and isinstance(said, str) else ""
        if not isinstance(source, str) or not isinstance(quote, str):
            return CitationCheck(
                source if isinstance(source, str) else "",
                quote if isinstance(quote, str) else "",
                False, doc.path, line, column, says=summary,
                problem="a citation needs both source: (a source id) and quote: (a verbatim passage)",
            )
        qline, qcol = doc.mark(path + ("quote",))
        if source not in self.record.sources:
            sline, scol = doc.mark(path + ("source",))
            return CitationCheck(source, quote, False, doc.path, sline, scol, says=summary,
                                 problem=self._explain(doc, path, f'unknown source "{source}"'))
        match = self.record.find(source, quote)
        if match is None:
            return CitationCheck(source, quote, False, doc.path, qline, qcol, seed=self.seed_of[source],
                                 says=summary, problem=self._explain(doc, path, "", source, quote))
        return CitationCheck(
            source, quote, True, doc.path, qline, qcol,
            seed=self.seed_of[source],
            location=self.record.location(match),
            paragraph=match.paragraph,
            corrected=match.corrected,
            says=summary,
        )

    def _explain(self, doc: safeyaml.Doc, path: tuple[Any, ...], fallback: str,
                 source: str = "", quote: str = "") -> str:
        for key in ("quote", "source"):
            line, column = doc.mark(path + (key,))
            d = self.explained.get((doc.path, line, column))
            if d is not None:
                return f"{d.message}; {d.hint}" if d.hint else d.message
        if fallback:
            return fallback
        passage, ratio = self.record.closest(source, quote)  # pragma: no cover - the compiler explains
        return f'quote not found in source "{source}"; the closest passage ({ratio:.0%} alike) is: ' \
               f'"{" ".join(passage.split())[:200]}"'

    def citations(self, doc: safeyaml.Doc, path: tuple[Any, ...], items: Any) -> tuple[CitationCheck, ...]:
        if not isinstance(items, list):
            return ()
        return tuple(self.citation(doc, path + (i,), item) for i, item in enumerate(items))

    def scene(self, doc: safeyaml.Doc, sid: str, sc: dict[str, Any]) -> SceneCheck:
        sp: tuple[Any, ...] = ("scenes", sid)
        choices: list[ChoiceCheck] = []
        raw_choices = sc.get("choices")
        for ci, ch in enumerate(raw_choices if isinstance(raw_choices, list) else []):
            if not isinstance(ch, dict):
                continue
            raw_text = ch.get("text")
            text = raw_text if isinstance(raw_text, str) else ""
            key = ch["id"] if isinstance(ch.get("id"), str) else choice_key(text) if text else f"choice_{ci + 1}"
            mark = "historical" if ch.get("historical") is True else \
                "counterfactual" if ch.get("counterfactual") is True else None
            cp = sp + ("choices", ci)
            choices.append(ChoiceCheck(key, text, mark, doc.mark(cp)[0],
                                       self.citations(doc, cp + ("record",), ch.get("record"))))
        disputes: list[DisputeCheck] = []
        raw_disputes = sc.get("disputed")
        for di, dispute in enumerate(raw_disputes if isinstance(raw_disputes, list) else []):
            if not isinstance(dispute, dict):
                continue
            accounts = dispute.get("accounts")
            dp = sp + ("disputed", di, "accounts")
            disputes.append(DisputeCheck(
                sid,
                dispute["topic"] if isinstance(dispute.get("topic"), str) else "",
                tuple(self.citation(doc, dp + (ai,), acc, says=True)
                      for ai, acc in enumerate(accounts if isinstance(accounts, list) else [])),
            ))
        ending = sc.get("ending")
        kind = ending.get("kind") if isinstance(ending, dict) else None
        return SceneCheck(
            id=sid,
            title=sc["title"] if isinstance(sc.get("title"), str) else "",
            file=doc.path,
            line=doc.mark(sp, key=True)[0],
            ending=kind if isinstance(kind, str) else ("" if ending is not None else None),
            citations=self.citations(doc, sp + ("record",), sc.get("record")),
            choices=tuple(choices),
            disputes=tuple(disputes),
        )


def _read(path: Path) -> safeyaml.Doc | None:
    """The file read safely (bounded), or None if it cannot be read or parsed."""
    try:
        with path.open("rb") as f:
            data = f.read(safeyaml.MAX_BYTES + 1)
        return safeyaml.load(data, display_path(path))
    except (OSError, ChronicleError):
        return None


def ground_scenario(folder: str | os.PathLike[str], record: Record | None = None) -> ScenarioGrounding:
    """The grounding of one scenario folder, whether or not it compiles. Never raises for bad files.

    Raises ChronicleError only if the seed texts themselves cannot be loaded.
    """
    folder = Path(folder)
    if record is None:
        try:  # the seeds and the scenario's own sources/; a clash is reported by the compiler
            record = record_for(folder)
        except ChronicleError:
            record = load_record()
    analysis = analyze(folder, record)
    grounder = _Grounder(record, analysis.diagnostics)
    files = scenario_files(folder)
    meta: dict[str, Any] = {}
    unreadable: list[str] = []
    scenes: list[SceneCheck] = []
    seen: set[str] = set()
    for i, f in enumerate(files):
        if i == 0 and not f.is_file():
            continue  # no scenario.yaml: the compiler says so
        doc = _read(f)
        if doc is None or not isinstance(doc.value, dict):
            unreadable.append(display_path(f))
            continue
        if i == 0:
            meta = doc.value
            continue
        raw = doc.value.get("scenes")
        if not isinstance(raw, dict):
            continue
        for sid, sc in raw.items():
            if isinstance(sid, str) and isinstance(sc, dict) and sid not in seen:
                seen.add(sid)
                scenes.append(grounder.scene(doc, sid, sc))
    sid_meta = meta.get("id")
    title = meta.get("title")
    return ScenarioGrounding(
        id=sid_meta if isinstance(sid_meta, str) and sid_meta else folder.resolve().name,
        title=title if isinstance(title, str) else "",
        folder=display_path(folder),
        scenes=tuple(scenes),
        diagnostics=tuple(analysis.diagnostics),
        unreadable=tuple(unreadable),
        compiles=analysis.ir is not None,
    )


def ground(folders: Iterable[str | os.PathLike[str]], record: Record | None = None) -> GroundingReport:
    """The grounding report over several scenario folders, with the per-seed counts."""
    records = []
    for f in folders:
        rec = record
        if rec is None:
            try:
                rec = record_for(f)
            except ChronicleError:
                rec = load_record()
        records.append((f, rec))
    scenarios = tuple(ground_scenario(f, rec) for f, rec in records)
    sources: dict[str, str] = {}  # file -> id, over the seeds and every scenario's own sources
    for rec in [record or load_record()] + [rec for _, rec in records]:
        sources.update({src.file: sid for sid, src in rec.sources.items()})
    names = sorted(sources)
    seeds = dict.fromkeys(names, 0)
    for sc in scenarios:
        for _, _, c in sc.citations():
            if c.verified:
                seeds[c.seed] += 1
    return GroundingReport(scenarios, seeds, {name: sources[name] for name in names})
