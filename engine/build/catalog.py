"""The catalogue of scenarios: cheap summaries read from each `scenario.yaml` alone, without compiling."""

from __future__ import annotations

from pathlib import Path

from engine.base.durable import read_capped
from engine.base.paths import MAX_FILE_BYTES, scenario_files
from engine.build.loader import ScenarioFolder, list_scenarios, search
from engine.format.safeyaml import load


def scenario_summaries(root: str | None = None) -> list[dict[str, object]]:
    """Cheap summaries read from each scenario.yaml only (no compilation): of the scenarios in `root`,
    else of every scenario on the search path, each with where it comes from (`origin`) and the
    farther folders of the same id it hides (`hides`)."""
    found = [ScenarioFolder(p.name, p, str(root)) for p in list_scenarios(Path(root))] if root else search()
    rows = []
    for f in found:
        folder = f.folder
        try:
            data = read_capped(folder / "scenario.yaml", MAX_FILE_BYTES, within=folder)
            meta = load(data, str(folder / "scenario.yaml")).value
        except Exception:  # a broken scenario is listed, and `check` explains it
            meta = {}
        meta = meta if isinstance(meta, dict) else {}
        clock: dict[str, object] = meta["clock"] if isinstance(meta.get("clock"), dict) else {}
        rows.append({"id": folder.name, "title": meta.get("title", folder.name), "role": meta.get("role", ""),
                     "date": clock.get("date", ""), "calendar": clock.get("calendar", ""),
                     "summary": meta.get("summary", ""), "length": meta.get("length", ""),
                     "events": scenario_events(folder), "path": str(folder), "origin": f.origin,
                     "hides": [str(h) for h in f.hides], "warning": f.warning()})
    return rows


def scenario_events(folder: Path) -> list[str]:
    """The ids of the shared events its scenes list (read from the scene files, not compiled;
    a file that cannot be read adds none, and `check` explains it)."""
    found: set[str] = set()
    for path in scenario_files(folder)[1:]:
        try:
            doc = load(read_capped(path, MAX_FILE_BYTES, within=folder), str(path)).value
        except Exception:
            continue
        scenes = doc.get("scenes") if isinstance(doc, dict) else None
        for scene in scenes.values() if isinstance(scenes, dict) else ():
            events = scene.get("events") if isinstance(scene, dict) else None
            if isinstance(events, list):
                found.update(e for e in events if isinstance(e, str))
    return sorted(found)
