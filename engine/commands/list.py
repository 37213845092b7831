"""`chronicle list [--json] [--ids]`: the scenarios, with id, title, role, date, expected playing time,
chapters, and where each comes from.

The scenarios are those of the search path (`engine.base.paths.scenario_roots`): the shipped ones,
./scenarios, then every folder of $CHRONICLE_SCENARIOS; an id found twice is taken from the nearer
folder, with a warning naming both. The playing time is computed (`engine.tools.playtime`) from the
words and decisions of the historical path and from random play; a scenario that cannot be compiled
is listed without it.
"""

from __future__ import annotations

import argparse
import json
import sys

from engine.base.safe_text import clean_line
from engine.build.catalog import scenario_summaries


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true")
    p.add_argument("--ids", action="store_true", help="only the ids, one a line (for shell completion)")
    p.add_argument("--root", help="list only this scenarios folder (default: the scenario search path)")


def _timing(row: dict[str, object]) -> None:
    from engine.base.diagnostics import ChronicleError
    from engine.build.loader import load_story
    from engine.tools.playtime import playing_time

    try:
        t = playing_time(load_story(str(row["path"])))
    except (ChronicleError, OSError, KeyError, ValueError):
        row["minutes"] = None
        return
    row["minutes"] = {"historical": round(t.historical, 1), "random_low": round(t.random_low, 1),
                      "random_high": round(t.random_high, 1), "decisions": t.decisions}
    row["chapters"] = [{"name": n, "scene": sc, "minutes": round(m, 1)} for n, sc, m in t.chapters]
    row["time"] = t.text


def run(args: argparse.Namespace) -> int:
    from engine.tools.playtime import whole_minutes

    rows = scenario_summaries(args.root)
    for r in rows:
        if r["warning"]:
            print(clean_line(f"chronicle list: warning: {r['warning']}"), file=sys.stderr)
        if not args.ids:
            _timing(r)
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
        if r.get("time"):
            print(clean_line(f"{'':<20} {r['time']}"))
        chapters = r.get("chapters")
        if isinstance(chapters, list) and chapters:
            parts = ", ".join(f"{c['name']} ~{whole_minutes(c['minutes'])} min" for c in chapters)
            print(clean_line(f"{'':<20} chapters (play --chapter NAME): {parts}"))
    if not rows:
        print("No scenarios found. Put scenario folders in ./scenarios, or set CHRONICLE_SCENARIOS to a folder "
              "of them.", file=sys.stderr)
    return 0
