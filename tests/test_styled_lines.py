"""engine.play.styled_lines: blocks set as styled lines for the full UI."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from engine.play import pages
from engine.play.styled_lines import block_lines, wrap


def text_of(line: list[tuple[str, str]]) -> str:
    return "".join(t for _, t in line)


def test_words_wrap_at_the_width_and_keep_their_style() -> None:
    lines = wrap([("", "The ministers wait in the "), ("bold", "Malachite Hall"), ("", " for news.")], 20)
    assert [text_of(x) for x in lines] == ["The ministers wait", "in the Malachite", "Hall for news."]
    assert ("bold", "Malachite") in lines[1] and ("bold", "Hall") in lines[2]


def test_newlines_break_lines_and_long_words_are_cut() -> None:
    assert [text_of(x) for x in wrap([("", "one\ntwo")], 40)] == ["one", "two"]
    assert [text_of(x) for x in wrap([("", "abcdefghij")], 4)] == ["abcd", "efgh", "ij"]
    assert [text_of(x) for x in wrap([("", "ab abcdefghij")], 4)] == ["ab", "abcd", "efgh", "ij"]
    assert wrap([("", "")], 10) == [[]]


@given(st.lists(st.tuples(st.sampled_from(["", "bold", "dim"]), st.text(alphabet="ab \n", max_size=30)),
                max_size=6), st.integers(1, 30))
def test_no_line_is_wider_than_asked_and_no_word_is_lost(spans: list[tuple[str, str]], width: int) -> None:
    lines = wrap(spans, width)
    assert all(len(text_of(x)) <= width for x in lines)
    assert "".join("".join(text_of(x).split()) for x in lines) == "".join("".join(t.split()) for _, t in spans)


def test_a_choice_hangs_beside_its_number_and_shows_the_selection() -> None:
    b = pages.block("choice", "Stay in the hall and wait for the answer from the Smolny", number=2)
    lines = block_lines(b, 24, selected=True)
    assert text_of(lines[0]).startswith("2. Stay")
    assert all(text_of(x).startswith("   ") for x in lines[1:]) and len(lines) > 1
    assert any(style == "bold reverse" for x in lines for style, _ in x)
    assert all(style != "bold reverse" for x in block_lines(b, 24) for style, _ in x)


def test_each_kind_keeps_its_words() -> None:
    blocks = [pages.block("title", "Seven o'clock"), pages.block("quote", "A passage", extra="Reed, p. 3"),
              pages.block("context", "before", extra="the passage", after=", after"),
              pages.block("closed", "Leave", extra="the doors are held"), pages.block("error", "No such save"),
              pages.block("item", "a point"), pages.block("note", "A note")]
    for b in blocks:
        words = " ".join(text_of(x) for x in block_lines(b, 30)).split()
        for part in (b.text, b.extra):
            assert all(w in words or any(w in x for x in words) for w in part.split())
    context = " ".join(text_of(x) for x in block_lines(blocks[2], 80))
    assert "In context: before the passage, after" in context
