"""Times of day and spans of hours named in a scene's prose, for the clock lint (W513).

`said_times(text)` finds the clock times the text gives as *now* ("Around eight o'clock word
comes", "Midnight, and a new day", "at 21:40"), leaving out those it places before or after now
("left by midnight", "well after midnight", "expires at 7:10", "an hour ago"). `said_spans(text)`
finds hours that pass in the scene ("Nearly two hours go this way"), leaving out those ahead or
behind ("in two hours", "two hours ago"). The words are one table each, to add a row to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBERS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "a": 1, "an": 1, "several": 3, "a few": 2, "a couple of": 2,
}
# words just before a time that place it away from now: the time is not the scene's own
RELATIVE_BEFORE = frozenset({
    "by", "until", "till", "til", "before", "after", "past", "since", "from", "expires", "expire", "expired",
    "expiring", "in", "within", "when", "if", "will", "would", "shall", "should", "than", "to",
    "towards", "toward", "of", "for", "next", "last", "tomorrow", "yesterday", "tonight",
    "was", "were", "had",  # "the first deadline was noon": a time already gone
})
TOLERANCE = 30  # minutes between the time named and the scene's time that still agree ("around eight")
# words just after a time or a span that place it in the past or the future
RELATIVE_AFTER = frozenset({"ago", "before", "earlier", "later", "hence", "from", "since", "away", "left",
                            "more", "yet", "tomorrow", "yesterday",
                            "was", "late", "early"})  # "eleven o'clock was your deadline", "an hour late"

_NUM = "|".join(sorted((re.escape(k) for k in NUMBERS), key=len, reverse=True))
_TIME = re.compile(
    r"\b(?P<hm>(?P<h>[012]?\d)[:.](?P<m>[0-5]\d))(?:\s*(?P<ampm>[ap])\.?\s?m\b\.?)?"
    r"|\b(?P<oc>(?P<ocn>" + _NUM + r"|1[012]|[1-9])\s+o['’]clock)"
    r"|\b(?P<word>midnight|noon|midday)\b"
    r"|\b(?P<part>(?P<frac>half|quarter)\s+(?P<dir>past|to)\s+(?P<pn>" + _NUM + r"|1[012]|[1-9]))\b"
    r"|\bat\s+(?P<at>(?P<atn>one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve))(?=\s*[,;.]|\s+the\b)",
    re.IGNORECASE,
)
_SPAN = re.compile(r"\b(?P<n>" + _NUM + r"|\d{1,2})\s+(?:long\s+)?hours?\b", re.IGNORECASE)
_WORD = re.compile(r"[\w’']+")


@dataclass(frozen=True)
class Said:
    """A time named in the text: `minutes` after midnight, `twelve` when a.m. or p.m. is open."""

    phrase: str
    minutes: int
    twelve: bool


def _words_before(text: str, at: int, n: int = 2) -> list[str]:
    return [w.lower() for w in _WORD.findall(text[max(0, at - 40):at])][-n:]


def _words_after(text: str, at: int, n: int = 1) -> list[str]:
    return [w.lower() for w in _WORD.findall(text[at:at + 30])][:n]


def _relative(text: str, start: int, end: int) -> bool:
    before = _words_before(text, start)
    # "well after", "long before", "just past": the last two words; "the 7:10 train" is fine
    return bool(RELATIVE_BEFORE & set(before)) or bool(RELATIVE_AFTER & set(_words_after(text, end)))


def said_times(text: str) -> list[Said]:
    """The clock times the text gives as the scene's own."""
    out: list[Said] = []
    for m in _TIME.finditer(text):
        if m.group("part") or m.group("at"):
            if _relative(text, m.start(), m.end()) and not m.group("at"):
                continue
            n = (m.group("pn") or m.group("atn")).lower()
            h = int(n) if n.isdigit() else NUMBERS.get(n, 0)
            if not 1 <= h <= 12:
                continue
            mins = (h % 12) * 60
            if m.group("part"):
                step = 30 if m.group("frac").lower() == "half" else 15
                mins += step if m.group("dir").lower() == "past" else -step
            out.append(Said(m.group(0), mins % (12 * 60), twelve=True))
            continue
        if _relative(text, m.start(), m.end()):
            continue
        if m.group("hm"):
            h, mins = int(m.group("h")), int(m.group("m"))
            if h > 23:
                continue
            ampm = (m.group("ampm") or "").lower()
            if ampm == "p" and h < 12:
                h += 12
            elif ampm == "a" and h == 12:
                h = 0
            out.append(Said(m.group(0), h * 60 + mins, twelve=not ampm and h <= 12))
        elif m.group("oc"):
            n = " ".join(m.group("ocn").lower().split())
            if n in ("a", "an", "several", "a few", "a couple of"):
                continue
            h = int(n) if n.isdigit() else NUMBERS.get(n, 0)
            if not 1 <= h <= 12:
                continue
            out.append(Said(m.group(0), (h % 12) * 60, twelve=True))
        else:
            word = m.group("word").lower()
            out.append(Said(m.group(0), 0 if word == "midnight" else 12 * 60, twelve=False))
    return out


def said_spans(text: str) -> list[tuple[str, int]]:
    """Spans of hours that pass in the scene: (phrase, hours)."""
    out: list[tuple[str, int]] = []
    for m in _SPAN.finditer(text):
        before = _words_before(text, m.start())
        if {"in", "within", "next", "every", "than", "half"} & set(before[-1:]) or \
                RELATIVE_AFTER & set(_words_after(text, m.end())):
            continue
        n = " ".join(m.group("n").lower().split())
        out.append((m.group(0), int(n) if n.isdigit() else NUMBERS.get(n, 1)))
    return out


def distance(said: Said, minutes: int) -> int:
    """Minutes between a named time and a scene's time (on a 12-hour dial if a.m./p.m. is open)."""
    day = 12 * 60 if said.twelve else 24 * 60
    d = abs(said.minutes % day - minutes % day)
    return min(d, day - d)
