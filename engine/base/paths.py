"""Where things are: a scenario's files and the project's seed texts. Paths only, nothing parsed.

Kept free of the YAML reader so that a start from the compiled cache never imports it.
"""

from __future__ import annotations

from pathlib import Path

MAX_FILE_BYTES = 1 << 20  # the largest scenario file read (1 MiB)
PACKAGE_DIR = Path(__file__).resolve().parent.parent  # engine/
PROJECT = PACKAGE_DIR.parent
SEEDS_DIR = PROJECT / "seeds"


def scenario_files(folder: Path) -> list[Path]:
    """scenario.yaml first, then every other YAML file except those in plans/.

    Whatever is named *.yaml but a folder is listed, links, FIFOs and devices too: reading it
    (`engine.base.durable.read_capped` within the folder) refuses it with the reason."""
    files = []
    for p in sorted(folder.rglob("*")):
        if p.suffix not in (".yaml", ".yml") or p.is_dir() or p.name == "scenario.yaml":
            continue
        if "plans" in p.relative_to(folder).parts[:-1]:
            continue
        files.append(p)
    return [folder / "scenario.yaml", *files]
