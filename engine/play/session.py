"""A game in progress, for any front end: the story, the state, and every command a player has.

`Session` holds the story and the current `State`, reads a line of input (a number or a
command), calls the pure machine, autosaves after every choice, writes the transcript, and
answers with a `Reply` that says what to show next. It never prints and imports nothing of
the terminal: `engine.play.plain` and `engine.play.tui` are thin shells around it and show the pages
built by `engine.play.pages`.

Failures of saving or of the transcript never stop the game: the player is told once, and
play goes on.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from engine.base.diagnostics import did_you_mean
from engine.base.valueclass import ValueClass
from engine.core import machine
from engine.core.model import Choice, Game, Scene, State, Story
from engine.core.order import arrange
from engine.core.prose import render

if TYPE_CHECKING:
    from engine.saves.store import SaveStore
    from engine.saves.transcript import Transcript

Page = Literal["scene", "help", "sources", "disputes", "history", "status", "saves", "story"]
Level = Literal["info", "warning", "error"]

GAME_COMMANDS: tuple[str, ...] = ("help", "sources", "disputes", "history", "story", "status", "save", "load",
                             "undo", "restart", "quit", "choices")
ALIASES = {"h": "help", "?": "help", "exit": "quit", "q": "quit", "bye": "quit", "u": "undo", "back": "undo",
           "source": "sources", "record": "sources", "dispute": "disputes", "path": "history",
           "saves": "load", "look": "scene", "l": "scene", "again": "scene", "choices": "scene", "c": "scene",
           "so-far": "story", "scrollback": "story"}
YES = frozenset({"y", "yes"})
NO = frozenset({"n", "no"})
MAX_INPUT = 1000


class Reply(ValueClass):
    """What to show after a line of input.

    Written out rather than a dataclass (the same `__init__`, `__repr__` and `__eq__`, unhashable):
    creating a dataclass costs start-up time (issue 16)."""

    __match_args__ = ("page", "note", "messages", "slots", "quit", "previous")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, page: Page | None = None, note: str = "", messages: list[tuple[Level, str]] | None = None,
                 slots: list[tuple[str, str]] | None = None, quit: bool = False, previous: State | None = None) -> None:
        self.page = page  # a page to show; "scene" when the scene changed or is shown again
        self.note = note  # the note of the choice just taken, shown before the next scene
        self.messages: list[tuple[Level, str]] = [] if messages is None else messages
        self.slots: list[tuple[str, str]] = [] if slots is None else slots  # for page "saves"
        self.quit = quit
        self.previous = previous  # the state before the choice just taken (to show what changed)

    def say(self, text: str, level: Level = "info") -> Reply:
        self.messages.append((level, text))
        return self


class _Pending(ValueClass):
    """A question waiting for the player's answer, and what confirming it does."""

    __match_args__ = ("question", "action")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, question: str, action: Callable[[], Reply]) -> None:
        self.question = question
        self.action = action


def new_game(seed: int | None = None, chapter: str | None = None, *, shuffled: bool = True) -> Game:
    """A new game: a fresh random id, the given seed (a random one when None and `shuffled`)."""
    if seed is None and shuffled:
        seed = int.from_bytes(os.urandom(4), "big")  # secrets.randbits(32), without importing `random`
    return Game(os.urandom(8).hex(), seed, chapter)  # secrets.token_hex(8)


class Session:
    def __init__(self, story: Story, *, state: State | None = None, store: SaveStore | None = None,
                 student: str | None = None, class_name: str | None = None,
                 transcripts: Path | None = None, clock: Callable[[], float] = time.monotonic,
                 game: Game | None = None, autosave_slot: str | None = None, resume_hint: str = "") -> None:
        from engine.saves.slots import autosave_slot as default_slot

        self.story = story
        # without a game (tests, tools), the choices are shown in the author's order
        self.game = game if game is not None else new_game(shuffled=False)
        self.origin = machine.chapter_start(story, self.game.chapter)  # where undo and restart stop
        self.state = state if state is not None else self.origin
        self.store = store
        self.student = student
        self.class_name = class_name
        self.transcripts = transcripts
        # the slot this game autosaves to; None when autosaving is stopped (an earlier game in it
        # could not be kept elsewhere, and is never overwritten)
        self.autosave_slot: str | None = autosave_slot or default_slot(story.id, student)
        self.resume_hint = resume_hint or "chronicle play --continue"
        self.transcript: Transcript | None = None
        self._clock = clock
        self._shown_at = clock()
        self._told: set[str] = set()
        self._pending: _Pending | None = None
        self._ended = False  # the transcript has the ending of this state
        self.notices: list[tuple[Level, str]] = []  # one-time failure notices, for the front end

    def swap(self, story: Story, state: State) -> None:
        """Go on in a new version of the story (live reload), at `state` (the path replayed into it)."""
        self.story, self.state, self._ended = story, state, False
        try:
            self.origin = machine.chapter_start(story, self.game.chapter)
        except (KeyError, machine.ChoiceError):
            self.game, self.origin = self.game._replace(chapter=None), machine.start(story)
        self.autosave()

    # --- what is on screen -------------------------------------------------------------------

    def scene(self) -> Scene:
        return machine.scene(self.story, self.state)

    def is_ending(self) -> bool:
        return machine.is_ending(self.story, self.state)

    def rows(self) -> list[tuple[int | None, Choice, str | None]]:
        """The choices to show: (number, choice, None) if open, (None, choice, reason) if closed
        with a reason the author gave; closed choices without one are hidden."""
        out: list[tuple[int | None, Choice, str | None]] = []
        n = 0
        points = machine.choice_points(self.story, self.state)
        if self.state.scene not in self.story.fixed_order:
            points = tuple(arrange(points, self.game.seed, self.state.scene))
        for choice, is_open in points:
            if is_open:
                n += 1
                out.append((n, choice, None))
            elif choice.locked:
                out.append((None, choice, choice.locked))
        return out

    def open_choices(self) -> list[Choice]:
        return [c for n, c, _ in self.rows() if n is not None]

    @property
    def pending(self) -> str | None:
        """A yes/no question waiting for an answer, if any."""
        return self._pending.question if self._pending else None

    # --- the life of a playthrough -----------------------------------------------------------

    def begin(self) -> None:
        """Call once, when the first scene is shown: opens the transcript."""
        self._open_transcript()
        self._shown()

    def _open_transcript(self) -> None:
        if self.transcripts is None:
            return
        from engine.saves.transcript import Transcript

        if self.transcript is not None:
            self.transcript.close()
        self.transcript = Transcript(self.transcripts, self.story, self.student, self.class_name,
                                     game=self.game, given=self.origin.path)
        self._ended = False
        self._check_transcript()

    def _shown(self) -> None:
        """A (new) scene is on screen: log it and start timing the decision."""
        self._shown_at = self._clock()
        if self.transcript is not None:
            self.transcript.scene(self.state)
            if self.is_ending() and not self._ended:
                self.transcript.ending(self.state)
                self._ended = True
            self._check_transcript()

    def _check_transcript(self) -> None:
        if self.transcript is not None and self.transcript.error:
            self._tell_once("transcript", f"The transcript could not be written ({self.transcript.error}); "
                                          "the game goes on.")

    def _tell_once(self, key: str, text: str) -> None:
        if key not in self._told:
            self._told.add(key)
            self.notices.append(("warning", text))

    def take_notices(self) -> list[tuple[Level, str]]:
        out, self.notices = self.notices, []
        return out

    def autosave(self) -> None:
        if self.store is None or self.autosave_slot is None:
            return
        from engine.saves.store import SaveError

        try:
            self.store.autosave(self.story, self.state, self.game, self.autosave_slot)
        except (SaveError, OSError) as exc:
            self._tell_once("autosave", f"The game could not be saved automatically ({exc}); "
                                        "the game goes on.")

    def set_aside(self) -> Reply:
        """Before another game takes this game's autosave: keep the game it holds under a new name
        (said in the reply). If that fails, autosaving stops, so the earlier game is never lost."""
        reply = Reply()
        if self.store is None or self.autosave_slot is None:
            return reply
        from engine.saves.store import SaveError

        try:
            kept = self.store.set_aside(self.autosave_slot, self.student)
        except (SaveError, OSError) as exc:
            self.autosave_slot = None
            return reply.say(f"Your earlier game could not be kept under another name ({exc}), so this "
                             "game is not saved automatically and the earlier one stays as it was. "
                             "Type save NAME to save this one.", "warning")
        if kept:
            reply.say(f'Your earlier game is kept as "{kept}"; type load {kept} to go back to it.')
        return reply

    def close(self) -> None:
        """Leave: autosave and close the transcript. Safe to call more than once."""
        self.autosave()
        if self.transcript is not None:
            self.transcript.close()
            self._check_transcript()
            self.transcript = None

    # --- input -------------------------------------------------------------------------------

    def handle(self, line: str) -> Reply:
        """One line of input: a choice number, a command, or an answer to a pending question."""
        text = " ".join(line[:MAX_INPUT].split())
        if self._pending is not None:
            pending, self._pending = self._pending, None
            word = text.lower()
            if word in YES:
                return pending.action()
            if word in NO or not word:
                return Reply().say("Cancelled.")
            reply = self.handle(text)
            reply.messages.insert(0, ("info", "Cancelled."))
            return reply
        if not text:
            return Reply()
        word, _, rest = text.partition(" ")
        rest = rest.strip()
        if word.isdigit():
            return self.take(int(word[:6]))
        word = word.lower()
        word = ALIASES.get(word, word)
        if word == "scene":
            return Reply("scene")
        if word in ("help", "sources", "disputes", "history", "status"):
            return Reply(word)  # type: ignore[arg-type]
        if word == "save":
            return self.save(rest or self.story.id)
        if word == "load":
            return self.load(rest) if rest else self.list_saves()
        if word == "undo":
            return self.undo()
        if word == "restart":
            return self.ask("Start again from the beginning? (yes or no)", self.restart)
        if word == "quit":
            return self.quit()
        if word == "story":
            return Reply("story")
        hint = did_you_mean(word, GAME_COMMANDS)
        return Reply().say(f'"{text[:40]}" is not a choice or a command'
                           + (f"; {hint}" if hint else ".") + " Type help for the list.", "error")

    def ask(self, question: str, action: Callable[[], Reply]) -> Reply:
        self._pending = _Pending(question, action)
        return Reply().say(question)

    def take(self, number: int) -> Reply:
        if self.is_ending():
            return Reply().say("The story has ended. Type restart, undo or quit.", "error")
        rows = self.rows()
        opened = [c for n, c, _ in rows if n is not None]
        if not 1 <= number <= len(opened):
            span = "1" if len(opened) == 1 else f"1 to {len(opened)}"
            return Reply().say(f"There is no choice {number}: type {span}, or help.", "error")
        choice = opened[number - 1]
        before = self.state
        seconds = self._clock() - self._shown_at
        shown = render(self.story, self.state, choice.text)
        self.state = machine.choose(self.story, self.state, choice)
        if self.transcript is not None:
            self.transcript.choice(choice, self.state, seconds, shown)
        self.autosave()
        self._shown()
        return Reply("scene", note=render(self.story, self.state, choice.note), previous=before)

    def undo(self) -> Reply:
        if len(self.state.path) <= len(self.origin.path):
            where = "the beginning" if self.game.chapter is None else "where this chapter begins"
            return Reply().say(f"Nothing to undo: this is {where}.", "error")
        self.state = machine.undo(self.story, self.state)
        self._ended = False
        if self.transcript is not None:
            self.transcript.undo(self.state)
        self.autosave()
        self._shown()
        return Reply("scene").say("You take back your last choice.")

    def restart(self) -> Reply:
        """Start again: like undoing every choice (the same game and transcript, one playthrough).
        The game so far is kept first, loadable under a name of its own."""
        self.autosave()  # the game so far is in the autosave, and is kept from there
        kept = self.set_aside()
        self.state = self.origin
        self._ended = False
        if self.transcript is not None:
            self.transcript.restart(self.state)
        self.autosave()
        self._shown()
        reply = Reply("scene").say("You start again from the beginning"
                                   + (" of the chapter." if self.game.chapter else "."))
        reply.messages += kept.messages
        return reply

    def quit(self) -> Reply:
        self.close()
        reply = Reply(quit=True)
        if self.store is not None and self.autosave_slot is not None:
            reply.say(f"Your game is saved. To carry on later: {self.resume_hint}")
        return reply

    # --- saves -------------------------------------------------------------------------------

    def save(self, name: str) -> Reply:
        if self.store is None:
            return Reply().say("Saving is not available.", "error")
        from engine.saves.store import SaveError

        try:
            path = self.store.save(name, self.story, self.state, self.game)
        except (SaveError, OSError) as exc:
            return Reply().say(f"Not saved: {exc}", "error")
        return Reply().say(f'Saved as "{name}" ({path.name}). To load it: load {name}')

    def list_saves(self) -> Reply:
        if self.store is None:
            return Reply().say("Saving is not available.", "error")
        from engine.saves.store import SaveError

        try:
            slots = self.store.slots()
        except (SaveError, OSError) as exc:
            return Reply().say(f"Cannot list the saves: {exc}", "error")
        rows: list[tuple[str, str]] = []
        for info in slots:
            if info.problem:
                detail = f"cannot be loaded: {info.problem}"
            else:
                where = ", ".join(x for x in (info.title or info.scenario, info.place, info.clock) if x)
                saved = info.saved_at[:16].replace("T", " ")
                detail = f"{where}; saved {saved} UTC" if saved else where
            rows.append((info.slot, detail))
        reply = Reply("saves", slots=rows)
        if rows:
            reply.say("Type load NAME to load one.")
        return reply

    def load(self, name: str, *, use_backup: bool = False) -> Reply:
        if self.store is None:
            return Reply().say("Saving is not available.", "error")
        from engine.saves.store import SaveError, SaveMismatch

        try:
            scenario = self.store.scenario_of(name)
            if scenario and scenario != self.story.id:
                return Reply().say(f'"{name}" is a save of the scenario "{scenario}". To play it: '
                                   f"chronicle play {scenario} --load {name}", "error")
            loaded = self.store.load(name, self.story, use_backup=use_backup)
        except SaveMismatch as exc:
            partial, step = exc.partial, exc.step - 1

            def accept() -> Reply:
                return self._resume(partial, f'Loaded "{name}" up to step {step}.', name)

            return self.ask(f"{exc} Continue from there? (yes or no)", accept)
        except SaveError as exc:
            if exc.backup_available and not use_backup:
                return self.ask(f"{exc} Load the previous version of this save instead? (yes or no)",
                                lambda: self.load(name, use_backup=True))
            return Reply().say(f"Not loaded: {exc}", "error")
        except OSError as exc:
            return Reply().say(f"Not loaded: {exc}", "error")
        notice = str(getattr(loaded, "notice", "") or "")
        said = "Your game continues." if name == self.autosave_slot else f'Loaded "{name}".'
        reply = self._resume(loaded.state, said, name, loaded.game)
        if notice:
            reply.say(notice, "warning")
        return reply

    def _adopt(self, game: Game) -> None:
        """Go on with a loaded game: its id, order and chapter (and a transcript of its own)."""
        try:
            origin = machine.chapter_start(self.story, game.chapter)
        except (KeyError, machine.ChoiceError):
            game, origin = game._replace(chapter=None), machine.start(self.story)
        self.game, self.origin = game, origin
        if self.transcript is not None:  # the transcript of another game: this one gets its own
            self._open_transcript()

    def _resume(self, state: State, message: str, slot: str, game: Game | None = None) -> Reply:
        kept = Reply()
        if slot != self.autosave_slot:  # another game takes the autosave: keep the one it holds
            if self.state.path:
                self.autosave()
            kept = self.set_aside()
        if game is not None and game != self.game:
            self._adopt(game)
        self.state = state
        self._ended = False
        self.autosave()
        self._shown()
        reply = Reply("scene").say(message)
        reply.messages += kept.messages
        return reply


def plain_requested(args_plain: bool, env: dict[str, str] | None = None, *, stdin_tty: bool,
                    stdout_tty: bool) -> bool:
    """Plain mode: asked for, no terminal on either side, NO_COLOR set, or TERM=dumb (unless FORCE_COLOR
    asks for colour: the full UI, which needs a terminal on both sides all the same)."""
    import os

    from engine.base import colour

    env = dict(os.environ) if env is None else env
    if args_plain or not stdin_tty or not stdout_tty:
        return True
    return not colour.wanted(True, env)
