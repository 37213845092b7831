"""A page's blocks as styled lines for the full UI: word-wrapped, with hanging indents.

`engine.play.pages` builds the blocks; this sets them at a width as lines of (style, text) pairs,
the form prompt_toolkit draws. Styles are prompt_toolkit style strings ("bold", "italic",
"dim", "reverse", "underline", "fg:ansired"). Wrapping breaks at spaces, keeps each word's
style, honours the newlines in the text, and cuts a word longer than the line. No terminal
library is imported here, so the first screen costs nothing beyond prompt_toolkit itself.
"""

from __future__ import annotations

import re

from engine.play.pages import PageBlock, hold_ellipses, marked, release_ellipses

StyledSpan = tuple[str, str]  # (style, text)
Line = list[StyledSpan]

_TOKEN = re.compile(r"\n|[^\S\n]+|\S+")

_PLAIN_STYLE = {"title": "bold", "heading": "bold underline", "header": "bold", "hint": "dim",
                "message": "dim", "error": "bold fg:ansired",
                "ours": "italic fg:ansimagenta"}


def wrap(spans: list[StyledSpan], width: int) -> list[Line]:
    """Greedy word wrap of styled text at `width` columns (at least 1)."""
    width = max(1, width)
    lines: list[Line] = []
    line: Line = []
    used = 0
    space: StyledSpan | None = None  # whitespace waiting for the next word on the same line

    def put(style: str, text: str) -> None:
        nonlocal used
        if line and line[-1][0] == style:
            line[-1] = (style, line[-1][1] + text)
        else:
            line.append((style, text))
        used += len(text)

    def newline() -> None:
        nonlocal line, used, space
        lines.append(line)
        line, used, space = [], 0, None

    for style, text in spans:
        for token in _TOKEN.findall(hold_ellipses(text)):  # an ellipsis ". . ." is one word
            if token == "\n":
                newline()
            elif token.isspace():
                if used:
                    space = (style, token)
            else:
                gap = len(space[1]) if space is not None else 0
                if used and used + gap + len(token) > width:
                    newline()
                    gap = 0
                if space is not None and gap:
                    put(*space)
                space = None
                while len(token) > width - used:  # a word longer than the line: cut it
                    if used:
                        newline()
                        continue
                    put(style, token[:width])
                    token = token[width:]
                    newline()
                if token:
                    put(style, token)
    if line or not lines:
        lines.append(line)
    return [[(st, release_ellipses(tx)) for st, tx in ln] for ln in lines]


def _hanging(lead: StyledSpan, body: list[StyledSpan], width: int) -> list[Line]:
    """The lead in its own column, the body wrapped beside it (one space between)."""
    indent = len(lead[1]) + 1
    out: list[Line] = []
    for n, line in enumerate(wrap(body, width - indent)):
        first: StyledSpan = (lead[0], lead[1] + " ") if n == 0 else ("", " " * indent)
        out.append([first, *line])
    return out


def block_lines(b: PageBlock, width: int, selected: bool = False) -> list[Line]:
    """One block set at `width` columns."""
    kind = b.kind
    if kind == "choice":
        return _hanging(("bold", f"{b.number}."), [("bold reverse" if selected else "", b.text)], width)
    if kind == "closed":
        reason = f" — {b.extra}" if b.extra else ""
        return _hanging(("", " "), [("dim italic", b.text + reason)], width)
    if kind == "item":
        return _hanging(("", f"{b.number}." if b.number is not None else "•"), [("", b.text)], width)
    if kind == "note":
        return _hanging(("dim", "│"), [("italic", b.text)], width)
    if kind == "quote":
        body: list[StyledSpan] = [("italic", f"“{b.text}”")]
        if b.extra:
            body.append(("dim", f"\n— {b.extra}"))
        return _hanging(("", " "), body, width)
    if kind == "context":
        body = [("dim", "In context: "), ("dim", b.text), ("", " " if b.text else "")]
        body += [("bold" if quoted else "dim", piece) for quoted, piece in marked(b.extra, b.marks)]
        if b.after:
            body.append(("dim", b.after if b.after[0] in ",.;:!?)]" else " " + b.after))
        return _hanging(("", " "), body, width)
    return wrap([(_PLAIN_STYLE.get(kind, ""), b.text)], width)
