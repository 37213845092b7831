"""`chronicle list [--json]`: the scenarios, with id, title, role and date."""

from __future__ import annotations

import argparse
import json

from engine.base.sanitize import clean_line
from engine.build.catalog import scenario_summaries


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true")
    p.add_argument("--root", help="the scenarios folder (default: scenarios/)")


def run(args: argparse.Namespace) -> int:
    rows = scenario_summaries(args.root)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=True))  # \u-escapes: no raw control bytes
        return 0
    for r in rows:
        line = f"{r['id']:<20} {r['title']} — {r['role']} ({r['date']})"
        print(clean_line(line))
    return 0
