"""engine/record/passages.py: a cited passage with its context, reference, place in the text and errata."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.build.loader import load_story
from engine.core.model import Citation
from engine.record.passages import apply_corrections, read_citation, read_passage
from engine.record.sources import load_record

FIX = Path(__file__).resolve().parent / "fixtures" / "grounding"


def test_passage_with_context_reference_and_place() -> None:
    p = read_passage("rabinowitch", "This ultimatum expires at 7:10")
    assert p.found
    assert p.before == "You have twenty minutes to answer. Your response should be given to our messenger."
    assert p.passage == "This ultimatum expires at 7:10"
    assert p.after == ", after which we will immediately open fire. . . ."
    assert p.reference.startswith("Alexander Rabinowitch, The Bolsheviks Come to Power: The Revolution of 1917")
    assert p.location == "Rabinowitch, The Bolsheviks Come to Power (1976), ch. 15, paragraph 44"
    assert (p.place, p.paragraph) == ("paragraph 44", 44)
    assert p.errata == () and p.relied == () and p.errata_note == ""
    assert p.corrected == (p.before, p.passage, p.after)


def test_fewer_sentences_of_context() -> None:
    p = read_passage("rabinowitch", "This ultimatum expires at 7:10", sentences=0)
    assert p.before == "" and p.after == ", after which we will immediately open fire. . . ."
    wide = read_passage("rabinowitch", "This ultimatum expires at 7:10", sentences=1)
    assert wide.before == "Your response should be given to our messenger."


def test_the_print_is_kept_with_typographic_marks() -> None:
    p = read_passage("rabinowitch", '"You are all under arrest," Antonov replied')
    assert p.passage == "“You are all under arrest,” Antonov replied"


def test_scanned_page_shows_the_print_and_the_corrections() -> None:
    p = read_passage("woytinsky_p376", "the Provisional Government was deposed")
    assert p.found and p.passage == "the Provisional Govemment was deposed"  # as printed
    assert p.relied == (("Govemment", "Government"),)
    assert ("Govemment", "Government") in p.errata and ("décisions", "decisions") in p.errata
    before, passage, after = p.corrected
    assert passage == "the Provisional Government was deposed"
    assert "declared all these decisions illegal" in after and "ail thèse" in p.after
    assert 'Scanning errors corrected: "Communiste" reads "Communists";' in p.errata_note
    assert p.location == "Woytinsky, Stormy Passage (1961), p. 376, paragraph 1"


def test_a_passage_across_a_hyphenated_line_break() -> None:
    p = read_passage("woytinsky_p376", "the old Executive Committee called on the army for support")
    assert p.found and p.passage == "the old Executive Committee called on the army for support"
    assert p.place == "paragraph 2"


def test_headings_and_endnotes_are_placed_but_not_numbered() -> None:
    heading = read_passage("rabinowitch", "THE BOLSHEVIKS COME TO POWER")
    assert (heading.place, heading.paragraph) == ("heading or caption", 0)
    note = read_passage("pearson", "This little story has been questioned by historians as Soviet propaganda")
    assert (note.place, note.paragraph) == ("note 2", 0)
    record = load_record()
    m = record.find("rabinowitch", "This ultimatum expires at 7:10")
    assert m is not None and record.place_in_text(m) == "paragraph 44"


def test_not_found_and_unknown_source() -> None:
    miss = read_passage("rabinowitch", "This ultimatum expires at 7:15")
    assert not miss.found and miss.passage == "" and miss.reference.startswith("Alexander Rabinowitch")
    unknown = read_passage("nobody", "This ultimatum expires at 7:10")
    assert not unknown.found and unknown.reference == ""


def test_citations_and_accounts_of_a_compiled_story() -> None:
    story = load_story(FIX / "grounded")
    cite = story.scenes["ultimatum"].record[0]
    p = read_citation(cite)
    assert p is not None and p.found and p.note == "The ultimatum as Rabinowitch gives it."
    assert cite.found is not None and p.paragraph == cite.found[2] == 44
    account = story.scenes["aurora"].disputed[0].accounts[1]
    q = read_citation(account)
    assert q is not None and q.found and q.source == "pearson" and q.note == ""
    assert q.passage == "They were only blanks fired from the Aurora and the fortress"


def test_apply_corrections_replaces_whole_words_only() -> None:
    errata = (("ail", "all"), ("thèse", "these"))
    assert apply_corrections("declared ail thèse; bail, ailing", errata) == "declared all these; bail, ailing"
    assert apply_corrections("nothing here", ()) == "nothing here"


def test_without_the_record_a_citation_reads_as_none(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import engine.base.paths
    import engine.record.sources

    monkeypatch.setattr(engine.base.paths, "SEEDS_DIR", tmp_path)
    assert read_citation(Citation("rabinowitch", "This ultimatum expires at 7:10")) is None
