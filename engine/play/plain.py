"""Plain mode: the game as clean, linear text, for pipes, scripts, tests and screen readers.

No colour, no boxes, nothing but lines of text. Each turn prints what changed and reads one
line: a choice number or a command; after a command's output the open choices are shown again.
When stdin is a terminal (and TERM is not dumb) the line is read with prompt_toolkit's prompt:
line editing, history (Up, Down) and Tab completion of commands. When stdin is not a terminal
the line is read plainly and echoed after the prompt, so the output reads as a transcript.
End of input autosaves and exits 0; Ctrl-C exits 130 without a traceback; a closed pipe
ends the game quietly. Never imports rich, and prompt_toolkit only for a terminal.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from engine.base.safe_text import clean, clean_line
from engine.play import pages
from engine.play.launcher import (
    OFFER_CHOICES,
    LaunchError,
    LaunchPlan,
    answer_offer,
    check_chapter,
    describe,
    load_playable,
    open_session,
    opening,
    plan,
)
from engine.play.session import GAME_COMMANDS, Reply, Session

if TYPE_CHECKING:
    from engine.play.watcher import Watcher
    from engine.saves.store import SlotInfo

PROMPT = "> "
MAX_LINE = 4096


class Plain:
    def __init__(self, stdin: TextIO, stdout: TextIO, stderr: TextIO, *, line_editing: bool | None = None) -> None:
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.interactive = _isatty(stdin)
        self.echo = not self.interactive
        if line_editing is None:
            line_editing = self.interactive and _isatty(stdout) and os.environ.get("TERM", "") != "dumb"
        self._prompt: Any = _prompt_session() if line_editing else None

    @property
    def width(self) -> int:
        import shutil

        return max(10, shutil.get_terminal_size((80, 24)).columns)

    def show(self, blocks: list[pages.PageBlock]) -> None:
        self.stdout.write(pages.to_plain(blocks, self.width))
        self.stdout.flush()

    def say(self, messages: Sequence[tuple[str, str]]) -> None:
        if messages:
            kinds = {"info": "message", "warning": "message", "error": "error"}
            self.show([pages.block(kinds.get(level, "message"), text) for level, text in messages])  # type: ignore[arg-type]

    def ask(self, prompt: str = PROMPT) -> str | None:
        """One line of input, or None at end of input."""
        if self._prompt is not None:
            try:
                typed = str(self._prompt.prompt(prompt))[:MAX_LINE]
            except EOFError:
                self.stdout.write("\n")
                self.stdout.flush()
                return None
            self.stdout.write("\n")
            self.stdout.flush()
            return typed
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline(MAX_LINE)
        if not line:
            self.stdout.write("\n")
            self.stdout.flush()
            return None
        if not line.endswith("\n"):  # an over-long line: drop the rest of it
            while True:
                rest = self.stdin.readline(MAX_LINE)
                if not rest or rest.endswith("\n"):
                    break
        line = line.rstrip("\r\n")
        if self.echo:
            self.stdout.write(clean_line(line)[:200] + "\n")
        self.stdout.write("\n")
        self.stdout.flush()
        return line

    def error(self, text: str) -> None:
        self.stderr.write(clean(f"chronicle: {text}") + "\n")
        self.stderr.flush()

    # --- the game ------------------------------------------------------------------------------

    def pick_scenario(self) -> str | None:
        from engine.play import picker

        items = picker.entries()
        self.show(picker.blocks(items))
        if not items:
            return None
        while True:
            line = self.ask()
            if line is None or line.strip().lower() in ("quit", "q", "exit"):
                return None
            entry = picker.pick(items, line)
            if entry is not None:
                return entry.path
            self.say([("error", f"Type a number from 1 to {len(items)}, or quit.")])

    def run(self, args: argparse.Namespace) -> int:
        try:
            p = plan(args)
        except LaunchError as exc:
            self.error(str(exc))
            return 1
        ref = p.scenario if p.scenario is not None else self.pick_scenario()
        if ref is None:
            return 0
        try:
            story = load_playable(ref)
            check_chapter(story, p.chapter)
        except LaunchError as exc:
            self.error(str(exc))
            return 1
        student = args.student
        if args.class_name and not student:
            self.show([pages.block("text", f"Class {args.class_name}: type your name, then Enter.")])
            student = self.ask("Name: ")
            if student is None:
                return 0
            student = " ".join(student.split()) or None
        try:
            start = opening(story, p, student, interactive=self.interactive)
        except LaunchError as exc:
            self.error(str(exc))
            return 1
        slot = start.slot
        if start.offer is not None:
            answer = self.offer(start.offer)
            if answer is None:
                return 0
            slot = start.offer.slot if answer else None
        session, reply = open_session(story, p, student, args.class_name, slot=slot)
        if start.message:
            reply.say(start.message)
        if p.notice:
            reply.say(p.notice, "warning")
        watcher = None
        if getattr(args, "watch", False) and story.folder:
            from engine.play.watcher import Watcher

            watcher = Watcher(Path(story.folder))
        return self.loop(session, reply, p, watcher)

    def offer(self, info: SlotInfo) -> bool | None:
        """Continue the unfinished game (True) or start again (False)? None: the player left."""
        self.show([pages.block("text", f"{describe(info)}."), pages.GAP,
                   *[pages.block("choice", text, number=n) for n, text in enumerate(OFFER_CHOICES, 1)]])
        while True:
            line = self.ask()
            if line is None or line.strip().lower() in ("quit", "q", "exit"):
                return None
            answer = answer_offer(line)
            if answer is not None:
                return answer
            self.say([("error", "Type 1 to continue your game or 2 to start again (or quit).")])

    def loop(self, session: Session, reply: Reply, p: LaunchPlan, watcher: Watcher | None = None) -> int:
        first = True
        try:
            while True:
                self.respond(session, reply)
                if watcher is not None:
                    reply = self.reload(session, watcher, reply)
                if reply.quit:
                    return 0
                if first and not session.is_ending():
                    self.show([pages.block("hint", "Type a number to choose, or help for the commands.")])
                    first = False
                line = self.ask()
                if line is None:
                    session.close()
                    self.say(session.take_notices())
                    if session.store is not None and session.autosave_slot is not None:
                        self.show([pages.block("message", "Input ended. Your game is saved; "
                                                           f"{session.resume_hint} resumes it.")])
                    return 0
                if watcher is not None:  # a file saved while the player was typing: the new version first
                    changed = watcher.poll(session.state)
                    if changed is not None:
                        from engine.play.watcher import apply

                        self.respond(session, apply(session, changed))
                reply = session.handle(line)
        except KeyboardInterrupt:
            session.close()
            try:
                self.stdout.write("\n")
                self.stdout.flush()
            except (OSError, ValueError):
                pass
            return 130
        except BrokenPipeError:
            session.close()
            raise

    def reload(self, session: Session, watcher: Watcher, reply: Reply) -> Reply:
        """Before the prompt: a scenario that changed is loaded again and shown (`--watch`)."""
        changed = watcher.poll(session.state)
        if changed is None:
            return reply
        from engine.play.watcher import apply

        shown = apply(session, changed)
        self.respond(session, shown)
        return shown

    def respond(self, session: Session, reply: Reply) -> None:
        blocks: list[pages.PageBlock] = []
        if reply.page == "scene":
            blocks = pages.scene_page(session, reply.note, reply.previous)
        elif reply.page == "help":
            blocks = pages.help_page()
        elif reply.page == "sources":
            blocks = pages.sources_page(session)
        elif reply.page == "disputes":
            blocks = pages.disputes_page(session)
        elif reply.page == "history":
            blocks = pages.history_page(session)
        elif reply.page == "status":
            blocks = pages.status_page(session)
        elif reply.page == "story":
            blocks = pages.story_page(session)
        elif reply.page == "saves":
            blocks = pages.slots_page(reply.slots)
        messages = [*session.take_notices(), *reply.messages]
        if blocks:
            self.show(blocks)
            if messages:
                self.stdout.write("\n")
        self.say(messages)
        if reply.page != "scene" and not reply.quit and session.pending is None and not session.is_ending():
            if blocks or messages:
                self.stdout.write("\n")
            self.show(pages.choice_blocks(session))  # after any command, the choices again


def _prompt_session() -> Any:
    """prompt_toolkit's line editor: editing keys, history, Tab completion of the commands."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import WordCompleter
    from prompt_toolkit.history import InMemoryHistory
    from prompt_toolkit.output import create_output

    from engine.base.terminal import raw

    # the line editor draws with cursor movements: it writes to the terminal itself, not through the
    # writer that removes control sequences (what it echoes is the player's own typing)
    return PromptSession(completer=WordCompleter([*GAME_COMMANDS, "yes", "no"], ignore_case=True),
                         history=InMemoryHistory(), complete_while_typing=False, enable_suspend=False,
                         output=create_output(stdout=raw(sys.stdout)))


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def main(args: argparse.Namespace) -> int:
    """Plain mode on the process's stdin and stdout."""
    for stream in (sys.stdout, sys.stderr):  # an ASCII or Latin-1 terminal gets '?' for what it cannot show
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):
                pass
    game = Plain(sys.stdin, sys.stdout, sys.stderr)
    try:
        return game.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        try:  # stdout is gone: silence the interpreter's complaint when it flushes at exit
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except OSError:
            pass
        return 0
