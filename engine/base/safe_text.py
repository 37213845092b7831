"""Make text safe to print on a terminal: no escape sequences, no control characters.

Scenario files come from strangers. The loader refuses raw control characters in a file, but
YAML double-quoted strings can still spell them ("\\e[2J", "\\x1b]52;c;...\\x07", "\\x9b"), so
every piece of text a front end prints goes through `clean()` first, in every mode.

Removed: whole escape sequences -- CSI (ESC [ or the C1 byte U+009B, with their parameters),
OSC (ESC ] or U+009D, including OSC 52 clipboard writes, up to BEL or ST), DCS, SOS, PM and
APC strings (up to ST), and two-byte ESC sequences -- then every remaining C0 control except
the newline, DEL, every C1 control (U+0080..U+009F), and the bidirectional-override characters
that can make text read differently from what it is. A tab becomes a space; a carriage return
or form feed becomes a newline or a space, so nothing can overwrite a line already printed.

`scrub()` is the same for whole output streams (engine.base.terminal): it keeps tabs.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

__all__ = ["clean", "clean_line", "json_text", "scrub"]

# string-type sequences: OSC, DCS, SOS, PM, APC -- the payload goes too, up to its terminator
_STRING_SEQ = r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
# control sequences: CSI parameters, intermediates and final byte
_CSI = r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
# any other ESC sequence: intermediates and a final byte
_ESC = r"\x1b[ -/]*[0-~]?"
_SEQUENCE = f"{_STRING_SEQ}|{_CSI}|{_ESC}"
# what is left: C0 controls but newline, DEL, C1 controls, bidi overrides and isolates, and lone
# surrogates (undecodable input bytes, which would go back out as raw bytes such as 0x9b)
_CONTROL = "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
_ANY = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """A pattern compiled when first needed: a class with characters beyond Latin-1 costs about a
    millisecond to compile, and only text with a control character in it needs these."""
    return re.compile(pattern)


def clean(text: str) -> str:
    """The text with every escape sequence and control character removed (newlines kept)."""
    if not _ANY.search(text):  # the common case: nothing to do
        return text
    text = _compiled(_SEQUENCE).sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ").replace("\x0c", " ")
    return _compiled(_CONTROL).sub("", text)


def clean_line(text: str) -> str:
    """`clean()`, and newlines become spaces (for one-line fields: titles, places, choices)."""
    return " ".join(clean(text).split("\n"))


def scrub(text: str) -> str:
    """`clean()` keeping tabs: what the terminal writer lets through of any output."""
    if not _ANY.search(text):
        return text
    if "\t" not in text:
        return clean(text)
    return "\t".join(clean(part) for part in text.split("\t"))


# what json.dumps(ensure_ascii=False) leaves raw that a terminal would act on (C0 it escapes itself)
_JSON_UNSAFE = "[\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"


def json_text(value: Any, indent: int | None = 2) -> str:
    """JSON with non-ASCII text kept readable, but every character a terminal would act on written
    as a \\u escape: the data stays whole, the text stays JSON, and nothing reaches a terminal."""
    return json_escaped(json.dumps(value, indent=indent, ensure_ascii=False))


def json_escaped(text: str) -> str:
    """JSON text with every character a terminal would act on (C1 controls, DEL, bidirectional
    overrides, lone surrogates) written as a \\u escape: the same data, nothing to act on."""
    return _compiled(_JSON_UNSAFE).sub(lambda m: f"\\u{ord(m[0]):04x}", text)
