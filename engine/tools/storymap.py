"""The story map: scenes as nodes, choices as edges, as Mermaid or Graphviz DOT text.

Scenes are grouped (Mermaid subgraphs, DOT clusters) by hour or by place; the historical path
(`engine.core.machine.historical_path`) is drawn with thick edges; endings are styled by kind
(historical or counterfactual); conditional choices are dashed. Every label is escaped, so any
text an author writes renders as text, and carries no escape sequence or control character.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

from engine.base.safe_text import clean
from engine.core.machine import historical_path
from engine.core.model import Scene, Story
from engine.expressions.template import outline

GROUPS = ("hour", "place", "none")
LABEL_LIMIT = 48
DOT_TIMEOUT = 30  # seconds


class GraphvizMissing(Exception):
    """Graphviz's `dot` is not installed."""


class GraphvizFailed(Exception):
    """`dot` ran and failed (or took too long)."""


def _short(text: str, limit: int = LABEL_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _group_of(scene: Scene, by: str) -> str:
    if by == "place":
        return scene.place or "(no place)"
    if by == "hour":
        if scene.time is None:
            return ""
        return f"{scene.time // 60:02d}:00"
    return ""


def _groups(story: Story, by: str) -> dict[str, list[Scene]]:
    groups: dict[str, list[Scene]] = {}
    for sc in story.scenes.values():
        groups.setdefault(_group_of(sc, by), []).append(sc)
    return groups


def _historical_edges(story: Story) -> set[str]:
    return {c.id for c in historical_path(story)}


def _node_label(sc: Scene) -> str:
    time = f"{sc.time // 60:02d}:{sc.time % 60:02d} " if sc.time is not None else ""
    return f"{time}{_short(sc.title)}\n({sc.id})"


# -- Mermaid ---------------------------------------------------------------------------------

def mermaid_text(text: str) -> str:
    """Escape text for a quoted Mermaid label (entity codes for the characters that matter);
    escape sequences and control characters are removed first (`engine.base.safe_text.clean`)."""
    out = []
    for ch in clean(text):
        if ch == "\n":
            out.append("<br/>")
        elif ch in '"#<>&|[]{}()`;':
            out.append(f"#{ord(ch)};")
        else:
            out.append(ch)
    return "".join(out)


def to_mermaid(story: Story, group: str = "hour") -> str:
    hist = _historical_edges(story)
    ids = {sid: f"s{n}" for n, sid in enumerate(story.scenes)}  # safe ids: never `end` etc.
    lines = ["flowchart TD"]
    lines.append("  classDef historical fill:#e8f0e0,stroke:#2e6b1f,stroke-width:3px")
    lines.append("  classDef counterfactual fill:#f6e7e0,stroke:#9b3a12,stroke-dasharray:5 3")
    lines.append("  classDef start stroke-width:3px")

    def node(sc: Scene) -> str:
        label = mermaid_text(_node_label(sc))
        if sc.ending is not None:
            return f'{ids[sc.id]}(["{label}"]):::{sc.ending.kind}'
        return f'{ids[sc.id]}["{label}"]'

    for n, (name, members) in enumerate(_groups(story, group).items()):
        if name:
            lines.append(f'  subgraph g{n}["{mermaid_text(name)}"]')
            lines.extend(f"    {node(sc)}" for sc in members)
            lines.append("  end")
        else:
            lines.extend(f"  {node(sc)}" for sc in members)
    lines.append(f"  class {ids[story.start]} start")
    thick: list[int] = []
    edge = 0
    for sc in story.scenes.values():
        for c in sc.choices:
            if c.target not in ids:
                continue
            label = mermaid_text(_short(outline(c.text), 32) + (" [if]" if c.when else ""))
            arrow = "==>" if c.id in hist else "-.->" if c.when else "-->"
            lines.append(f'  {ids[sc.id]} {arrow}|"{label}"| {ids[c.target]}')
            if c.id in hist:
                thick.append(edge)
            edge += 1
    if thick:
        lines.append(f"  linkStyle {','.join(map(str, thick))} stroke:#2e6b1f,stroke-width:4px")
    return "\n".join(lines) + "\n"


# -- DOT ---------------------------------------------------------------------------------------

def dot_text(text: str) -> str:
    """Escape text for a double-quoted DOT string (newlines become centred line breaks); escape
    sequences and control characters are removed first, so the SVG that `dot` makes is valid XML."""
    return clean(text).replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")


def to_dot(story: Story, group: str = "hour") -> str:
    hist = _historical_edges(story)
    q: Callable[[str], str] = lambda s: f'"{dot_text(s)}"'  # noqa: E731
    lines = [f"digraph {q(story.id)} {{",
             f"  label={q(story.title)}; labelloc=t; fontname=\"Helvetica\"; rankdir=TB;",
             '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']

    def node(sc: Scene) -> str:
        attrs = [f"label={q(_node_label(sc))}"]
        if sc.ending is not None:
            if sc.ending.kind == "historical":
                attrs += ["shape=doubleoctagon", 'fillcolor="#e8f0e0"', 'color="#2e6b1f"', "penwidth=2"]
            else:
                attrs += ["shape=octagon", 'fillcolor="#f6e7e0"', 'color="#9b3a12"', 'style="filled,dashed"']
        if sc.id == story.start:
            attrs.append("penwidth=3")
        return f"{q(sc.id)} [{', '.join(attrs)}];"

    for n, (name, members) in enumerate(_groups(story, group).items()):
        if name:
            lines.append(f"  subgraph {q(f'cluster_{n}')} {{")
            lines.append(f'    label={q(name)}; style="rounded"; color="#999999";')
            lines.extend(f"    {node(sc)}" for sc in members)
            lines.append("  }")
        else:
            lines.extend(f"  {node(sc)}" for sc in members)
    for sc in story.scenes.values():
        for c in sc.choices:
            if c.target not in story.scenes:
                continue
            attrs = [f"label={q(_short(outline(c.text), 32) + (' [if]' if c.when else ''))}"]
            if c.id in hist:
                attrs += ["penwidth=4", 'color="#2e6b1f"']
            elif c.when:
                attrs.append("style=dashed")
            lines.append(f"  {q(sc.id)} -> {q(c.target)} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_svg(story: Story, group: str = "hour") -> str:
    """Render with Graphviz `dot`; GraphvizMissing when it is not installed."""
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizMissing("Graphviz's `dot` program is not installed")
    try:
        done = subprocess.run([exe, "-Tsvg"], input=to_dot(story, group).encode("utf-8"),
                              capture_output=True, timeout=DOT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GraphvizFailed(str(exc)) from None
    if done.returncode != 0:
        raise GraphvizFailed(done.stderr.decode("utf-8", "replace").strip()[:500])
    return done.stdout.decode("utf-8", "replace")
