"""Where things are: the shipped scenarios and seed texts, the scenario search path, the per-user
folders, and a scenario's files. Paths only, nothing parsed.

Installed from a wheel, the shipped scenarios and the seeds live inside the package
(`engine/_data/`, put there at build time from the repository's top-level `scenarios/` and
`seeds/`) and are found through importlib.resources; from a checkout they are the checkout's own
folders. A package imported from a zip file has its data copied once into the per-user cache.
Saves and the compiled cache go to the per-user folders (platformdirs) when installed, to the
checkout's `saves/` when run from a checkout. Nothing is ever written inside the package.

Kept free of the YAML reader so that a start from the compiled cache never imports it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from engine import __version__
from engine.base.valueclass import FrozenValueClass, set_field

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

MAX_FILE_BYTES = 1 << 20  # the largest scenario file read (1 MiB)
MAX_DATA_FILES = 10_000  # the most files copied out of a zipped package
PACKAGE_DIR = Path(__file__).resolve().parent.parent  # engine/
PROJECT = PACKAGE_DIR.parent  # the checkout, when running from one (else site-packages: never written to)
APP = "chronicle"


def is_checkout() -> bool:
    """Running from a source checkout (an editable install or `python -m engine` in the repository)."""
    return (PROJECT / "pyproject.toml").is_file() and (PROJECT / "scenarios").is_dir() \
        and not (PACKAGE_DIR / "_data").is_dir()


def shipped(name: str) -> Path:
    """The folder of shipped data `name` ("scenarios" or "seeds"): the package's, else the checkout's.

    A package on disk is read in place (without importing importlib.resources: start-up stays lean);
    one that is not on disk (a zip) through importlib.resources."""
    if PACKAGE_DIR.is_dir():
        inside = PACKAGE_DIR / "_data" / name
        return inside if inside.is_dir() else PROJECT / name
    from importlib import resources

    data: Traversable = resources.files("engine").joinpath("_data", name)
    if data.is_dir():
        return data if isinstance(data, Path) else _extracted(data, name)
    return PROJECT / name


def _extracted(data: Traversable, name: str) -> Path:
    """A zipped package's data copied once into the per-user cache (a folder per version and content)."""
    files: list[tuple[str, bytes]] = []

    def walk(node: Traversable, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if len(files) >= MAX_DATA_FILES:
                return
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif child.is_file():
                files.append((prefix + child.name, child.read_bytes()))

    walk(data, "")
    digest = hashlib.blake2b(digest_size=8)
    for rel, blob in files:
        digest.update(rel.encode() + b"\0" + len(blob).to_bytes(8, "big") + blob)
    dest = user_cache_dir() / "data" / f"{__version__}-{digest.hexdigest()}" / name
    if not dest.is_dir():
        import shutil

        temp = dest.with_name(f".{name}.{os.getpid()}")
        shutil.rmtree(temp, ignore_errors=True)
        for rel, blob in files:
            target = temp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blob)
        try:
            os.replace(temp, dest)
        except OSError:  # another process got there first
            shutil.rmtree(temp, ignore_errors=True)
    return dest


def user_data_dir() -> Path:
    """The per-user data folder (saves and transcripts of an installed Chronicle)."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def user_cache_dir() -> Path:
    """The per-user cache folder (the compiled cache of an installed Chronicle)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


SEEDS_DIR = shipped("seeds")  # after user_cache_dir: a zipped package copies them there


def default_saves_dir() -> Path:
    """The checkout's saves/ from a checkout, else `saves` in the per-user data folder."""
    return PROJECT / "saves" if is_checkout() else user_data_dir() / "saves"


class Root(FrozenValueClass):
    """One folder of the scenario search path, and how it is named to the user.

    Written out rather than a dataclass, with the same `__init__`, `__repr__`, `__eq__`, `__hash__` and frozen-ness:
    creating a dataclass costs start-up time (issue 16)."""

    __match_args__ = ("folder", "origin")
    folder: Path
    origin: str

    def __init__(self, folder: Path, origin: str) -> None:
        set_field(self, "folder", folder)
        set_field(self, "origin", origin)  # "shipped", "./scenarios" or "CHRONICLE_SCENARIOS"


def shipped_off() -> bool:
    return os.environ.get("CHRONICLE_SHIPPED", "").strip().lower() in ("off", "0", "no", "false")


def scenario_roots() -> list[Root]:
    """The scenario search path, farthest first: the shipped scenarios, ./scenarios, then every folder
    in $CHRONICLE_SCENARIOS (separated by os.pathsep). A folder is listed once; CHRONICLE_SHIPPED=off
    leaves out the shipped folder (also when ./scenarios is that folder, in a checkout)."""
    out: list[Root] = []
    seen: set[Path] = set()
    home = shipped("scenarios")
    candidates = [Root(home, "shipped"), Root(Path("scenarios"), "./scenarios")]
    for part in os.environ.get("CHRONICLE_SCENARIOS", "").split(os.pathsep):
        if part.strip():
            candidates.append(Root(Path(part).expanduser(), "CHRONICLE_SCENARIOS"))
    for root in candidates:
        try:
            key = root.folder.resolve()
        except OSError:
            continue
        if key in seen or (shipped_off() and key == home.resolve()):
            continue
        seen.add(key)
        out.append(root)
    return out


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
