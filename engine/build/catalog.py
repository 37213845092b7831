"""The catalogue of scenarios: cheap summaries read from each `scenario.yaml` alone, without compiling."""

from __future__ import annotations

from pathlib import Path

from engine.build.loader import list_scenarios
from engine.format.safeyaml import load


def scenario_summaries(root: str | None = None) -> list[dict[str, object]]:
    """Cheap summaries read from each scenario.yaml only (no compilation)."""
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
