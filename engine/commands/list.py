"""`chronicle list [--json]`: the scenarios, with id, title, role and date."""

from __future__ import annotations

import argparse
import json

from engine.loader import list_scenarios
from engine.safeyaml import load
from engine.sanitize import clean_line


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true")
    p.add_argument("--root", help="the scenarios folder (default: scenarios/)")


def scenario_summaries(root: str | None = None) -> list[dict[str, object]]:
    """Cheap summaries read from each scenario.yaml only (no compilation)."""
    from pathlib import Path

    rows = []
    for folder in list_scenarios(Path(root) if root else None):
        try:
            meta = load((folder / "scenario.yaml").read_bytes(), str(folder / "scenario.yaml")).value
        except Exception:  # a broken scenario is listed, and `check` explains it
            meta = {}
        meta = meta if isinstance(meta, dict) else {}
        clock: dict[str, object] = meta["clock"] if isinstance(meta.get("clock"), dict) else {}
        rows.append({"id": folder.name, "title": meta.get("title", folder.name), "role": meta.get("role", ""),
                     "date": clock.get("date", ""), "calendar": clock.get("calendar", ""),
                     "summary": meta.get("summary", ""), "length": meta.get("length", ""),
                     "path": str(folder)})
    return rows


def run(args: argparse.Namespace) -> int:
    rows = scenario_summaries(args.root)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=True))  # \u-escapes: no raw control bytes
        return 0
    for r in rows:
        line = f"{r['id']:<20} {r['title']} — {r['role']} ({r['date']})"
        print(clean_line(line))
    return 0
