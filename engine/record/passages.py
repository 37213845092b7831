"""A cited passage in its surroundings, ready to show a reader: the `sources` command and exports.

`read_citation(citation)` (or `read_passage(source_id, quote)`) finds the quote in the record
and returns a `Passage`: the words as printed with a few sentences before and after (within
the same paragraph), the book's full reference, the short location ("Rabinowitch, The
Bolsheviks Come to Power (1976), ch. 15, paragraph 57"), the place in the text ("paragraph 57",
"note 2"), and the errata: for a scanned page, the misread words in what is shown, each with its
correction, and the same text with the corrections applied. Plain data, no rich, no I/O beyond
loading the record once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from engine.base.diagnostics import ChronicleError
from engine.record.sources import Record, load_record

__all__ = ["Passage", "apply_corrections", "read_citation", "read_passage"]


class Cited(Protocol):
    """Anything with a source id and a quote: model.Citation, model.Account."""

    @property
    def source(self) -> str: ...

    @property
    def quote(self) -> str: ...


@dataclass(frozen=True)
class Passage:
    source: str  # the source id
    quote: str  # the quote as the scenario gives it
    found: bool  # False: the quote is not in the source (or the source is unknown)
    before: str = ""  # up to `sentences` sentences before the passage, as printed
    passage: str = ""  # the passage itself, as printed (whitespace collapsed, line-break hyphens joined)
    after: str = ""  # up to `sentences` sentences after it
    reference: str = ""  # the full bibliographic reference
    location: str = ""  # short: author, title (year), chapter or page, paragraph
    place: str = ""  # where in the text: "paragraph 57", "note 2", "heading or caption"
    paragraph: int = 0  # 1-based paragraph of the running text; 0 for headings, notes, or not found
    errata: tuple[tuple[str, str], ...] = ()  # misread words in before/passage/after: (printed, corrected)
    relied: tuple[tuple[str, str], ...] = ()  # the corrections the quote itself relied on
    note: str = ""  # the citation's note, if it has one

    @property
    def corrected(self) -> tuple[str, str, str]:
        """(before, passage, after) with every misread word replaced by its correction."""
        return (
            apply_corrections(self.before, self.errata),
            apply_corrections(self.passage, self.errata),
            apply_corrections(self.after, self.errata),
        )

    @property
    def errata_note(self) -> str:
        """One line for readers, e.g. 'Scanning errors corrected: "Govemment" reads "Government".'"""
        if not self.errata:
            return ""
        pairs = "; ".join(f'"{printed}" reads "{right}"' for printed, right in self.errata)
        return f"Scanning errors corrected: {pairs}."


def _pattern(errata: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    words = sorted({printed for printed, _ in errata}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")


def apply_corrections(text: str, errata: tuple[tuple[str, str], ...]) -> str:
    """Replace each misread word (whole words, case-sensitive) by its correction."""
    if not errata or not text:
        return text
    fix = dict(errata)
    return _pattern(errata).sub(lambda m: fix[m.group()], text)


def _errata_in(text: str, errata: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    if not errata:
        return ()
    seen = set(_pattern(errata).findall(text))
    return tuple(pair for pair in errata if pair[0] in seen)


def read_passage(
    source: str, quote: str, *, sentences: int = 2, record: Record | None = None, note: str = ""
) -> Passage:
    """The passage of `quote` in `source` with its context, reference, place and errata.

    Never raises for a bad quote or source (found is False); raises ChronicleError only if
    the seed texts cannot be loaded and no `record` is given.
    """
    record = record or load_record()
    src = record.sources.get(source)
    if src is None:
        return Passage(source, quote, False, note=note)
    match = record.find(source, quote)
    if match is None:
        return Passage(source, quote, False, reference=src.reference, note=note)
    before, passage, after = record.context(match, sentences)
    return Passage(
        source=source,
        quote=quote,
        found=True,
        before=before,
        passage=passage,
        after=after,
        reference=src.reference,
        location=record.location(match),
        place=record.place_in_text(match),
        paragraph=match.paragraph,
        errata=_errata_in(" ".join((before, passage, after)), src.errata),
        relied=match.corrected,
        note=note,
    )


def read_citation(citation: Cited, *, sentences: int = 2, record: Record | None = None) -> Passage | None:
    """`read_passage` for a model.Citation or model.Account; None if the record cannot be loaded."""
    note = getattr(citation, "note", "")
    try:
        return read_passage(citation.source, citation.quote, sentences=sentences, record=record,
                            note=note if isinstance(note, str) else "")
    except ChronicleError:
        return None
