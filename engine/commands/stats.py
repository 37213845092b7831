"""`chronicle stats [SCENARIO ...] [--json]`: scenes, choices, endings, citations and words."""

from __future__ import annotations

import argparse
import sys

from engine.base.safe_text import json_text
from engine.build.loader import list_scenarios
from engine.commands._load import story_or_none
from engine.tools.stats import story_stats


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenarios", nargs="*", help="scenario ids or folders (default: all)")
    p.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    refs = args.scenarios or [str(p) for p in list_scenarios()]
    rows = []
    failed = False
    for ref in refs:
        story = story_or_none(ref)
        if story is None:
            failed = True
            continue
        rows.append(story_stats(story))
    if args.json:
        print(json_text({"scenarios": rows}))
    elif rows:
        head = ("scenario", "scenes", "choices", "decisions", "endings (hist/cf)", "citations", "words")
        table = [head] + [(r["id"], str(r["scenes"]), str(r["choices"]), str(r["decision_points"]),
                           f"{r['endings']} ({r['endings_by_kind'].get('historical', 0)}/"
                           f"{r['endings_by_kind'].get('counterfactual', 0)})",
                           str(r["citations"]), f"{r['words']:,}") for r in rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(head))]
        for row in table:
            cells = zip(row, widths, strict=True)
            print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(cells)))
    elif not failed:
        print("no scenarios found", file=sys.stderr)
    return 1 if failed else 0
