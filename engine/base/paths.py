"""Where things are: a scenario's files and the project's seed texts. Paths only, nothing parsed.

Kept free of the YAML reader so that a start from the compiled cache never imports it.
"""

from __future__ import annotations

import os
from pathlib import Path

MAX_FILE_BYTES = 1 << 20  # the largest scenario file read (1 MiB)
PACKAGE_DIR = Path(__file__).resolve().parent.parent  # engine/
PROJECT = PACKAGE_DIR.parent
SEEDS_DIR = PROJECT / "seeds"


OWN_SOURCES = "sources"  # a scenario folder's (or a folder of scenarios') own source texts


def own_source_dirs(scenario_folder: str | os.PathLike[str]) -> list[Path]:
    """The folders of source texts a scenario brings: `sources/` (with an index.yaml in the
    format of seeds/index.yaml) in the scenario's folder, then in the folder that holds it."""
    folder = Path(scenario_folder).resolve()
    seeds = SEEDS_DIR.resolve()
    found = []
    for home in (folder, folder.parent):
        d = home / OWN_SOURCES
        if (d / "index.yaml").is_file() and d.resolve() != seeds:
            found.append(d)
    return found


def scenario_files(folder: Path) -> list[Path]:
    """scenario.yaml first, then every other YAML file except those in plans/ and sources/ (the
    scenario's own source texts, read by `engine.record.sources.record_for`).

    Whatever is named *.yaml but a folder is listed, links, FIFOs and devices too: reading it
    (`engine.base.durable.read_capped` within the folder) refuses it with the reason."""
    files = []
    for p in sorted(folder.rglob("*")):
        if p.suffix not in (".yaml", ".yml") or p.is_dir() or p.name == "scenario.yaml":
            continue
        inside = p.relative_to(folder).parts[:-1]
        if "plans" in inside or (inside and inside[0] == "sources"):
            continue
        files.append(p)
    return [folder / "scenario.yaml", *files]
