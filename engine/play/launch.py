"""Starting a game, the same way in both front ends: the saves folder, which scenario, which save.

`plan(args)` decides what `chronicle play` was asked for (a scenario, `--continue`, `--load`),
`load(ref)` compiles a scenario with errors a player can read, and `open_session()` makes the
`Session` and loads the save, so the first reply may already be a question (an edited
scenario: "continue from the last point that fits?"). No terminal code here.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.play.session import Reply, Session, new_game

if TYPE_CHECKING:
    from engine.core.model import Story
    from engine.saves.store import SaveStore


class LaunchError(Exception):
    """The game cannot start; the message says why and what to do."""


@dataclass
class Plan:
    store: SaveStore | None
    folder: Path | None  # the saves folder
    scenario: str | None  # id or path; None: show the picker
    slot: str | None  # a save to load once the scenario is open
    notice: str = ""  # e.g. the saves folder cannot be used
    seed: int | None = None  # --seed: the order of the choices (None: a random one)
    chapter: str | None = None  # --chapter: start there


def plan(args: argparse.Namespace) -> Plan:
    from engine.saves.store import SaveError, SaveStore, saves_dir

    store: SaveStore | None = None
    folder: Path | None = None
    notice = ""
    try:
        folder = Path(saves_dir(args.saves))
        store = SaveStore(folder)
    except (SaveError, OSError) as exc:
        if args.resume or args.load:
            raise LaunchError(f"The saves folder cannot be used: {exc}") from None
        notice = f"The saves folder cannot be used ({exc}); this game will not be saved."
    scenario: str | None = args.scenario
    slot: str | None = None
    if args.resume and args.load:
        raise LaunchError("use either --continue or --load, not both")
    if args.resume and store is not None:
        try:
            latest = store.latest_autosave()
        except (SaveError, OSError) as exc:
            raise LaunchError(f"Cannot read the saves: {exc}") from None
        if latest is None:
            raise LaunchError(f"There is no game to continue in {folder}. "
                              "Start one with: chronicle play")
        if scenario is not None and scenario != latest.scenario:
            raise LaunchError(f'The latest game is of "{latest.scenario}", not "{scenario}". '
                              f"To continue it: chronicle play --continue")
        scenario, slot = _folder_of(latest.scenario), latest.slot
    elif args.load and store is not None:
        slot = args.load
        if scenario is None:
            try:
                scenario = _folder_of(store.scenario_of(args.load))
            except (SaveError, OSError) as exc:
                raise LaunchError(f'Cannot load "{args.load}": {exc}') from None
    seed = getattr(args, "seed", None)
    chapter = getattr(args, "chapter", None)
    if chapter is not None and slot is not None:
        raise LaunchError("--chapter starts a new game; it cannot be used with --continue or --load")
    return Plan(store, folder, scenario, slot, notice, seed, chapter)


def check_chapter(story: Story, chapter: str | None) -> None:
    """LaunchError unless `chapter` (when given) is one of the story's chapters and can start."""
    if chapter is None:
        return
    from engine.core import machine

    names = [name for name, _ in story.chapters]
    if chapter not in names:
        have = ("its chapters are: " + ", ".join(names)) if names else "it has no chapters"
        raise LaunchError(f'"{story.title}" has no chapter "{chapter}"; {have}')
    try:
        machine.chapter_start(story, chapter)
    except machine.ChoiceError as exc:
        raise LaunchError(f'The chapter "{chapter}" cannot start: {exc}') from None


def _folder_of(scenario_id: str) -> str:
    """The folder of the scenario a save names: its id is looked up in the scenarios folder only,
    never taken as a path (LaunchError if there is no such scenario)."""
    from engine.base.diagnostics import ChronicleError
    from engine.build.loader import find_scenario

    try:
        return str(find_scenario(scenario_id, by_id=True))
    except ChronicleError as exc:
        d = exc.diagnostics[0]
        raise LaunchError(f"The save is of {d.message}" + (f"; {d.hint}" if d.hint else "")) from None


def load(ref: str) -> Story:
    """Compile a scenario; LaunchError with every problem (file:line:col) if it cannot be played."""
    from engine.base.diagnostics import ChronicleError
    from engine.build.loader import load_story

    try:
        return load_story(ref)
    except ChronicleError as exc:
        errors = exc.errors or exc.diagnostics
        if len(errors) == 1 and errors[0].code == "E206":
            d = errors[0]
            raise LaunchError(f"{d.message}" + (f"; {d.hint}" if d.hint else "")) from None
        lines = [d.format() for d in errors[:20]]
        more = len(errors) - 20
        if more > 0:
            lines.append(f"... and {more} more (chronicle check {ref} lists them all)")
        raise LaunchError(f'The scenario "{ref}" cannot be played, it has errors:\n' + "\n".join(lines)) from None
    except OSError as exc:
        raise LaunchError(f'Cannot read the scenario "{ref}": {exc.strerror or exc}') from None


def open_session(story: Story, p: Plan, student: str | None, class_name: str | None) -> tuple[Session, Reply]:
    """The session, with the requested save loaded; begin() has been called."""
    transcripts = p.folder / "transcripts" if p.folder is not None else None
    session = Session(story, store=p.store, student=student, class_name=class_name, transcripts=transcripts,
                      game=new_game(p.seed, p.chapter))
    reply = session.load(p.slot) if p.slot else Reply("scene")
    session.begin()
    reply.page = "scene"
    return session, reply
