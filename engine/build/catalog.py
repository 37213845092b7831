"""The scenario catalogue: a cheap summary of every scenario, read from each scenario.yaml only."""

from __future__ import annotations

from pathlib import Path

from engine.build.loader import Found, list_scenarios, search
from engine.format.safeyaml import load


def scenario_summaries(root: str | None = None) -> list[dict[str, object]]:
    """Cheap summaries read from each scenario.yaml only (no compilation): of the scenarios in `root`,
    else of every scenario on the search path, each with where it comes from (`origin`) and the
    farther folders of the same id it hides (`hides`)."""
    found = [Found(p.name, p, str(root)) for p in list_scenarios(Path(root))] if root else search()
    rows = []
    for f in found:
        folder = f.folder
        try:
            meta = load((folder / "scenario.yaml").read_bytes(), str(folder / "scenario.yaml")).value
        except Exception:  # a broken scenario is listed, and `check` explains it
            meta = {}
        meta = meta if isinstance(meta, dict) else {}
        clock: dict[str, object] = meta["clock"] if isinstance(meta.get("clock"), dict) else {}
        rows.append({"id": folder.name, "title": meta.get("title", folder.name), "role": meta.get("role", ""),
                     "date": clock.get("date", ""), "calendar": clock.get("calendar", ""),
                     "summary": meta.get("summary", ""), "length": meta.get("length", ""),
                     "path": str(folder), "origin": f.origin, "hides": [str(h) for h in f.hides],
                     "warning": f.warning()})
    return rows
