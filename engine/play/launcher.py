"""Starting a game, the same way in both front ends: the saves folder, which scenario, which save.

`plan(args)` decides what `chronicle play` was asked for (a scenario, `--continue`, `--new`,
`--load`), `load_playable(ref)` compiles a scenario with errors a player can read, `opening()` decides
whether the game continues, starts afresh, or asks (a player's unfinished game is never thrown
away), and `open_session()` makes the `Session` and loads the save, so the first reply may already
be a question (an edited scenario: "continue from the last point that fits?"). No terminal code here.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from engine.base.valueclass import ValueClass
from engine.play.session import Reply, Session, new_game

if TYPE_CHECKING:
    from engine.core.model import Story
    from engine.saves.store import SaveStore, SlotInfo


class LaunchError(Exception):
    """The game cannot start; the message says why and what to do."""


class LaunchPlan(ValueClass):
    """What the command line asks for: the saves, the scenario and how the game opens.

    Written out rather than a dataclass, with the same `__init__`, `__repr__`, `__eq__` (unhashable):
    creating a dataclass costs start-up time (issue 16)."""

    __match_args__ = (
        "store",
        "folder",
        "scenario",
        "slot",
        "notice",
        "seed",
        "chapter",
        "resume",
        "new",
        "saves",
        "class_name",
    )
    __hash__ = None  # type: ignore[assignment]

    def __init__(
        self,
        store: SaveStore | None,
        folder: Path | None,
        scenario: str | None,
        slot: str | None,
        notice: str = "",
        seed: int | None = None,
        chapter: str | None = None,
        resume: bool = False,
        new: bool = False,
        saves: str | None = None,
        class_name: str | None = None,
    ) -> None:
        self.store = store
        self.folder = folder  # the saves folder
        self.scenario = scenario  # id or path; None: show the picker
        self.slot = slot  # a save to load once the scenario is open
        self.notice = notice  # e.g. the saves folder cannot be used
        self.seed = seed  # --seed: the order of the choices (None: a random one)
        self.chapter = chapter  # --chapter: start there
        self.resume = resume  # --continue
        self.new = new  # --new
        self.saves = saves  # --saves, as given
        self.class_name = class_name


def plan(args: argparse.Namespace) -> LaunchPlan:
    from engine.saves.store import SaveError, SaveStore, saves_dir

    store: SaveStore | None = None
    folder: Path | None = None
    notice = ""
    resume, new = bool(args.resume), bool(getattr(args, "new", False))
    if resume and args.load:
        raise LaunchError("use either --continue or --load, not both")
    if new and (resume or args.load):
        raise LaunchError("--new starts a new game: use it without --continue or --load")
    try:
        folder = Path(saves_dir(args.saves))
        store = SaveStore(folder)
    except (SaveError, OSError) as exc:
        if resume or args.load:
            raise LaunchError(f"The saves folder cannot be used: {exc}") from None
        notice = f"The saves folder cannot be used ({exc}); this game will not be saved."
    scenario: str | None = args.scenario
    slot: str | None = None
    p = LaunchPlan(store, folder, scenario, None, notice, seed=getattr(args, "seed", None),
             chapter=getattr(args, "chapter", None), resume=resume, new=new, saves=args.saves,
             class_name=args.class_name)
    if p.chapter is not None and (resume or args.load):
        raise LaunchError("--chapter starts a new game; it cannot be used with --continue or --load")
    if resume and store is not None and scenario is None:
        game = _continue(p, store, None, args.student)
        p.scenario, p.slot = _folder_of(game.scenario), game.slot
    elif args.load and store is not None:
        slot = args.load
        if scenario is None:
            try:
                scenario = _folder_of(store.scenario_of(args.load))
            except (SaveError, OSError) as exc:
                raise LaunchError(f'Cannot load "{args.load}": {exc}') from None
        p.scenario, p.slot = scenario, slot
    return p


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


def _continue(p: LaunchPlan, store: SaveStore, story: Story | None, student: str | None) -> SlotInfo:
    """The autosave --continue means: this player's latest game (of `story`, if given). Without a
    name, in a folder with several players' games, a LaunchError lists them instead of guessing."""
    from engine.saves.slots import autosave_player, player_key
    from engine.saves.store import SaveError

    try:
        games = store.autosaves()
    except (SaveError, OSError) as exc:
        raise LaunchError(f"Cannot read the saves: {exc}") from None
    if story is not None:
        games = [g for g in games if g.scenario == story.id]
    whose = {g.slot: autosave_player(g.slot, g.scenario) for g in games}
    games = [g for g in games if whose[g.slot] is not None]
    of = f" of {story.id}" if story is not None else ""
    if student:
        key = player_key(student)
        games = [g for g in games if whose[g.slot] == key]
        if not games:
            raise LaunchError(f"{student} has no game{of} to continue in {p.folder}. Start one with: "
                              f"{_command(p, None, student)}")
        return games[0]
    if not games:
        raise LaunchError(f"There is no game{of} to continue in {p.folder}. Start one with: "
                          f"{_command(p, None, None)}")
    players = {whose[g.slot] for g in games}
    if len(players) > 1:
        lines = [f"The saves folder {p.folder} holds the games of several players; say whose to continue:"]
        shown: set[str | None] = set()
        for g in games:
            who = whose[g.slot]
            if who in shown:
                continue
            shown.add(who)
            where = ", ".join(x for x in (g.title or g.scenario, g.scene_title, g.clock) if x)
            if who:
                cmd = _command(p, None, who, resume=True)
            else:
                cmd = _command(p, g.scenario, None, load=g.slot)
            lines.append(f"  {cmd}\n      ({where}; saved {g.saved_at[:16].replace('T', ' ')} UTC)")
        raise LaunchError("\n".join(lines))
    return games[0]


class Opening(ValueClass):
    """How a game opens once its scenario is loaded.

    Written out rather than a dataclass, with the same `__init__`, `__repr__`, `__eq__` (unhashable):
    creating a dataclass costs start-up time (issue 16)."""

    __match_args__ = ("slot", "offer", "message")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, slot: str | None, offer: SlotInfo | None = None, message: str = "") -> None:
        self.slot = slot  # the save to load; None: a new game
        self.offer = offer  # an unfinished game to offer: continue it or start again?
        self.message = message  # said when the game opens


def opening(story: Story, p: LaunchPlan, student: str | None, *, interactive: bool) -> Opening:
    """Whether to continue a game or start one. A player's unfinished game is never dropped
    silently: --continue resumes it, --new starts again (the game is kept, see `open_session`),
    an interactive player is asked (`offer`), and piped input continues it and says so."""
    from engine.saves.slots import autosave_slot

    if p.slot is not None or p.store is None:
        return Opening(p.slot)
    if p.resume:
        return Opening(_continue(p, p.store, story, student).slot)
    mine = autosave_slot(story.id, student)
    info = p.store.unfinished(mine, story)
    if info is None or p.new or p.chapter is not None:  # a chapter is a new game (the old one is kept)
        return Opening(None)
    if interactive:
        return Opening(None, offer=info)
    return Opening(mine, message=f"{describe(info)} continues. To start again instead: "
                                 f"{_command(p, _scenario_word(story, p), student, new=True)}")


def describe(info: SlotInfo) -> str:
    """"Your unfinished game (After midnight, 25 October 1917, 01:50; 3 choices, saved ...)"."""
    steps = f"{info.steps} choice" + ("" if info.steps == 1 else "s")
    where = ", ".join(x for x in (info.scene_title, info.clock) if x)
    saved = info.saved_at[:16].replace("T", " ")
    return f"Your unfinished game ({where}; {steps} made, saved {saved} UTC)"


OFFER_CHOICES = ("Continue it", "Start again (the unfinished game is kept as a save you can load)")


def answer_offer(text: str) -> bool | None:
    """An answer to "continue or start again?": True to continue, False to start again, None if unclear."""
    word = " ".join(text.lower().split())
    if word in ("1", "c", "continue", "continue it", "yes", "y"):
        return True
    if word in ("2", "n", "new", "start again", "again", "restart", "start"):
        return False
    return None


# --- the command a player types -------------------------------------------------------------


def command_name(argv0: str | None = None, executable: str | None = None,
                 which: Callable[[str], str | None] | None = None) -> str:
    """How this player runs Chronicle, as they can type it again: "chronicle" when that is on the
    PATH and is this program, "python3 -m engine" when run that way with the python on the PATH,
    else the full path of the program or of this environment's python (`which`: shutil.which)."""
    if which is None:
        import shutil

        which = shutil.which
    argv0 = sys.argv[0] if argv0 is None else argv0
    executable = executable or sys.executable or "python3"
    base = os.path.basename(argv0)
    if base in ("__main__.py", "-m", "-c", "") or base.endswith(".py"):
        for name in ("python3", "python"):
            found = which(name)
            if found and _same_dir(found, executable):
                return f"{name} -m engine"
        return f"{_quote(executable)} -m engine"
    found = which(base)
    if found and _same_file(found, argv0):
        return base
    return _quote(os.path.abspath(argv0))


def _same_dir(a: str, b: str) -> bool:
    """Two programs from the same bin folder (a virtual environment's python is a link to the
    system's: comparing the files themselves would confuse the two)."""
    return os.path.realpath(os.path.dirname(os.path.abspath(a))) == os.path.realpath(
        os.path.dirname(os.path.abspath(b)))


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _quote(word: str) -> str:
    import shlex

    return shlex.quote(word)


def _scenario_word(story: Story, p: LaunchPlan) -> str:
    """The scenario as the player can name it again: its id if that finds it, else its path."""
    from engine.build.loader import list_scenarios

    try:
        if any(f.name == story.id for f in list_scenarios()):
            return story.id
    except OSError:
        pass
    return p.scenario or story.id


def _command(p: LaunchPlan, scenario: str | None, student: str | None, *, resume: bool = False, new: bool = False,
             load: str | None = None) -> str:
    words = [command_name(), "play"]
    if scenario:
        words.append(_quote(scenario))
    if resume:
        words.append("--continue")
    if new:
        words.append("--new")
    if load:
        words += ["--load", _quote(load)]
    if student:
        words += ["--student", _quote(student)]
    if p.class_name:
        words += ["--class", _quote(p.class_name)]
    if p.saves:
        words += ["--saves", _quote(p.saves)]
    return " ".join(words)


def resume_command(story: Story, p: LaunchPlan, student: str | None) -> str:
    """The command that continues this player's game, with the same --saves, --student, --class."""
    return _command(p, _scenario_word(story, p), student, resume=True)


def load_playable(ref: str) -> Story:
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


def open_session(story: Story, p: LaunchPlan, student: str | None, class_name: str | None, *,
                 slot: str | None) -> tuple[Session, Reply]:
    """The session, with the save `slot` loaded, or a new game (the earlier game in this player's
    autosave kept under another name first); begin() has been called."""
    from engine.saves.slots import is_autosave

    transcripts = p.folder / "transcripts" if p.folder is not None else None
    own = slot if slot is not None and is_autosave(slot) else None  # continuing: keep saving there
    session = Session(story, store=p.store, student=student, class_name=class_name, transcripts=transcripts,
                      game=new_game(p.seed, p.chapter), autosave_slot=own,
                      resume_hint=resume_command(story, p, student))
    if slot:
        reply = session.load(slot)
    else:
        reply = session.set_aside()
        session.autosave()
    session.begin()
    reply.page = "scene"
    return session, reply
