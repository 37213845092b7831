"""A small document model for reports, exports and worksheets, rendered to Markdown or HTML.

Builders (report, export) describe a document as a list of blocks holding plain text; the two
renderers do all the escaping, so no scenario or transcript text reaches the output raw:
Markdown escapes every character that could start markup (including `<`, so no raw HTML
survives a Markdown renderer either), HTML goes through `engine.classroom.htmlkit.esc`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from engine.base.safe_text import clean
from engine.classroom.htmlkit import Bar, bar_rows, esc, page

__all__ = [
    "Bars", "Block", "Bullets", "Document", "Facts", "Form", "Heading", "Lines", "Numbered", "Para",
    "Quote", "Table", "Warning", "to_html", "to_markdown",
]


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2
    tag: str = ""  # "historical" / "counterfactual": a small label after the heading


@dataclass(frozen=True)
class Para:
    text: str
    muted: bool = False


@dataclass(frozen=True)
class Warning:
    text: str


@dataclass(frozen=True)
class Facts:
    items: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Quote:
    text: str
    reference: str
    note: str = ""


@dataclass(frozen=True)
class Bullets:
    items: Sequence[str]


@dataclass(frozen=True)
class Numbered:
    items: Sequence[str]


@dataclass(frozen=True)
class Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric: frozenset[int] = frozenset()  # columns aligned right


@dataclass(frozen=True)
class Bars:
    """A bar chart (HTML and CSS bars in HTML, a table with text bars in Markdown)."""

    title: str
    bars: Sequence[Bar]
    scale: float
    percent: bool = False
    legend: Sequence[tuple[str, str]] = ()  # (bar kind, what its colour means), shown for the kinds used
    compact: bool = False  # small rows (many charts on a page)


@dataclass(frozen=True)
class Form:
    """Fields to fill in by hand ("Name", "Class", "Date")."""

    fields: Sequence[str]


@dataclass(frozen=True)
class Lines:
    """Blank lines to write on (worksheets)."""

    count: int = 3


Block = Heading | Para | Warning | Facts | Quote | Bullets | Numbered | Table | Bars | Form | Lines


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)


# --- Markdown --------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_MD_LINE_START = re.compile(r"^(\d+(?=[.)])|(?=[-+=]))(.)")


def md(text: str) -> str:
    """Escape text for Markdown (inline): no markup, no raw HTML, one line."""
    flat = " ".join(clean(str(text)).split())
    escaped = _MD_SPECIAL.sub(r"\\\1", flat)
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def _md_cell(text: str) -> str:
    return md(text) or " "


def quoted(text: str) -> str:
    """The quote in quotation marks, unless it already opens and closes with them."""
    t = " ".join(clean(str(text)).split())
    if len(t) > 1 and t[0] in "“\"" and t[-1] in "”\"":
        return t
    return f"“{t}”"


def _text_bar(frac: float, width: int = 20) -> str:
    n = round(max(0.0, min(1.0, frac)) * width)
    return "█" * n + "·" * (width - n)


def to_markdown(doc: Document) -> str:
    out: list[str] = [f"# {md(doc.title)}", ""]
    for b in doc.blocks:
        if isinstance(b, Heading):
            tag = f" *({b.tag})*" if b.tag else ""
            out += [f"{'#' * max(1, min(6, b.level))} {md(b.text)}{tag}", ""]
        elif isinstance(b, Para):
            out += [f"*{md(b.text)}*" if b.muted else md(b.text), ""]
        elif isinstance(b, Warning):
            out += [f"> **Note:** {md(b.text)}", ""]
        elif isinstance(b, Facts):
            out += [f"- **{md(k)}:** {md(v)}" for k, v in b.items] + [""]
        elif isinstance(b, Quote):
            out.append(f"> {md(quoted(b.text))}")
            out.append(">")
            out.append(f"> — {md(b.reference)}")
            if b.note:
                out += [">", f"> *{md(b.note)}*"]
            out.append("")
        elif isinstance(b, Bullets):
            out += [f"- {md(i)}" for i in b.items] + [""]
        elif isinstance(b, Numbered):
            out += [f"{n}. {md(i)}" for n, i in enumerate(b.items, 1)] + [""]
        elif isinstance(b, Table):
            if not b.rows:
                continue
            out.append("| " + " | ".join(_md_cell(h) for h in b.headers) + " |")
            out.append("|" + "|".join("---:" if i in b.numeric else "---" for i in range(len(b.headers))) + "|")
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            out.append("")
        elif isinstance(b, Bars):
            out.append(f"**{md(b.title)}**")
            out.append("")
            out.append("| | | |")
            out.append("|---|---|---:|")
            for bar in b.bars:
                frac = 0.0 if b.scale <= 0 else bar.value / b.scale
                shown = f"{bar.value * 100:.0f}%" if b.percent else f"{bar.value:g}"
                if bar.note:
                    shown = f"{shown} ({bar.note})" if b.percent else bar.note
                label = ("▼ largest drop: " if bar.marked else "") + bar.label
                out.append(f"| {_md_cell(label)} | `{_text_bar(frac)}` | {md(shown)} |")
            out.append("")
        elif isinstance(b, Form):
            out += ["    ".join(f"**{md(f)}:** ________________" for f in b.fields), ""]
        elif isinstance(b, Lines):  # a line of underscores alone is a rule: a line to write on
            out += [line for _ in range(max(0, min(40, b.count))) for line in ("_" * 40, "")]
    return "\n".join(out).rstrip() + "\n"


# --- HTML ------------------------------------------------------------------------------------


def _tag(kind: str) -> str:
    return f' <span class="tag {esc(kind)}">{esc(kind)}</span>' if kind else ""


def to_html(doc: Document) -> str:
    out: list[str] = [f"<h1>{esc(doc.title)}</h1>"]
    for b in doc.blocks:
        if isinstance(b, Heading):
            level = max(2, min(6, b.level))
            out.append(f"<h{level}>{esc(b.text)}{_tag(b.tag)}</h{level}>")
        elif isinstance(b, Para):
            out.append(f'<p class="muted">{esc(b.text)}</p>' if b.muted else f"<p>{esc(b.text)}</p>")
        elif isinstance(b, Warning):
            out.append(f'<p class="warn">{esc(b.text)}</p>')
        elif isinstance(b, Facts):
            items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in b.items)
            out.append(f'<dl class="facts">{items}</dl>')
        elif isinstance(b, Quote):
            note = f'<p class="muted">{esc(b.note)}</p>' if b.note else ""
            out.append(f"<blockquote><p>{esc(quoted(b.text))}</p><footer>— {esc(b.reference)}</footer>"
                       f"{note}</blockquote>")
        elif isinstance(b, Bullets):
            out.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Numbered):
            out.append("<ol>" + "".join(f"<li>{esc(i)}</li>" for i in b.items) + "</ol>")
        elif isinstance(b, Table):
            if not b.rows:
                continue
            head = "".join(f'<th{_num(i, b)}>{esc(h)}</th>' for i, h in enumerate(b.headers))
            rows = "".join(
                "<tr>" + "".join(f"<td{_num(i, b)}>{esc(c)}</td>" for i, c in enumerate(r)) + "</tr>"
                for r in b.rows
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif isinstance(b, Bars):
            out.append(bar_rows(b.bars, b.scale, title=b.title, percent=b.percent, legend=b.legend,
                                compact=b.compact))
        elif isinstance(b, Form):
            out.append('<p class="form">' + "".join(
                f'<span class="field">{esc(f)}: <span class="blank"></span></span>' for f in b.fields) + "</p>")
        elif isinstance(b, Lines):
            out.append('<div class="lines"></div>' * max(0, min(40, b.count)))
    return page(doc.title, "\n".join(out))


def _num(i: int, b: Table) -> str:
    return ' class="num"' if i in b.numeric else ""
