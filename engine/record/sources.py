"""The record: the seed texts, their index, and the verification of quoted passages.

Every citation in a scenario is a short verbatim passage from one of the seed texts in
`seeds/`, named by its id in `seeds/index.yaml`. `load_record()` reads the index and the texts
once per folder; `Record.find()` tells whether a quote is in a source and where.

Matching rules (the same as the independent checker `../shared/tools/verify_quotes.py`): both
the quote and the source are normalised by `normalize()`, which maps typographic quote marks,
apostrophes and dashes to plain ones, joins words hyphenated across a line break
("Com- \\nmittee" -> "Committee") and collapses runs of whitespace to one space; the
normalised quote must then be a substring of the normalised source. Everything else --
spelling, punctuation, capitals -- must be exact.

Errata: a source may list OCR misreadings (`errata:` in the index, pairs of printed and
corrected words). For such a source a quote also matches if it is found in the normalised
text with every misread word replaced (whole words, case-sensitive) by its correction; the
quote may use either spelling of each word. `Match.corrected` then lists the corrections the
quote relied on, so that readers can be shown them.

Offsets in a `Match` are offsets into the raw text, exactly as in the file: each source keeps
a map from normalised offsets back to raw ones.
"""

from __future__ import annotations

import bisect
import dataclasses
import difflib
import functools
import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from engine.base import paths
from engine.base.diagnostics import ChronicleError, Diagnostic

__all__ = [
    "Match",
    "Record",
    "Source",
    "load_record",
    "normalize",
    "record_for",
]

INDEX_NAME = "index.yaml"
SOURCE_CALENDARS = ("julian", "gregorian", "mixed")  # what a source text's dates are in (an index entry)

# --- normalisation (keep in step with ../shared/tools/verify_quotes.py) -----------------------

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
    }
)
_HYPHEN_BREAK = re.compile(r"(\w)- *\n\s*(\w)")
_SPACES = re.compile(r"\s+")


_REPLACE = tuple(sorted((chr(k), v) for k, v in _TRANSLATE.items() if isinstance(v, str)))
_ODD_SPACE = re.compile(r"\s{2,}|[^\S ]")  # whitespace that is not already a single space


def _translate(text: str) -> str:
    """text.translate(_TRANSLATE), faster on long texts (a few C-level replaces)."""
    for char, plain in _REPLACE:
        if char in text:
            text = text.replace(char, plain)
    return text


def normalize(text: str) -> str:
    """Normalise a quote or a source text for matching (the rules of verify_quotes.py)."""
    text = _translate(text)
    text = _HYPHEN_BREAK.sub(r"\1\2", text)  # hyphenated line break: "Com- \nmittee"
    return _SPACES.sub(" ", text).strip()


def _normalize_mapped(raw: str, *, translate: bool = True) -> tuple[str, list[int]]:
    """Normalise `raw` and return (text, offsets): offsets[i] is the raw offset of text[i].

    With translate=False only line-break hyphens and whitespace are normalised (the form shown
    to readers, which keeps typographic quote marks and dashes).
    """
    t = _translate(raw) if translate else raw
    # 1. join words hyphenated across a line break: keep the two word characters
    kept: list[int] | None = None
    joined = t
    joins = list(_HYPHEN_BREAK.finditer(t))
    if joins:
        kept = []
        pieces: list[str] = []
        pos = 0
        for m in joins:
            pieces.append(t[pos : m.start() + 1])
            kept.extend(range(pos, m.start() + 1))
            pos = m.end() - 1
        pieces.append(t[pos:])
        kept.extend(range(pos, len(t)))
        joined = "".join(pieces)
    # 2. collapse whitespace runs to one space (mapped to the run's first character)
    chars: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in _ODD_SPACE.finditer(joined):
        chars.append(joined[pos : m.start()])
        offsets.extend(range(pos, m.start()))
        chars.append(" ")
        offsets.append(m.start())
        pos = m.end()
    chars.append(joined[pos:])
    offsets.extend(range(pos, len(joined)))
    text = "".join(chars)
    if kept is not None:
        offsets = [kept[i] for i in offsets]
    # 3. strip
    lead = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    return text[lead:end], offsets[lead:end]


_WORD_CACHE: dict[tuple[tuple[str, str], ...], re.Pattern[str]] = {}


def _errata_pattern(errata: Sequence[tuple[str, str]]) -> re.Pattern[str]:
    key = tuple(errata)
    pattern = _WORD_CACHE.get(key)
    if pattern is None:
        words = sorted({printed for printed, _ in errata}, key=len, reverse=True)
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")
        _WORD_CACHE[key] = pattern
    return pattern


@dataclass(frozen=True)
class _Corrected:
    text: str
    offsets: list[int]  # offsets[i]: offset in the uncorrected text of text[i] (plus one at the end)
    spans: list[tuple[int, int, str, str]]  # (start, end) in text, printed, corrected


def _apply_errata(text: str, errata: Sequence[tuple[str, str]]) -> _Corrected:
    """Replace misread words (whole words) by their corrections, keeping an offset map."""
    if not errata:
        return _Corrected(text, list(range(len(text) + 1)), [])
    fix = dict(errata)
    out: list[str] = []
    offsets: list[int] = []
    spans: list[tuple[int, int, str, str]] = []
    pos = 0
    size = 0
    for m in _errata_pattern(errata).finditer(text):
        out.append(text[pos : m.start()])
        offsets.extend(range(pos, m.start()))
        size += m.start() - pos
        printed = m.group()
        corrected = fix[printed]
        out.append(corrected)
        # map every corrected character into the printed word (the last ones to its end)
        offsets.extend(min(m.start() + k, m.end() - 1) for k in range(len(corrected)))
        spans.append((size, size + len(corrected), printed, corrected))
        size += len(corrected)
        pos = m.end()
    out.append(text[pos:])
    offsets.extend(range(pos, len(text)))
    offsets.append(len(text))
    return _Corrected("".join(out), offsets, spans)


# --- sentences, for context ------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(\d*)\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = frozenset({"Mr", "Mrs", "Dr", "St", "Gen", "Col", "Lt", "Capt", "No", "cf", "vs", "Sir"})


def _sentence_starts(text: str) -> list[int]:
    """Offsets where sentences begin in whitespace-normalised prose (always includes 0)."""
    starts = [0]
    for m in _SENTENCE_END.finditer(text):
        if not m.group(1):  # a footnote number after the stop always ends a sentence
            word = re.search(r"(\w+)\.$", text[max(0, m.start() - 12) : m.start() + 1])
            if word and (word.group(1) in _ABBREVIATIONS or len(word.group(1)) == 1 and word.group(1).isupper()):
                continue  # "St. Isaac's", initials "V.D. Bonch", "P.M." before a name
        starts.append(m.end())
    return starts


# --- the data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One seed text and its bibliographic data (from seeds/index.yaml)."""

    id: str
    file: str
    author: str
    title: str
    year: int
    reference: str
    place: str  # the chapter or page: "ch. 15", "p. 376"
    calendar: str  # julian, gregorian or mixed
    covers: str
    notes: str
    errata: tuple[tuple[str, str], ...]  # (printed, corrected)
    text: str  # the raw text, exactly as in the file
    publisher: str = ""
    calendar_note: str = ""
    furniture: tuple[str, ...] = ()  # lines that are not running text (headings, captions...)
    endnotes: str = ""  # the opening words of the first endnote, if any

    @property
    def short(self) -> str:
        """The author's surname, for short references: "Rabinowitch"."""
        return self.author.split()[-1] if self.author else self.id


@dataclass(frozen=True)
class Match:
    """Where a quote was found."""

    source: str  # source id
    start: int  # offsets in the RAW text of the passage matched
    end: int
    paragraph: int  # 1-based paragraph of the running text; 0 for headings, captions, notes
    corrected: tuple[tuple[str, str], ...]  # errata the quote relied on; empty if matched as printed


@dataclass(frozen=True)
class _Paragraph:
    start: int  # raw offsets
    end: int
    number: int  # 1-based among running-text paragraphs; 0 if furniture or an endnote
    label: str  # how a location names it: "paragraph 3", "note 2", "heading or caption"


@dataclass(frozen=True)
class _Prepared:
    raw: str
    norm: str
    norm_map: list[int]  # norm offset -> raw offset
    corrected: _Corrected | None
    display: str  # whitespace-normalised raw text (typographic marks kept)
    display_map: list[int]
    paragraphs: tuple[_Paragraph, ...]
    paragraph_starts: list[int]

    @functools.cached_property
    def words(self) -> dict[str, list[int]]:
        """Lower-cased word -> its offsets in `norm` (built on first use, by `closest`)."""
        words: dict[str, list[int]] = {}
        for m in re.finditer(r"\w+", self.norm):
            words.setdefault(m.group().lower(), []).append(m.start())
        return words


def _paragraphs(source: Source) -> tuple[_Paragraph, ...]:
    """Split a raw text into paragraphs: runs of non-blank lines.

    A run of long lines with no blank lines between them (one paragraph per line, unwrapped)
    counts one paragraph per line; a run of short lines is one hard-wrapped paragraph.
    """
    raw = source.text
    blocks: list[tuple[int, int]] = []
    lines: list[tuple[int, int]] = []
    pos = 0
    for line in raw.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body.strip():
            lines.append((pos, pos + len(body)))
        elif lines:
            blocks.extend(_split_block(raw, lines))
            lines = []
        pos += len(line)
    if lines:
        blocks.extend(_split_block(raw, lines))
    furniture = {normalize(f) for f in source.furniture}
    notes_from = normalize(source.endnotes) if source.endnotes else ""
    out: list[_Paragraph] = []
    number = 0
    in_notes = False
    for start, end in blocks:
        text = normalize(raw[start:end])
        if notes_from and text.startswith(notes_from):
            in_notes = True
        if in_notes:
            note = re.match(r"\d+", text)
            out.append(_Paragraph(start, end, 0, f"note {note.group()}" if note else "notes"))
        elif text in furniture:
            out.append(_Paragraph(start, end, 0, "heading or caption"))
        else:
            number += 1
            out.append(_Paragraph(start, end, number, f"paragraph {number}"))
    return tuple(out)


def _split_block(raw: str, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    if len(lines) > 1 and any(end - start > 100 for start, end in lines[:-1]):
        return list(lines)  # unwrapped: one paragraph per line
    return [(lines[0][0], lines[-1][1])]


def _prepare(source: Source) -> _Prepared:
    norm, norm_map = _normalize_mapped(source.text)  # == normalize(source.text), with offsets
    norm_map.append(norm_map[-1] + 1 if norm_map else 0)
    display, display_map = _normalize_mapped(source.text, translate=False)
    display_map.append(display_map[-1] + 1 if display_map else 0)
    paragraphs = _paragraphs(source)
    return _Prepared(
        raw=source.text,
        norm=norm,
        norm_map=norm_map,
        corrected=_apply_errata(norm, source.errata) if source.errata else None,
        display=display,
        display_map=display_map,
        paragraphs=paragraphs,
        paragraph_starts=[p.start for p in paragraphs],
    )


class Record:
    """The seed texts, prepared for fast matching. Build it with `load_record()`."""

    def __init__(self, sources: Mapping[str, Source], content_hash: str,
                 prepared: Mapping[str, _Prepared] | None = None) -> None:
        self.sources: Mapping[str, Source] = MappingProxyType(dict(sources))
        self._hash = content_hash
        known = prepared or {}
        self._prepared = {sid: known.get(sid) or _prepare(src) for sid, src in self.sources.items()}
        self._found: dict[tuple[str, str], Match | None] = {}

    @classmethod
    def _from_prepared(cls, sources: Mapping[str, Source], content_hash: str,
                       prepared: Mapping[str, _Prepared]) -> Record:
        """A record of sources already prepared in other records (the seeds and a scenario's own)."""
        return cls(sources, content_hash, prepared)

    @property
    def content_hash(self) -> str:
        """sha256 over index.yaml and every seed file's bytes (to invalidate caches)."""
        return self._hash

    # --- matching ---

    def find(self, source_id: str, quote: str) -> Match | None:
        """Find `quote` in one source; None if it is not there (or the source is unknown)."""
        key = (source_id, quote)
        if key in self._found:
            return self._found[key]
        result = self._find(source_id, normalize(quote))
        if len(self._found) < 100_000:
            self._found[key] = result
        return result

    def find_any(self, quote: str) -> Match | None:
        """Find `quote` in any source (as printed first, then with errata), in index order."""
        q = normalize(quote)
        if not q:
            return None
        for sid, prep in self._prepared.items():
            i = prep.norm.find(q)
            if i >= 0:
                return self._match(sid, i, i + len(q), ())
        for sid in self._prepared:
            found = self._find(sid, q)
            if found is not None:
                return found
        return None

    def _find(self, source_id: str, q: str) -> Match | None:
        prep = self._prepared.get(source_id)
        if prep is None or not q:
            return None
        i = prep.norm.find(q)
        if i >= 0:
            return self._match(source_id, i, i + len(q), ())
        corr = prep.corrected
        if corr is None:
            return None
        # the quote may mix printed and corrected spellings: correct it too
        qc = _apply_errata(q, self.sources[source_id].errata)
        j = corr.text.find(qc.text)
        if j < 0:
            return None
        k = j + len(qc.text)
        own = {start for start, _, _, _ in qc.spans}  # words the quote gave as printed
        relied: list[tuple[str, str]] = []
        for start, end, printed, corrected in corr.spans:
            if start < k and end > j and (start - j) not in own and (printed, corrected) not in relied:
                relied.append((printed, corrected))
        return self._match(source_id, corr.offsets[j], corr.offsets[k - 1] + 1, tuple(relied))

    def _match(self, source_id: str, ns: int, ne: int, corrected: tuple[tuple[str, str], ...]) -> Match:
        prep = self._prepared[source_id]
        start = prep.norm_map[ns]
        end = prep.norm_map[ne - 1] + 1
        para = self._paragraph_at(prep, start)
        return Match(source_id, start, end, para.number if para else 0, corrected)

    @staticmethod
    def _paragraph_at(prep: _Prepared, raw_offset: int) -> _Paragraph | None:
        i = bisect.bisect_right(prep.paragraph_starts, raw_offset) - 1
        return prep.paragraphs[i] if i >= 0 else None

    # --- when a quote fails ---

    def closest(self, source_id: str | None, quote: str) -> tuple[str, float]:
        """The passage most like `quote` (raw text, about the quote's length) and how alike (0..1).

        Looks in one source, or in all of them when `source_id` is None. Candidate places are
        found by anchoring runs of the quote's words in the normalised text; each candidate
        window is then aligned with difflib and trimmed to the aligned part.
        """
        q = normalize(quote)
        if not q:
            return "", 0.0
        ids = [source_id] if source_id is not None else list(self._prepared)
        best = ("", 0.0)
        for sid in ids:
            prep = self._prepared.get(sid)
            if prep is None:
                continue
            for start in self._candidates(prep, q):
                passage, ratio = self._align(prep, q, start)
                if ratio > best[1]:
                    best = (passage, ratio)
        return best

    @staticmethod
    def _candidates(prep: _Prepared, q: str, limit: int = 8) -> list[int]:
        """Likely start offsets (normalised) of the quote in a source, best first."""
        qwords = [(m.group().lower(), m.start()) for m in re.finditer(r"\w+", q)]
        votes: dict[int, float] = {}
        text = prep.norm
        for n in (4, 3, 2):  # runs of n words, found with str.find
            if len(qwords) < n:
                continue
            for k in range(len(qwords) - n + 1):
                a, b = qwords[k][1], qwords[k + n - 1][1] + len(qwords[k + n - 1][0])
                probe = q[a:b]
                i = text.find(probe)
                hits = 0
                while i >= 0 and hits < 20:
                    bucket = (i - a) // 8 * 8
                    votes[bucket] = votes.get(bucket, 0.0) + n
                    hits += 1
                    i = text.find(probe, i + 1)
            if votes:
                break
        if not votes:  # single words, rarest first
            for word, offset in qwords:
                for i in prep.words.get(word, ())[:50]:
                    bucket = (i - offset) // 8 * 8
                    votes[bucket] = votes.get(bucket, 0.0) + 1.0 / len(prep.words[word])
        if not votes:
            step = max(1, len(q) // 2)
            return list(range(0, max(1, len(text) - len(q)), step))[:400]
        return sorted(votes, key=lambda s: -votes[s])[:limit]

    @staticmethod
    def _align(prep: _Prepared, q: str, start: int) -> tuple[str, float]:
        text = prep.norm
        slack = max(20, len(q) // 3)
        lo = max(0, start - slack)
        hi = min(len(text), start + len(q) + slack)
        window = text[lo:hi]
        matcher = difflib.SequenceMatcher(None, q, window, autojunk=False)
        blocks = [b for b in matcher.get_matching_blocks() if b.size]
        if not blocks:
            return "", 0.0
        first, last = blocks[0], blocks[-1]
        a = max(0, first.b - first.a)
        b = min(len(window), last.b + last.size + (len(q) - last.a - last.size))
        # widen to whole words
        while a > 0 and window[a - 1].isalnum() and window[a].isalnum():
            a -= 1
        while b < len(window) and window[b - 1].isalnum() and window[b].isalnum():
            b += 1
        piece = window[a:b].strip()
        if not piece:
            return "", 0.0
        a = lo + a + (len(window[a:b]) - len(window[a:b].lstrip()))
        ratio = difflib.SequenceMatcher(None, q, piece, autojunk=False).ratio()
        raw_start = prep.norm_map[a]
        raw_end = prep.norm_map[a + len(piece) - 1] + 1
        return prep.raw[raw_start:raw_end], ratio

    # --- showing the record ---

    def passage(self, match: Match) -> str:
        """The raw text of a match, exactly as in the file."""
        return self.sources[match.source].text[match.start : match.end]

    def context(self, match: Match, sentences: int = 2) -> tuple[str, str, str]:
        """(before, passage, after): the passage with up to `sentences` sentences on each side.

        The context stays within the passage's paragraph. A passage that starts or ends
        mid-sentence gets the rest of that sentence as well. All three parts are shown as
        printed, with whitespace collapsed and line-break hyphens joined.
        """
        text, ms, me, starts = self.paragraph_view(match)
        i = bisect.bisect_right(starts, ms) - 1
        before_from = starts[max(0, i - max(0, sentences))]
        j = bisect.bisect_left(starts, me)
        k = j + max(0, sentences)
        after_to = starts[k] if k < len(starts) else len(text)
        if sentences <= 0 and (j >= len(starts) or starts[j] != me):
            after_to = starts[j] if j < len(starts) else len(text)
        return text[before_from:ms].strip(), text[ms:me].strip(), text[me:after_to].strip()

    def paragraph_view(self, match: Match) -> tuple[str, int, int, list[int]]:
        """(the paragraph as printed, where the match starts and ends in it, its sentence starts):
        what `context` cuts from (the HTML player cuts shared contexts from it too)."""
        prep = self._prepared[match.source]
        para = self._paragraph_at(prep, match.start)
        p_start, p_end = (para.start, para.end) if para else (0, len(self.sources[match.source].text))
        dmap = prep.display_map

        def disp(raw_offset: int) -> int:
            return bisect.bisect_left(dmap, raw_offset, 0, len(dmap) - 1)

        d0, d1 = disp(p_start), disp(p_end)
        text = prep.display[d0:d1]
        return text, disp(match.start) - d0, disp(match.end) - d0, _sentence_starts(text)

    def location(self, match: Match) -> str:
        """e.g. "Rabinowitch, The Bolsheviks Come to Power (1976), ch. 15, paragraph 57"."""
        src = self.sources[match.source]
        para = self._paragraph_at(self._prepared[match.source], match.start)
        where = f"{src.short}, {src.title} ({src.year}), {src.place}"
        return f"{where}, {para.label}" if para else where

    def place_in_text(self, match: Match) -> str:
        """Where in its text a match is: "paragraph 57", "note 2", "heading or caption" ("" if none)."""
        para = self._paragraph_at(self._prepared[match.source], match.start)
        return para.label if para else ""

    def errata_in(self, match: Match) -> tuple[tuple[str, str], ...]:
        """Every misread word inside the matched passage (whether or not the quote relied on it)."""
        src = self.sources[match.source]
        if not src.errata:
            return ()
        piece = normalize(src.text[match.start : match.end])
        found = {m.group() for m in _errata_pattern(src.errata).finditer(piece)}
        return tuple(pair for pair in src.errata if pair[0] in found)


# --- loading ---------------------------------------------------------------------------------

_REQUIRED = ("file", "author", "title", "year", "place", "reference", "covers", "calendar")
_OPTIONAL = ("publisher", "calendar_note", "notes", "furniture", "endnotes", "errata")
_ID = re.compile(r"[a-z][a-z0-9_]*")


def _safe_load(text: str) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader


def load_record(seeds_dir: str | os.PathLike[str] | None = None) -> Record:
    """Read seeds/index.yaml and the seed texts (default: the project's seeds/ folder).

    Memoised per folder (`load_record.cache_clear()` forgets). Raises ChronicleError, with a
    diagnostic per problem, if the index is missing, malformed or disagrees with the files.
    """
    folder = Path(seeds_dir) if seeds_dir is not None else paths.SEEDS_DIR
    return _load(str(folder.resolve()))


@functools.lru_cache(maxsize=8)
def _load(folder_name: str) -> Record:
    folder = Path(folder_name)
    index_path = folder / INDEX_NAME
    shown = str(index_path)
    problems: list[Diagnostic] = []

    def problem(code: str, message: str, hint: str = "", line: int = 0, column: int = 0) -> None:
        problems.append(Diagnostic(shown, line, column, "error", code, message, hint))

    try:
        index_bytes = index_path.read_bytes()
    except OSError as e:
        raise ChronicleError(
            [Diagnostic(shown, 0, 0, "error", "SEED001", f"cannot read the seed index: {e.strerror or e}")]
        ) from e
    try:
        doc = _safe_load(index_bytes.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as e:
        mark = getattr(e, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        raise ChronicleError(
            [Diagnostic(shown, line, column, "error", "SEED002", f"the seed index is not valid YAML: {e}")]
        ) from e
    if not isinstance(doc, dict) or doc.get("format") != 1 or not isinstance(doc.get("sources"), dict):
        raise ChronicleError(
            [
                Diagnostic(
                    shown,
                    0,
                    0,
                    "error",
                    "SEED002",
                    "the seed index must be a mapping with format: 1 and sources:",
                )
            ]
        )
    digest = hashlib.sha256()
    digest.update(len(index_bytes).to_bytes(8, "big") + index_bytes)
    sources: dict[str, Source] = {}
    for sid, entry in doc["sources"].items():
        if not isinstance(sid, str) or not _ID.fullmatch(sid):
            problem("SEED003", f"bad source id {sid!r}", "ids are lower-case letters, digits and _")
            continue
        if not isinstance(entry, dict):
            problem("SEED003", f"source {sid}: the entry must be a mapping")
            continue
        missing = [k for k in _REQUIRED if k not in entry]
        unknown = sorted(set(entry) - set(_REQUIRED) - set(_OPTIONAL) - {"notes"})
        if missing:
            problem("SEED003", f"source {sid}: missing {', '.join(missing)}")
            continue
        if unknown:
            problem("SEED003", f"source {sid}: unknown keys {', '.join(map(str, unknown))}")
        strings = {k: entry.get(k, "") for k in _REQUIRED + ("publisher", "calendar_note", "notes", "endnotes")}
        if not isinstance(entry["year"], int) or any(not isinstance(v, str) for k, v in strings.items() if k != "year"):
            problem("SEED003", f"source {sid}: year must be a number and the other fields text")
            continue
        if entry["calendar"] not in SOURCE_CALENDARS:
            problem("SEED003", f"source {sid}: calendar must be one of {', '.join(SOURCE_CALENDARS)}")
        file_name = entry["file"]
        path = folder / file_name
        if Path(file_name).name != file_name:
            problem("SEED004", f"source {sid}: file must be a name in the seeds folder, not {file_name!r}")
            continue
        try:
            data = path.read_bytes()
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            problem("SEED004", f"source {sid}: cannot read {file_name}: {e}")
            continue
        name_bytes = file_name.encode("utf-8")
        digest.update(len(name_bytes).to_bytes(8, "big") + name_bytes + len(data).to_bytes(8, "big") + data)
        norm = normalize(text)
        errata: list[tuple[str, str]] = []
        for item in entry.get("errata") or []:
            if (
                not isinstance(item, dict)
                or set(item) != {"printed", "corrected"}
                or not all(isinstance(v, str) and v and v.strip() == v for v in item.values())
                or item["printed"] == item["corrected"]
            ):
                problem("SEED005", f"source {sid}: each erratum is {{printed: word, corrected: word}}: {item!r}")
                continue
            errata.append((item["printed"], item["corrected"]))
        if errata:
            pattern = _errata_pattern(errata)
            seen = {m.group() for m in pattern.finditer(norm)}
            for printed, _ in errata:
                if printed not in seen:
                    problem("SEED005", f"source {sid}: erratum {printed!r} is not a word of {file_name}")
            if len({p for p, _ in errata}) != len(errata):
                problem("SEED005", f"source {sid}: an erratum is listed twice")
        furniture = entry.get("furniture") or []
        if not isinstance(furniture, list) or not all(isinstance(f, str) for f in furniture):
            problem("SEED003", f"source {sid}: furniture must be a list of lines")
            furniture = []
        for line in furniture:
            if normalize(line) not in norm:
                problem("SEED003", f"source {sid}: furniture line {line!r} is not in {file_name}")
        if strings["endnotes"] and normalize(strings["endnotes"]) not in norm:
            problem("SEED003", f"source {sid}: endnotes {strings['endnotes']!r} not found in {file_name}")
        sources[sid] = Source(
            id=sid,
            file=file_name,
            author=strings["author"].strip(),
            title=strings["title"].strip(),
            year=entry["year"],
            reference=" ".join(strings["reference"].split()),
            place=strings["place"].strip(),
            calendar=entry["calendar"],
            covers=" ".join(strings["covers"].split()),
            notes=" ".join(strings["notes"].split()),
            errata=tuple(errata),
            text=text,
            publisher=strings["publisher"].strip(),
            calendar_note=" ".join(strings["calendar_note"].split()),
            furniture=tuple(furniture),
            endnotes=strings["endnotes"],
        )
    if problems:
        raise ChronicleError(problems)
    return Record(sources, digest.hexdigest())


load_record.cache_clear = _load.cache_clear  # type: ignore[attr-defined]



def record_for(scenario_folder: str | os.PathLike[str] | None) -> Record:
    """The record a scenario cites: the seeds, and the sources it brings (`engine.base.paths.own_source_dirs`),
    verified, located and shown exactly like the seeds. Raises ChronicleError (with a diagnostic
    per problem) when its own index is broken or one of its ids is also a seed's (or another
    of its folders') id."""
    seeds = load_record()
    if scenario_folder is None:
        return seeds
    dirs = paths.own_source_dirs(scenario_folder)
    if not dirs:
        return seeds
    return _merged(tuple(str(d) for d in dirs))


@functools.lru_cache(maxsize=8)
def _merged(dirs: tuple[str, ...]) -> Record:
    seeds = load_record()
    records = [(Path(d), load_record(d)) for d in dirs]
    taken = {sid: "seeds/index.yaml" for sid in seeds.sources}
    problems: list[Diagnostic] = []
    digest = hashlib.sha256(seeds.content_hash.encode())
    merged: dict[str, Source] = dict(seeds.sources)
    prepared = dict(seeds._prepared)
    for folder, rec in records:
        index = os.path.relpath(folder / INDEX_NAME) if not os.path.relpath(folder).startswith("..") \
            else str(folder / INDEX_NAME)
        digest.update(rec.content_hash.encode())
        for sid, src in rec.sources.items():
            if sid in taken:
                problems.append(Diagnostic(index, 0, 0, "error", "SEED006",
                                           f'the source id "{sid}" is already the id of a source in {taken[sid]}',
                                           "give this source another id (and cite it by that id)"))
                continue
            taken[sid] = index
            shown = os.path.relpath(folder / src.file)
            merged[sid] = dataclasses.replace(src, file=shown if not shown.startswith("..") else str(folder / src.file))
            prepared[sid] = rec._prepared[sid]
    if problems:
        raise ChronicleError(problems)
    return Record._from_prepared(merged, digest.hexdigest(), prepared)
