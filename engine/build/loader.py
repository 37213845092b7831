"""Finding and loading scenarios: the one entry point the front ends use.

A scenario id is looked up on the search path (`engine.base.paths.scenario_roots`: the shipped
scenarios, ./scenarios, then every folder of $CHRONICLE_SCENARIOS); an id found in several folders
is taken from the nearest, with a warning naming the others. `load_story` returns a compiled `Story`
or raises `ChronicleError` with every diagnostic.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from engine.base import paths
from engine.base.diagnostics import ChronicleError, Diagnostic, did_you_mean
from engine.base.gcpause import paused_gc
from engine.base.safe_text import clean_line
from engine.base.valueclass import FrozenValueClass, set_field
from engine.core.model import Story


class ScenarioFolder(FrozenValueClass):
    """A scenario on the search path: its folder, where it comes from, and the farther folders of
    the same id it hides.

    Written out rather than a dataclass, with the same `__init__`, `__repr__`, `__eq__`, `__hash__` and frozen-ness:
    creating a dataclass costs start-up time (issue 16)."""

    __match_args__ = ("id", "folder", "origin", "hides")
    id: str
    folder: Path
    origin: str
    hides: tuple[Path, ...]

    def __init__(self, id: str, folder: Path, origin: str, hides: tuple[Path, ...] = ()) -> None:
        set_field(self, "id", id)
        set_field(self, "folder", folder)
        set_field(self, "origin", origin)
        set_field(self, "hides", hides)

    def warning(self) -> str:
        """The warning about the hidden folders of the same id ('' when none)."""
        if not self.hides:
            return ""
        others = ", ".join(str(h) for h in self.hides)
        return f'scenario "{self.id}" is in two places: using {self.folder} ({self.origin}), not {others}'


def scenarios_root() -> Path:
    """The nearest scenarios folder: the last folder of $CHRONICLE_SCENARIOS, else ./scenarios when
    it exists, else the shipped scenarios."""
    roots = paths.scenario_roots()
    for root in reversed(roots):
        if root.folder.is_dir():
            return root.folder
    return paths.shipped("scenarios")


def is_scenario(folder: Path) -> bool:
    return (folder / "scenario.yaml").is_file()


def search() -> list[ScenarioFolder]:
    """Every scenario on the search path (`engine.base.paths.scenario_roots`), by id; an id found in
    several folders is taken from the nearest (the last on the path), naming the others."""
    by_id: dict[str, ScenarioFolder] = {}
    for root in paths.scenario_roots():
        for folder in _scenarios_in(root.folder):
            before = by_id.get(folder.name)
            hides = (*before.hides, before.folder) if before is not None else ()
            by_id[folder.name] = ScenarioFolder(folder.name, folder, root.origin, hides)
    return [by_id[k] for k in sorted(by_id)]


def _scenarios_in(root: Path) -> list[Path]:
    if is_scenario(root):
        return [root]
    try:
        return sorted(p for p in root.iterdir() if p.is_dir() and is_scenario(p))
    except OSError:
        return []


def list_scenarios(root: Path | None = None) -> list[Path]:
    """The scenario folders in `root` (or `root` itself when it is one); without a root, every
    scenario on the search path."""
    if root is None:
        return [f.folder for f in search()]
    return _scenarios_in(root)


def find_scenario(ref: str | os.PathLike[str], *, by_id: bool = False) -> Path:
    """A scenario folder from an id (looked up in the scenarios root) or a path.

    With `by_id` (a name a file gave, such as a save's scenario), only the scenarios root is
    searched: the name is never taken as a path."""
    path = Path(ref)
    if not by_id and is_scenario(path):
        return path
    if not by_id and path.name == "scenario.yaml" and path.is_file():
        return path.parent
    candidates = search()
    for c in candidates:
        if c.id == str(ref):
            if c.hides:
                print(clean_line(f"chronicle: warning: {c.warning()}"), file=sys.stderr)
            return c.folder
    ids = [c.id for c in candidates]
    hint = did_you_mean(str(ref), ids) or ("the scenarios are: " + ", ".join(ids) if ids else "")
    raise ChronicleError([Diagnostic(str(ref), 0, 0, "error", "E206", f'no scenario "{ref}"', hint)])


def resolve_scenarios(refs: list[str]) -> tuple[list[Path], list[Diagnostic]]:
    """Scenario folders named by ids, scenario folders or folders of scenarios (default: all),
    each once, with a diagnostic for every reference that names none."""
    folders: list[Path] = []
    problems: list[Diagnostic] = []
    seen: set[Path] = set()
    targets: list[str | None] = [*refs] or [None]  # None: every scenario on the search path
    for ref in targets:
        try:
            if ref is None:
                found = list_scenarios()
            else:
                path = Path(ref)
                found = list_scenarios(path) if path.is_dir() and not is_scenario(path) else [find_scenario(ref)]
        except ChronicleError as exc:
            problems.extend(exc.diagnostics)
            continue
        if not found:
            problems.append(Diagnostic(ref or "the scenario search path", 0, 0, "error", "E206", "no scenarios here",
                                       "give a scenario id or a folder with scenario.yaml"))
        for f in found:
            if f.resolve() not in seen:
                seen.add(f.resolve())
                folders.append(f)
    return folders, problems


def load_story(ref: str | os.PathLike[str], *, by_id: bool = False) -> Story:
    """Load and compile a scenario (by id or path); ChronicleError if it has errors.

    An unchanged scenario comes from the compiled cache (`engine.build.cache`); any change to its
    files, the seeds or the engine makes a new key, and a damaged entry is ignored and rebuilt.
    """
    from engine.build import cache, compiled

    folder = find_scenario(ref, by_id=by_id)
    directory = cache.cache_dir()
    read = cache.Read()
    try:
        key = cache.cache_key(folder, read=read) if directory is not None else None
    except MemoryError:
        key, read = None, cache.Read()
    if key is not None:
        story = cache.load_cached(folder, key, directory)
        if story is not None:
            return story
    from engine.build.compiler import analyze  # not needed (nor is the YAML reader) on a cache hit

    with paused_gc():  # one pause for the whole compile: only acyclic data is made
        # the very bytes the key was made from are compiled: the entry always matches its key
        analysis = analyze(folder, sources=read.files if key is not None else None, lean=True)
        read.files = {}  # let the bytes go as soon as they are compiled
        if analysis.ir is None:
            raise ChronicleError(analysis.diagnostics)
        chunks = compiled.pack(analysis.ir, analysis.chunks)  # the compiled form: what the cache stores, unpacked below
        conditions, effects, templates = analysis.conditions, analysis.effects, analysis.templates
        del analysis  # the IR is not needed any more: keep the peak low
        if key is not None:
            try:
                if cache.sources_digest(folder) == read.seeds:  # and the seed texts did not change meanwhile
                    cache.store(folder, key, chunks, directory)
            except MemoryError:  # no room for the entry: the story itself is loaded
                pass
        return compiled.unpack(chunks, conditions, effects, templates)
