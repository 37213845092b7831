"""Safe, self-contained HTML: escaping, the page frame, bar charts in HTML and CSS.

Everything that comes from a scenario, a transcript or a student's name is untrusted: it goes
through `esc()` (text and attribute values alike) and nowhere else. Pages carry their CSS
inline, draw charts as HTML and CSS, load nothing from anywhere (no scripts, fonts, images or
links to other sites), and declare a Content-Security-Policy that forbids scripts and every
network fetch, so that even a mistake here cannot run a stranger's `<script>`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from engine.base.safe_text import clean

__all__ = ["KINDS", "Bar", "CSP", "bar_rows", "esc", "page"]

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

CSS = """
:root { --ink: #1d1d1f; --muted: #5f6368; --rule: #d0d4d9; --hist: #1f5fa8; --cf: #b5542a;
        --bg: #ffffff; --soft: #f4f6f8; }
* { box-sizing: border-box; }
body { font: 16px/1.5 Georgia, "Times New Roman", serif; color: var(--ink); background: var(--bg);
       max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
h1, h2, h3 { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; line-height: 1.25; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { font-size: 1.3rem; border-bottom: 1px solid var(--rule); padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin-bottom: .3rem; }
p.muted, .muted { color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; }
dl.facts dt { font-weight: bold; } dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .95rem; }
th, td { border: 1px solid var(--rule); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--soft); font-family: system-ui, sans-serif; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
blockquote { margin: .6rem 0; padding: .4rem .9rem; border-left: 4px solid var(--hist);
             background: var(--soft); }
blockquote p { margin: .2rem 0; }
blockquote footer { font-size: .85rem; color: var(--muted); }
.tag { font: bold .75rem system-ui, sans-serif; padding: .05rem .4rem; border-radius: .6rem;
       color: #fff; background: var(--muted); white-space: nowrap; }
.tag.historical { background: var(--hist); } .tag.counterfactual { background: var(--cf); }
.form .field { margin-right: 2rem; white-space: nowrap; }
.form .blank { display: inline-block; width: 12rem; border-bottom: 1px solid var(--ink); }
.lines { border-bottom: 1px solid var(--rule); height: 1.9rem; }
figure { margin: .5rem 0 1rem; } figcaption { font-size: .9rem; color: var(--muted); }
figure.chart { margin: .4rem 0 1rem; break-inside: avoid; }
figure.chart figcaption { font: bold .95rem system-ui, sans-serif; color: var(--ink); margin-bottom: .2rem; }
.legend { margin: .1rem 0 .3rem; font: .8rem system-ui, sans-serif; color: var(--muted); }
.legend .key { margin-right: 1rem; white-space: nowrap; }
.swatch { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -.1rem; }
.bars .row { display: grid; grid-template-columns: minmax(8rem, 36%) 1fr 13rem; gap: .5rem;
             align-items: center; font: .9rem/1.25 system-ui, sans-serif; padding: .1rem 0; }
.bars .lab { overflow-wrap: anywhere; }
.bars .track { background: #eef0f3; height: 1rem; position: relative; }
.bars .fill { height: 100%; }
.bars .val { font-variant-numeric: tabular-nums; color: var(--muted); }
.bars .row.marked { background: #fff3cd; outline: 2px solid #b58a00; }
.drop { font-weight: bold; color: #8a5a00; white-space: nowrap; }
.compact .bars .row { font-size: .8rem; padding: 0; }
.compact .bars .track { height: .7rem; }
.k-historical { background: var(--hist); } .k-counterfactual { background: var(--cf); }
.k-plain { background: #7a8590; } .k-stopped { background: #c4c9cf; } .k-baseline { background: var(--ink); }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.warn { border-left: 4px solid var(--cf); background: #fbf1ec; padding: .4rem .9rem; }
@media print { html { font-size: 10px; } body { margin: 0; max-width: none; font-size: 11px; }
               h2 { break-after: avoid; margin-top: 1rem; }
               h1 { font-size: 1.4rem; } table { font-size: .8rem; } th, td { padding: .1rem .3rem; }
               figure.chart.compact { margin: .1rem 1% .4rem 0; width: 48.5%; display: inline-block;
                                      vertical-align: top; }
               .compact .bars .row { grid-template-columns: 45% 1fr 5.5rem; font-size: .72rem; }
               .bars .row { grid-template-columns: 38% 1fr 8rem; font-size: .8rem; }
               .bars .track { height: .75rem; } p { margin: .3rem 0; }
               @page { size: A4; margin: 12mm; }
               .pagebreak { break-before: page; } }
"""


def esc(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute value (control characters removed:
    ESC, BEL and C1 bytes are parse errors in HTML)."""
    return html.escape(clean(str(value)), quote=True)


def page(title: str, body: str, lang: str = "en") -> str:
    """A complete, self-contained HTML5 document; `body` must already be safe HTML."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    kind: str = ""  # "historical", "counterfactual" or "" (colours the bar)
    note: str = ""  # shown after the value ("3 of 8")
    marked: bool = False  # drawn out (the largest drop)


_COLOURS = {"historical": "#1f5fa8", "counterfactual": "#b5542a", "": "#7a8590", "stopped": "#c4c9cf",
            "baseline": "#1d1d1f"}
KINDS = tuple(_COLOURS)


def bar_rows(bars: Sequence[Bar], scale: float, *, title: str, percent: bool = False,
             legend: Sequence[tuple[str, str]] = (), compact: bool = False) -> str:
    """A horizontal bar chart as HTML and CSS: full width, labels that wrap, a legend for every
    colour used, a marked bar drawn out (no SVG, so nothing is clipped)."""
    used = {b.kind for b in bars}
    keys = [(k, text) for k, text in legend if k in used or compact]  # compact: one legend for many charts
    out = [f'<figure class="chart{" compact" if compact else ""}"><figcaption>{esc(title)}</figcaption>']
    if keys:
        out.append('<p class="legend">' + "".join(
            f'<span class="key"><span class="swatch k-{esc(k or "plain")}"></span>{esc(text)}</span>'
            for k, text in keys) + "</p>")
    out.append('<div class="bars">')
    for bar in bars:
        frac = 0.0 if scale <= 0 else max(0.0, min(1.0, bar.value / scale))
        shown = f"{bar.value * 100:.0f}%" if percent else f"{bar.value:g}"
        if bar.note:
            shown = f"{shown} ({bar.note})" if percent else bar.note
        kind = bar.kind if bar.kind in _COLOURS else ""
        mark = '<span class="drop">▼ largest drop</span> ' if bar.marked else ""
        out.append(
            f'<div class="row{" marked" if bar.marked else ""}"><div class="lab">{mark}{esc(bar.label)}</div>'
            f'<div class="track"><div class="fill k-{esc(kind or "plain")}" style="width:{frac * 100:.1f}%">'
            f'</div></div><div class="val">{esc(shown)}</div></div>')
    out.append("</div></figure>")
    return "".join(out)
