"""engine.base.safe_text: nothing a scenario says can reach the terminal as a control sequence."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from engine.base.safe_text import clean, clean_line

UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_plain_text_is_unchanged() -> None:
    text = "Malachite Hall — 25 October 1917 (7 November N.S.), 19:00\n“Quote” ‘x’ é ж 中"
    assert clean(text) is text


def test_csi_sequences_go_whole() -> None:
    assert clean("a\x1b[2Jb") == "ab"
    assert clean("\x1b[31mred\x1b[0m") == "red"
    assert clean("x\x1b[?1049hy") == "xy"
    assert clean("c1\x9b2Jz") == "c1z"  # the one-byte C1 CSI


def test_osc_payloads_go_too() -> None:
    assert clean("a\x1b]52;c;cm0gLXJmIH4=\x07b") == "ab"  # clipboard write, BEL-terminated
    assert clean("a\x1b]0;title\x1b\\b") == "ab"  # window title, ST-terminated
    assert clean("a\x9d52;c;AAAA\x9cb") == "ab"  # C1 OSC and ST
    assert clean("a\x1b]52;c;unterminated") == "a"


def test_other_strings_and_escapes() -> None:
    assert clean("a\x1bPqpayload\x1b\\b") == "ab"  # DCS
    assert clean("a\x1b_apc\x1b\\b") == "ab"  # APC
    assert clean("reset\x1bc!") == "reset!"
    assert clean("keypad\x1b=on") == "keypadon"
    assert clean("lone\x1b") == "lone"


def test_controls() -> None:
    assert clean("ring\x07bell") == "ringbell"
    assert clean("back\x08space") == "backspace"
    assert clean("tab\there") == "tab here"
    assert clean("over\rwrite") == "over\nwrite"  # a carriage return cannot overwrite a line
    assert clean("crlf\r\nline") == "crlf\nline"
    assert clean("nel\x85 del\x7f nul\x00") == "nel del nul"
    assert clean("bidi \u202eevil\u202c and \u2066iso\u2069") == "bidi evil and iso"
    assert clean("keep\nnewlines") == "keep\nnewlines"


def test_clean_line_has_no_newlines() -> None:
    assert clean_line("one\ntwo\rthree") == "one two three"


@given(st.text(alphabet=st.characters(max_codepoint=0x2100), max_size=200))
def test_nothing_unsafe_survives(text: str) -> None:
    out = clean(text)
    assert not UNSAFE.search(out)
    assert clean(out) == out
    assert "\n" not in clean_line(text)


@given(st.lists(st.sampled_from(["\x1b", "[", "]", "52;c;", "\x07", "\x9b", "\x9d", "\x9c", "\\", "2J", "P",
                                 "m", "x", " ", "\n"]), max_size=40))
def test_sequence_soup(parts: list[str]) -> None:
    out = clean("".join(parts))
    assert "\x1b" not in out and "\x07" not in out
    assert not UNSAFE.search(out)
