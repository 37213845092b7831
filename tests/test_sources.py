"""The record: the seed index, quote matching, context for readers."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.base.diagnostics import ChronicleError
from engine.record.sources import Match, Record, _normalize_mapped, load_record, normalize
from tests.helpers import ROOT, verify_quotes_tool

SEEDS = ROOT / "seeds"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"

FILES = {
    "woytinsky_july2": "000_d121491ab6d0240a.txt",
    "woytinsky_july1": "001_dbf6c7e2ff3efd3a.txt",
    "rabinowitch": "002_eb6aad302f5dba75.txt",
    "pearson": "003_73bc7ea624367f32.txt",
    "woytinsky_p376": "004_a18fca1e7b5f9acc.txt",
}
SHA256 = {
    "000_d121491ab6d0240a.txt": "a9f604811c5bd743540c950c1c09190a5c30b210162cd1c3b83efd98fcd0d3ec",
    "001_dbf6c7e2ff3efd3a.txt": "751f150b370b623bc621efc1c97844b0cbd17eb0f2805cb76a58baae6b1a7f8b",
    "002_eb6aad302f5dba75.txt": "8f217575fb48dc6891c0a0f8569bc78183e6f01ee5d7e852c66f8f06bf229b98",
    "003_73bc7ea624367f32.txt": "b74a8c33a26ba8c1bfd9288934c4c559529a91db904f5df7b8ec8f896a87976b",
    "004_a18fca1e7b5f9acc.txt": "514497315a9d0f755c967f52da9b4889e6b7d54e041bb94bbe70195208639134",
}


@pytest.fixture(scope="module")
def record() -> Record:
    return load_record()


def raw_of(record: Record, m: Match) -> str:
    return record.sources[m.source].text[m.start : m.end]


# --- the index and the files ------------------------------------------------------------------


def test_index_lists_the_five_seeds(record: Record) -> None:
    assert {sid: s.file for sid, s in record.sources.items()} == FILES
    for sid, s in record.sources.items():
        assert s.id == sid
        assert s.author and s.title and s.reference and s.place and s.covers and s.notes
        assert 1900 < s.year < 2000
        assert s.calendar in ("julian", "gregorian", "mixed")
    assert record.sources["rabinowitch"].calendar == "julian"
    assert record.sources["woytinsky_p376"].calendar == "gregorian"
    assert record.sources["woytinsky_p376"].errata  # only the scanned page has errata
    assert all(not s.errata for sid, s in record.sources.items() if sid != "woytinsky_p376")


def test_index_is_format_1_and_plain_safe_yaml() -> None:
    doc = yaml.safe_load((SEEDS / "index.yaml").read_text(encoding="utf-8"))
    assert doc["format"] == 1
    assert set(doc["sources"]) == set(FILES)


@pytest.mark.parametrize("name", sorted(SHA256))
def test_seed_files_are_unchanged(name: str, record: Record) -> None:
    data = (SEEDS / name).read_bytes()
    if SHARED_SEEDS.is_dir():
        assert data == (SHARED_SEEDS / name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == SHA256[name]
    source = next(s for s in record.sources.values() if s.file == name)
    assert source.text == data.decode("utf-8")  # raw text, exactly as in the file


def test_seed_folder_holds_only_the_texts_and_the_index() -> None:
    assert sorted(p.name for p in SEEDS.iterdir()) == sorted([*SHA256, "index.yaml"])


def test_content_hash_is_stable_and_follows_the_bytes(tmp_path: Path, record: Record) -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", record.content_hash)
    copy = tmp_path / "seeds"
    shutil.copytree(SEEDS, copy)
    assert load_record(copy).content_hash == record.content_hash
    assert load_record(copy) is load_record(copy)  # memoised per folder
    other = tmp_path / "seeds2"
    shutil.copytree(SEEDS, other)
    (other / FILES["woytinsky_july1"]).write_bytes((SEEDS / FILES["woytinsky_july1"]).read_bytes() + b" ")
    assert load_record(other).content_hash != record.content_hash


def test_default_folder_is_the_projects_seeds(record: Record) -> None:
    assert load_record(SEEDS) is record


def test_bad_index_is_reported(tmp_path: Path) -> None:
    copy = tmp_path / "seeds"
    shutil.copytree(SEEDS, copy)
    index = copy / "index.yaml"
    index.write_text(
        index.read_text(encoding="utf-8").replace("printed: Govemment", "printed: Govermnent"),
        encoding="utf-8",
    )
    with pytest.raises(ChronicleError) as err:
        load_record(copy)
    assert "Govermnent" in str(err.value)
    assert err.value.errors[0].code.startswith("SEED")


def test_missing_index_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ChronicleError):
        load_record(tmp_path)


# --- matching ---------------------------------------------------------------------------------


def test_quote_across_a_hyphenated_line_break_on_the_scanned_page(record: Record) -> None:
    quote = "Both the Communist convention and the old Executive Committee called on the army for support."
    m = record.find("woytinsky_p376", quote)
    assert m is not None
    raw = raw_of(record, m)
    assert "Com- \nmittee" in raw
    assert normalize(raw) == normalize(quote)
    assert m.corrected == ()
    assert record.find("woytinsky_p376", "to get in personal touch with Kerensky") is not None


def test_straight_quotes_match_typographic_ones(record: Record) -> None:
    quote = '"Down with the Coalition!" "Long Live the All-Russian Congress of Soviets!"'
    m = record.find("rabinowitch", quote)
    assert m is not None
    raw = raw_of(record, m)
    assert raw.startswith("“Down with the Coalition!”")
    # and the other way round: typographic quote against straight text
    assert record.find("woytinsky_july1", "“Long live the revolution!”") is not None
    # apostrophes and dashes
    assert record.find("rabinowitch", "Long live the workers', soldiers', and peasants' revolution!") is not None
    assert record.find("rabinowitch", "a patrol boat-the Iastrev-and five destroyers") is not None


def test_everything_else_is_exact(record: Record) -> None:
    good = "There was no point in trying to talk to them."
    assert record.find("woytinsky_july2", good) is not None
    assert record.find("woytinsky_july2", good.lower()) is None  # capitals
    assert record.find("woytinsky_july2", good.rstrip(".")) is not None  # a shorter passage is fine
    assert record.find("woytinsky_july2", good.replace(".", "!")) is None  # punctuation
    assert record.find("woytinsky_july2", "  There was no point\n in trying  to talk to them. ") is not None
    assert record.find("woytinsky_july1", good) is None  # wrong source
    assert record.find("nonexistent", good) is None
    assert record.find("woytinsky_july2", "   ") is None


def test_near_miss_fails_and_closest_finds_the_passage(record: Record) -> None:
    quote = "This ultimatum expires at 7:10, after which we will at once open fire."
    assert record.find("rabinowitch", quote) is None
    assert record.find_any(quote) is None
    passage, similarity = record.closest("rabinowitch", quote)
    assert "This ultimatum expires at 7:10, after which we will immediately open fire" in passage
    assert similarity > 0.8
    assert len(passage) < 2 * len(quote)
    passage_any, similarity_any = record.closest(None, quote)
    assert passage_any == passage and similarity_any == similarity


def test_closest_is_honest_about_nonsense(record: Record) -> None:
    _, similarity = record.closest(None, "Zebras quietly xylophone the quantum marmalade.")
    assert similarity < 0.6
    passage, similarity = record.closest("pearson", "Lenin walked to Smolny in a wig and a bandage")
    assert 0 < similarity < 1 and passage


def test_corrected_spelling_of_a_misread_word_matches(record: Record) -> None:
    printed = record.find("woytinsky_p376", "that the Provisional Govemment was deposed")
    assert printed is not None and printed.corrected == ()
    corrected = record.find("woytinsky_p376", "that the Provisional Government was deposed")
    assert corrected is not None
    assert corrected.corrected == (("Govemment", "Government"),)
    assert (corrected.start, corrected.end) == (printed.start, printed.end)
    assert "Govemment" in raw_of(record, corrected)
    assert record.errata_in(printed) == (("Govemment", "Government"),)


def test_a_quote_may_mix_printed_and_corrected_spellings(record: Record) -> None:
    m = record.find("woytinsky_p376", "declared ail these decisions illegal")
    assert m is not None
    assert m.corrected == (("thèse", "these"), ("décisions", "decisions"), ("illégal", "illegal"))
    assert raw_of(record, m) == "declared ail thèse \ndécisions illégal"
    # across a line-break hyphen, corrected
    m = record.find("woytinsky_p376", "This was a long procedure, and time was short.")
    assert m is not None and m.corrected == (("procédure", "procedure"),)
    # a wrong word is still wrong, errata or not
    assert record.find("woytinsky_p376", "declared all these decisions unlawful") is None
    # errata apply to whole words only and only in their own source
    assert record.find("rabinowitch", "the Provisional Govemment") is None


def test_find_any_prefers_a_match_as_printed(record: Record) -> None:
    m = record.find_any("the only legal central organ")
    assert m is not None and m.source == "woytinsky_p376" and m.corrected == (("légal", "legal"),)
    m = record.find_any("Kronstadt sailors")
    assert m is not None and m.corrected == ()


@pytest.mark.parametrize(
    ("source", "quote"),
    [
        ("rabinowitch", "This ultimatum expires at 7:10, after which we will immediately open fire."),
        ("pearson", "All I want them to do is act,"),
        ("woytinsky_p376", "He assured me of his and his men's unshakable allegiance"),
        ("woytinsky_july1", "Take power, you s.o.b., when you are offered it!"),
        ("woytinsky_july2", "It was the 176th Regiment, stationed at Tsarskoye Selo"),
    ],
)
def test_raw_offsets_are_right(record: Record, source: str, quote: str) -> None:
    m = record.find(source, quote)
    assert m is not None
    raw = raw_of(record, m)
    assert normalize(raw) == normalize(quote)
    assert raw == raw.strip()
    assert record.passage(m) == raw


def test_paragraph_numbers(record: Record) -> None:
    cases = [
        ("woytinsky_july2", "At seven o'clock, when a particularly aggressive crowd", 4),
        ("woytinsky_july2", "rushed to the commander of the tanks", 1),
        ("woytinsky_july1", "It was 4:00 P.M. when Chkheidze received a new wire", 2),
        ("woytinsky_p376", "While the crowd was invading the Winter Palace", 1),  # after the running head
        ("woytinsky_p376", "On November 8 the first", 3),
        ("woytinsky_p376", "had occupied the", 5),  # a hard-wrapped paragraph is one paragraph
        ("rabinowitch", "At the main bases of the Baltic fleet", 1),  # after chapter number and heading
        ("rabinowitch", "Activity of a similar kind was taking place at Kronstadt.", 2),
        ("rabinowitch", "It is doubtful whether anyone in Kronstadt closed his eyes that night.", 3),
        ("pearson", "From the Start of Trotsky's planning", 1),
    ]
    for source, quote, paragraph in cases:
        m = record.find(source, quote)
        assert m is not None, quote
        assert m.paragraph == paragraph, quote


def test_headings_and_notes_are_located_but_not_numbered(record: Record) -> None:
    m = record.find("rabinowitch", "Barricades near St. Isaac's Cathedral on October 25.")
    assert m is not None and m.paragraph == 0
    assert record.location(m).endswith("heading or caption")
    m = record.find("pearson", "Trotsky records the speaker as Dan")
    assert m is not None and m.paragraph == 0
    assert record.location(m) == "Pearson, The Sealed Train (1975), ch. 16, note 4"


def test_location(record: Record) -> None:
    m = record.find("rabinowitch", "Activity of a similar kind was taking place at Kronstadt.")
    assert m is not None
    assert record.location(m) == "Rabinowitch, The Bolsheviks Come to Power (1976), ch. 15, paragraph 2"
    m = record.find("woytinsky_p376", "On November 9 I received a telegram from General Krasnov.")
    assert m is not None
    assert record.location(m) == "Woytinsky, Stormy Passage (1961), p. 376, paragraph 5"


def test_context_gives_neighbouring_sentences(record: Record) -> None:
    m = record.find("woytinsky_july2", "There was no point in trying to talk to them.")
    assert m is not None
    before, passage, after = record.context(m, sentences=1)
    assert before == "Brandishing rifles, they demanded that the Executive Committee take over power."
    assert passage == "There was no point in trying to talk to them."
    assert after == "Nobody from the Committee went out."
    before, _, after = record.context(m)  # two sentences each side
    assert before.startswith("On the heels of the Kronstadt mob came crowds of armed workers.")
    assert after == "Nobody from the Committee went out. The crowds just marched in front of the palace, " + (
        "roaring demands, threats, and jeers."
    )


def test_context_completes_a_sentence_and_keeps_the_print(record: Record) -> None:
    m = record.find("woytinsky_p376", "the Provisional Government was deposed")
    assert m is not None
    before, passage, after = record.context(m, sentences=1)
    assert passage == "the Provisional Govemment was deposed"  # as printed, whitespace normalised
    assert before.startswith("The Communiste described it as the second All-Russian Congress")
    assert before.endswith("the All-Russian Executive Committee was dissolved and that")
    assert after.startswith(". It appointed a new govemment,")
    assert after.endswith("to the respective Soviets.")
    # typographic marks are kept for readers
    m = record.find("rabinowitch", '"Down with the Coalition!"')
    assert m is not None
    assert record.context(m)[1] == "“Down with the Coalition!”"
    # the context stays in the paragraph
    m = record.find("woytinsky_july2", "rushed to the commander of the tanks")
    assert m is not None
    assert record.context(m)[0] == ""


def test_abbreviations_do_not_end_sentences(record: Record) -> None:
    m = record.find("rabinowitch", "Barricades near St.")
    assert m is not None
    assert record.context(m, sentences=0)[2] == "Isaac’s Cathedral on October 25."


def test_find_finds_every_window_of_the_text(record: Record) -> None:
    text = normalize(record.sources["rabinowitch"].text)
    quotes = [text[i : i + 80] for i in range(0, 40_000, 97)]
    for q in quotes:
        assert record.find("rabinowitch", q + " ") is not None


# --- agreement with the independent checker -----------------------------------------------------


def _verify_quotes() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_quotes", verify_quotes_tool())
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SAMPLE = [
    # good
    "This ultimatum expires at 7:10, after which we will immediately open fire.",
    '"Down with the Coalition!"',
    "“You are the flower and glory of the revolution!”",
    'Trotsky addressed them: "You are the flower and glory of the revolution!"',
    "the old Executive Committee called on the army for support",
    "the old Executive Com- \nmittee called on the army",
    "boos about us-the people did not know what to think",
    "boos about us—the people",
    "It was the 176th Regiment",
    "Lenin's manifesto",
    "All Power to the Soviets!",
    "the Provisional Govemment was deposed",
    "Reluctantly, the gênerai agreed.",
    "the All-Russian Congress of the Soviets",
    "the Commissar of the AllRussian Executive Committee",
    "a meeting \n opened at the Smolny",
    # bad
    "This ultimatum expires at 7:15, after which we will immediately open fire.",
    "the people did not know what to think of our tanks",
    "all power to the soviets!",
    "Trotsky addressed them: You are the flower",
    "the old Executive Com mittee",
    "the Commissar of the All-Russian Executive Committee",
    "Lenin’s manifesto of November 7",
    "Reluctantly the gênerai agreed.",
    "Both the Communist convention and the old Executive Committee called on the navy",
    "It was the 177th Regiment",
]


def test_agrees_with_verify_quotes(record: Record) -> None:
    vq = _verify_quotes()
    seeds = {name: vq.normalize((SEEDS / name).read_text(encoding="utf-8")) for name in SHA256}
    verdicts = []
    for quote in SAMPLE:
        q = vq.normalize(quote)
        theirs = bool(q) and any(q in text for text in seeds.values())
        match = record.find_any(quote)
        ours = match is not None and match.corrected == ()
        assert ours == theirs, quote
        assert vq.normalize(quote) == normalize(quote)
        verdicts.append(theirs)
    assert any(verdicts) and not all(verdicts)  # the sample has both kinds
    for name in SHA256:  # the same normalisation of the whole texts, and the offset map agrees
        raw = (SEEDS / name).read_text(encoding="utf-8")
        assert normalize(raw) == seeds[name]
        mapped, offsets = _normalize_mapped(raw)
        assert mapped == seeds[name] and len(offsets) == len(mapped)
        assert all(vq.normalize(raw[offsets[i]]) in (mapped[i], "") for i in range(len(mapped)))


def test_verify_quotes_knows_nothing_of_errata(record: Record) -> None:
    vq = _verify_quotes()
    seeds = {name: vq.normalize((SEEDS / name).read_text(encoding="utf-8")) for name in SHA256}
    quote = vq.normalize("the Provisional Government was deposed")
    assert not any(quote in text for text in seeds.values())
    m = record.find_any(quote)
    assert m is not None and m.corrected  # accepted by the engine, with the correction shown


# --- any passage of a seed text is found --------------------------------------------------------


@st.composite
def passages(draw: st.DrawFn) -> tuple[str, str]:
    source = draw(st.sampled_from(sorted(FILES)))
    text = (SEEDS / FILES[source]).read_text(encoding="utf-8")
    starts = [m.start() for m in re.finditer(r"\b\w", text)]
    start = draw(st.sampled_from(starts[: max(1, len(starts) - 10)]))
    word_end = re.compile(r"\w\b")
    ends = [m.end() for m in word_end.finditer(text, start, start + 202) if 20 <= m.end() - start <= 200]
    if not ends:
        ends = [min(len(text), start + 20)]
    end = draw(st.sampled_from(ends))
    return source, text[start:end]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(passages())
def test_any_passage_of_a_seed_is_found(sample: tuple[str, str]) -> None:
    source, passage = sample
    record = load_record()
    m = record.find(source, passage)
    assert m is not None, passage
    assert m.corrected == ()
    assert normalize(record.sources[source].text[m.start : m.end]) == normalize(passage)
    assert record.find_any(passage) is not None
