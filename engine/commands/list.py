"""`chronicle list [--json] [--ids]`: the scenarios, with id, title, role, date and where each comes from.

The scenarios are those of the search path (`engine.base.paths.scenario_roots`): the shipped ones,
./scenarios, then every folder of $CHRONICLE_SCENARIOS; an id found twice is taken from the nearer
folder, with a warning naming both.
"""

from __future__ import annotations

import argparse
import json
import sys

from engine.base.sanitize import clean_line
from engine.build.catalog import scenario_summaries


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true")
    p.add_argument("--ids", action="store_true", help="only the ids, one a line (for shell completion)")
    p.add_argument("--root", help="list only this scenarios folder (default: the scenario search path)")


def run(args: argparse.Namespace) -> int:
    rows = scenario_summaries(args.root)
    for r in rows:
        if r["warning"]:
            print(clean_line(f"chronicle list: warning: {r['warning']}"), file=sys.stderr)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=True))  # \u-escapes: no raw control bytes
        return 0
    if args.ids:
        for r in rows:
            print(clean_line(str(r["id"])))
        return 0
    for r in rows:
        line = f"{r['id']:<20} {r['title']} — {r['role']} ({r['date']})  [{r['origin']}: {r['path']}]"
        print(clean_line(line))
    if not rows:
        print("No scenarios found. Put scenario folders in ./scenarios, or set CHRONICLE_SCENARIOS to a folder "
              "of them.", file=sys.stderr)
    return 0
