"""Finding and loading scenarios: the one entry point the front ends use.

`load_story` returns a compiled `Story` or raises `ChronicleError` with every diagnostic.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.base.diagnostics import ChronicleError, Diagnostic, did_you_mean
from engine.base.gcpause import paused_gc
from engine.base.paths import PROJECT
from engine.core.model import Story


def scenarios_root() -> Path:
    """$CHRONICLE_SCENARIOS, else ./scenarios when it exists, else the project's scenarios/."""
    env = os.environ.get("CHRONICLE_SCENARIOS")
    if env:
        return Path(env)
    here = Path.cwd() / "scenarios"
    if here.is_dir():
        return here
    return PROJECT / "scenarios"


def is_scenario(folder: Path) -> bool:
    return (folder / "scenario.yaml").is_file()


def list_scenarios(root: Path | None = None) -> list[Path]:
    root = root or scenarios_root()
    if is_scenario(root):
        return [root]
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and is_scenario(p))


def find_scenario(ref: str | os.PathLike[str]) -> Path:
    """A scenario folder from an id (looked up in the scenarios root) or a path."""
    path = Path(ref)
    if is_scenario(path):
        return path
    if path.name == "scenario.yaml" and path.is_file():
        return path.parent
    candidates = list_scenarios()
    for c in candidates:
        if c.name == str(ref):
            return c
    ids = [c.name for c in candidates]
    hint = did_you_mean(str(ref), ids) or ("the scenarios are: " + ", ".join(ids) if ids else "")
    raise ChronicleError([Diagnostic(str(ref), 0, 0, "error", "E206", f'no scenario "{ref}"', hint)])


def resolve_scenarios(refs: list[str]) -> tuple[list[Path], list[Diagnostic]]:
    """Scenario folders named by ids, scenario folders or folders of scenarios (default: all),
    each once, with a diagnostic for every reference that names none."""
    folders: list[Path] = []
    problems: list[Diagnostic] = []
    seen: set[Path] = set()
    for ref in refs or [str(scenarios_root())]:
        path = Path(ref)
        try:
            found = list_scenarios(path) if path.is_dir() and not is_scenario(path) else [find_scenario(ref)]
        except ChronicleError as exc:
            problems.extend(exc.diagnostics)
            continue
        if not found:
            problems.append(Diagnostic(ref, 0, 0, "error", "E206", "no scenarios here",
                                       "give a scenario id or a folder with scenario.yaml"))
        for f in found:
            if f.resolve() not in seen:
                seen.add(f.resolve())
                folders.append(f)
    return folders, problems


def load_story(ref: str | os.PathLike[str]) -> Story:
    """Load and compile a scenario (by id or path); ChronicleError if it has errors.

    An unchanged scenario comes from the compiled cache (`engine.build.cache`); any change to its
    files, the seeds or the engine makes a new key, and a damaged entry is ignored and rebuilt.
    """
    from engine.build import cache, compiled

    folder = find_scenario(ref)
    directory = cache.cache_dir()
    read = cache.Read()
    try:
        key = cache.cache_key(folder, read=read) if directory is not None else None
    except MemoryError:
        key, read = None, cache.Read()
    if key is not None:
        story = cache.load(folder, key, directory)
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
        conditions, effects = analysis.conditions, analysis.effects
        del analysis  # the IR is not needed any more: keep the peak low
        if key is not None:
            try:
                if cache.seeds_digest() == read.seeds:  # and the seed texts did not change meanwhile
                    cache.store(folder, key, chunks, directory)
            except MemoryError:  # no room for the entry: the story itself is loaded
                pass
        return compiled.unpack(chunks, conditions, effects)
