"""`chronicle map SCENARIO [--format mermaid|dot|svg] [--group hour|place|none] [-o FILE]`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from engine.commands._load import story_or_none
from engine.core.model import Story
from engine.tools.storymap import GROUPS, GraphvizFailed, GraphvizMissing, to_dot, to_mermaid, to_svg

# the map in each format it is offered in (names from engine.classroom.formats.FORMATS)
RENDER: dict[str, Callable[[Story, str], str]] = {"mermaid": to_mermaid, "dot": to_dot, "svg": to_svg}


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario id or folder")
    from engine.classroom.formats import format_option

    format_option(p, tuple(RENDER), "mermaid",
                  help="mermaid (renders on code-hosting sites), dot, or svg (needs Graphviz)")
    p.add_argument("--group", choices=GROUPS, default="hour", help="group scenes by hour (default) or place")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of printing")


def run(args: argparse.Namespace) -> int:
    story = story_or_none(args.scenario)
    if story is None:
        return 1
    try:
        text = RENDER[args.format](story, args.group)
    except GraphvizMissing:
        print("chronicle map: SVG needs Graphviz's `dot` program, which is not installed.\n"
              "  Install Graphviz (https://graphviz.org/download/, e.g. `apt install graphviz` or "
              "`brew install graphviz`),\n  or use --format mermaid or --format dot.", file=sys.stderr)
        return 1
    except GraphvizFailed as exc:
        print(f"chronicle map: Graphviz failed: {exc}", file=sys.stderr)
        return 1
    from engine.base.durable import write_output

    return write_output(text, args.output, "chronicle map")
