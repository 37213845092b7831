"""The full terminal UI: prompt_toolkit for the screen, the input and the styled text.

One full-screen application with a header (place and the historical clock), the page (the
scene and its numbered choices, or the sources, disputes, history, status, help, saves, or
the scenario picker), a line for messages, the input line (completion and history of
commands) and a bottom toolbar with the place, the time and the keys. Pages are the blocks of
`engine.play.pages`, set by `engine.play.styled_lines` at the current width on every redraw, so a resize
re-flows the text (rich is not needed for the first screen, which keeps the start fast). Up and
Down choose, Enter or a mouse click takes; PageUp, PageDown and the mouse wheel scroll; F6 opens
the story so far. Esc answers at once (it is bound eagerly, so it never waits for, or eats, the
next key). A scenario with an unfinished game asks first: continue it, or start again? Ctrl-C and
Ctrl-D save and quit cleanly. With `--watch` (for authors) a background task looks at the scenario's
files every `engine.play.watcher.POLL_SECONDS` and reloads it as plain mode does (`engine.play.watcher`): the
path replayed into the new version, or the step that no longer fits named, or the errors of a version that
does not load shown in the message line while the game goes on. Imported only when the full UI runs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from prompt_toolkit.application import Application
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.completion import WordCompleter
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import ConditionalContainer, Float, FloatContainer, HSplit, Layout, Window
from prompt_toolkit.layout.controls import BufferControl, FormattedTextControl
from prompt_toolkit.layout.menus import CompletionsMenu
from prompt_toolkit.layout.processors import BeforeInput
from prompt_toolkit.mouse_events import MouseEvent, MouseEventType
from prompt_toolkit.output import create_output
from prompt_toolkit.styles import Style

from engine.base.safe_text import clean, clean_line
from engine.base.terminal import raw
from engine.play import pages, styled_lines
from engine.play.launcher import (
    OFFER_CHOICES,
    LaunchError,
    LaunchPlan,
    Opening,
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

    from engine.core.model import State, Story
    from engine.play.picker import Entry
    from engine.play.watcher import Watcher

MEASURE = 100  # the widest line of prose, for reading comfort on wide terminals
Mode = Literal["picker", "name", "offer", "game"]
WHEEL = 3  # lines scrolled by one turn of the mouse wheel

STYLE = Style.from_dict({
    "header": "reverse bold",
    "toolbar": "reverse",
    "message": "italic",
    "message.warning": "bold",
    "message.error": "bold fg:ansired",
    "prompt": "bold",
})


class Screen:
    """The state of the screen, and the application that shows it."""

    def __init__(self, p: LaunchPlan, args: argparse.Namespace) -> None:
        self.plan = p
        self.args = args
        self.session: Session | None = None
        self.story: Story | None = None
        self.items: list[Entry] = []
        self.mode: Mode = "game"
        self.page: str = "scene"  # the page shown: "scene", "picker", "name", or a command's page
        self.blocks: list[pages.PageBlock] = []
        self.note = ""
        self.previous: State | None = None  # before the last choice: what it changed stays shown
        self.selected = 0
        self.top = 0
        self.messages: list[tuple[str, str]] = []
        self.version = 0
        self.farewell: list[str] = []
        self._cache: tuple[tuple[int, int, int], list[StyleAndTextTuples], list[int], list[int | None]] | None = None
        self.offer: Opening | None = None  # "continue or start again?" is on screen
        self.student: str | None = None
        self.watcher: Watcher | None = None  # --watch: the scenario's files, looked at while the game runs
        self.buffer = Buffer(
            completer=WordCompleter(list(GAME_COMMANDS) + ["yes", "no"], ignore_case=True),
            history=InMemoryHistory(),
            multiline=False,
            accept_handler=self._accept,
            complete_while_typing=False,
        )
        self.body = Window(FormattedTextControl(self._body_text, focusable=False), wrap_lines=False)
        self.app: Application[None] = Application(
            layout=self._layout(), key_bindings=self._keys(), style=STYLE, full_screen=True,
            mouse_support=True, output=create_output(stdout=raw(sys.stdout)),
        )
        self.app.ttimeoutlen = 0.05  # a lone Esc byte is a key after 50 ms, not the start of a sequence
        self.app.timeoutlen = 0.05  # no key waits long for a longer binding (Esc itself is eager)

    # --- layout --------------------------------------------------------------------------------

    def _layout(self) -> Layout:
        input_window = Window(
            BufferControl(self.buffer, input_processors=[BeforeInput(self._prompt, style="class:prompt")]),
            height=1,
        )
        root = HSplit([
            Window(FormattedTextControl(self._header), height=self._header_height, wrap_lines=True,
                   style="class:header"),
            self.body,
            ConditionalContainer(Window(FormattedTextControl(self._message_text), wrap_lines=True,
                                        dont_extend_height=True),
                                 filter=Condition(lambda: bool(self.messages))),
            input_window,
            Window(FormattedTextControl(self._toolbar), height=1, style="class:toolbar"),
        ])
        floats = [Float(xcursor=True, ycursor=True, content=CompletionsMenu(max_height=8, scroll_offset=1))]
        return Layout(FloatContainer(root, floats), focused_element=input_window)

    def _prompt(self) -> str:
        if self.mode == "name":
            return "Your name: "
        return "> "

    @property
    def width(self) -> int:
        return max(10, self.app.output.get_size().columns)

    @property
    def height(self) -> int:
        rows = self.app.output.get_size().rows
        return max(1, rows - 2 - self._header_height() - self._message_height())

    def _header_lines(self) -> list[str]:
        import textwrap

        lines = textwrap.wrap(self._header_line(), width=max(8, self.width - 2), break_on_hyphens=False)
        return lines[:3] or [""]

    def _header_height(self) -> int:
        return len(self._header_lines())

    def _message_height(self) -> int:
        if not self.messages:
            return 0
        return sum(len(self._message_lines(text)) for _, text in self.messages)

    def _message_lines(self, text: str) -> list[str]:
        """A message set at the width, broken between words (a save's name is never cut in two)."""
        import textwrap

        return textwrap.wrap(clean_line(text), width=max(8, self.width - 1), break_on_hyphens=False) or [""]

    def _header_line(self) -> str:
        if self.mode == "game" and self.session is not None:
            return pages.header_line(self.session.story, self.session.state)
        if self.mode in ("name", "offer") and self.story is not None:
            return clean_line(self.story.title)
        return "Chronicle"

    def _header(self) -> StyleAndTextTuples:
        return [("", "\n".join(" " + line for line in self._header_lines()))]

    def _toolbar(self) -> StyleAndTextTuples:
        parts: list[str] = []
        if self.top + self.height < len(self._lines()[0]):
            parts.append("PgDn: more")
        if self.mode == "game" and self.session is not None:
            sc = self.session.scene()
            clock = pages.clock_line(self.session.story, self.session.state).rpartition(", ")[2]
            parts += [clean_line(sc.place), clock]
            if self.page == "scene" and not self.session.is_ending():
                parts.append("↑↓ Enter: choose")
            elif self.page != "scene":
                parts.append("Enter: back")
            parts += ["F1 help", "F2 sources", "F6 story so far", "quit"]
        elif self.mode == "offer":
            parts += ["↑↓ Enter: answer", "quit"]
        elif self.mode == "picker":
            parts += ["↑↓ Enter: start", "quit"]
        text = ""
        for part in parts:  # whole hints only, as many as fit
            longer = f"{text} · {part}" if text else part
            if len(longer) + 1 > self.width and text:
                break
            text = longer
        return [("", " " + text)]

    def _message_text(self) -> StyleAndTextTuples:
        out: StyleAndTextTuples = []
        for n, (level, text) in enumerate(self.messages):
            style = {"error": "class:message.error", "warning": "class:message.warning"}.get(level,
                                                                                            "class:message")
            out.append((style, ("\n" if n else "") + "\n".join(self._message_lines(text))))
        return out

    # --- the page ------------------------------------------------------------------------------

    def _selectable(self) -> int:
        return sum(1 for b in self.blocks if b.kind == "choice")

    def _lines(self) -> tuple[list[StyleAndTextTuples], list[int]]:
        """The page set at the current width: its lines, and the first line of each choice."""
        lines, starts, _ = self._set_page()
        return lines, starts

    def _set_page(self) -> tuple[list[StyleAndTextTuples], list[int], list[int | None]]:
        """The lines, the first line of each choice, and for each line the choice it shows (if any)."""
        key = (self.version, self.width, self.selected)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1], self._cache[2], self._cache[3]
        width = self.width
        measure = min(width, MEASURE) - (2 if width >= 40 else 0)
        margin = 2 if width >= 40 else 0
        lines: list[StyleAndTextTuples] = []
        starts: list[int] = []
        owners: list[int | None] = []
        choice_index = 0
        previous = ""
        for b in self.blocks:
            if b.kind == "header" and self.mode == "game":
                continue  # the header bar shows it
            if b.kind == "text" and previous == "text":
                lines.append([])
                owners.append(None)
            if b.kind == "choice":
                starts.append(len(lines))
                selected = choice_index == self.selected
                choice_index += 1
            else:
                selected = False
            previous = b.kind
            if b.kind == "gap":
                if lines and lines[-1]:
                    lines.append([])
                    owners.append(None)
                continue
            pad = ("", " " * (margin + 2 * b.level))
            owner = choice_index - 1 if b.kind == "choice" else None
            for line in styled_lines.block_lines(b, max(8, measure - 2 * b.level), selected):
                lines.append([pad, *line])
                owners.append(owner)
        self._cache = (key, lines, starts, owners)
        return lines, starts, owners

    def _body_text(self) -> StyleAndTextTuples:
        lines, _, owners = self._set_page()
        h = self.height
        self.top = max(0, min(self.top, len(lines) - h))
        out: StyleAndTextTuples = []
        for n, line in enumerate(lines[self.top: self.top + h]):
            handler = self._mouse(owners[self.top + n])
            if n:
                out.append(("", "\n", handler))
            out.extend((style, text, handler) for style, text, *_ in line)
        return out

    def _mouse(self, choice: int | None) -> Callable[[MouseEvent], None]:
        """The mouse on a line of the page: the wheel scrolls, a click on a choice takes it."""
        def handler(event: MouseEvent) -> None:
            if event.event_type == MouseEventType.SCROLL_UP:
                self.top = max(0, self.top - WHEEL)
            elif event.event_type == MouseEventType.SCROLL_DOWN:
                self.top += WHEEL
            elif event.event_type == MouseEventType.MOUSE_UP and choice is not None:
                self.messages = []
                self.selected = choice
                self._guard(lambda: self.handle(str(choice + 1)))
        return handler

    def _scroll_to_selected(self) -> None:
        lines, starts = self._lines()
        if not starts:
            return
        line = starts[min(self.selected, len(starts) - 1)]
        end = starts[self.selected + 1] if self.selected + 1 < len(starts) else line + 1
        h = self.height
        if line < self.top:
            self.top = line
        elif end > self.top + h:
            self.top = max(0, end - h)

    def show(self, page: str, blocks: list[pages.PageBlock]) -> None:
        self.page = page
        self.blocks = blocks
        self.selected = 0
        self.top = 0
        self.version += 1

    def show_reply(self, reply: Reply) -> None:
        session = self.session
        assert session is not None
        page = reply.page
        if page == "scene":
            self.note, self.previous = reply.note, reply.previous
            self.show("scene", pages.scene_page(session, self.note, self.previous))
        elif page == "help":
            self.show("help", pages.help_page(full_ui=True) + _back())
        elif page == "sources":
            self.show("sources", pages.sources_page(session) + _back())
        elif page == "disputes":
            self.show("disputes", pages.disputes_page(session) + _back())
        elif page == "history":
            self.show("history", pages.history_page(session) + _back())
        elif page == "status":
            self.show("status", pages.status_page(session) + _back())
        elif page == "saves":
            self.show("saves", pages.slots_page(reply.slots) + _back())
        elif page == "story":
            self.show("story", pages.story_page(session) + _back())
            self.top = 1 << 30  # the end of the story: the current scene; scroll up to read back
        self.messages += [*session.take_notices(), *reply.messages]
        if reply.quit:
            self.farewell = [text for _, text in reply.messages]
            self.app.exit()

    # --- input ---------------------------------------------------------------------------------

    def _accept(self, buffer: Buffer) -> bool:
        text = buffer.text
        after_error = any(level == "error" for level, _ in self.messages)
        self.messages = []
        if after_error and not text.strip() and self.mode in ("game", "offer"):
            self._scroll_to_selected()  # an empty Enter after an error only clears it
            return False
        self._guard(lambda: self.handle(text))
        return False

    def _guard(self, action: Callable[[], None]) -> None:
        try:
            action()
        except Exception as exc:  # a player never sees a traceback
            self.messages = [("error", f"Something went wrong: {type(exc).__name__}: {exc}")]

    def handle(self, text: str) -> None:
        word = " ".join(text.split())
        if self.mode == "picker":
            self._pick(word)
        elif self.mode == "name":
            self._name(word)
        elif self.mode == "offer":
            self._answer(word)
        elif self.session is not None:
            if not word and self.session.pending is None:
                if self.page != "scene":
                    self.show_reply(Reply("scene", note=self.note, previous=self.previous))
                elif self._selectable():
                    self.show_reply(self.session.take(self.selected + 1))
                return
            self.show_reply(self.session.handle(word))

    def _pick(self, word: str) -> None:
        from engine.play import picker

        low = word.lower()
        if low in ("quit", "q", "exit"):
            self.app.exit()
            return
        if not self.items:
            return
        entry = picker.pick(self.items, word) if word else self.items[self.selected]
        if entry is None:
            self.messages = [("error", f"Type a number from 1 to {len(self.items)}, or quit.")]
            return
        try:
            story = load_playable(entry.path)
        except LaunchError as exc:
            self.messages = [("error", line) for line in str(exc).splitlines()[:6]]
            return
        self.start(story)

    def _name(self, word: str) -> None:
        if not word:
            self.messages = [("error", "Type your name, then Enter.")]
            return
        assert self.story is not None
        self._begin(self.story, word)

    def start(self, story: Story) -> None:
        """A scenario is open: ask for the student's name if a class needs one, then play."""
        self.story = story
        if self.args.class_name and not self.args.student:
            self.mode = "name"
            self.show("name", [pages.block("title", story.title), pages.GAP,
                               pages.block("text", f"Class {self.args.class_name}: type your name and press "
                                                    "Enter. It is written in your transcript for your teacher.")])
            return
        self._begin(story, self.args.student)

    def _begin(self, story: Story, student: str | None, start: Opening | None = None) -> None:
        """Open the game, first asking "continue or start again?" if the player has an unfinished one."""
        self.story, self.student = story, student
        if start is None:
            try:
                start = opening(story, self.plan, student, interactive=True)
            except LaunchError as exc:
                self.messages = [("error", line) for line in str(exc).splitlines()[:8]]
                return
        if start.offer is not None:
            self.offer = start
            self.mode = "offer"
            self.show("offer", [pages.block("title", story.title), pages.GAP,
                                pages.block("text", f"{describe(start.offer)}."), pages.GAP,
                                *[pages.block("choice", t, number=n) for n, t in enumerate(OFFER_CHOICES, 1)]])
            return
        self._open(story, student, start.slot, start.message)

    def _open(self, story: Story, student: str | None, slot: str | None, message: str = "") -> None:
        session, reply = open_session(story, self.plan, student, self.args.class_name, slot=slot)
        self.session = session
        self.mode = "game"
        self.offer = None
        if getattr(self.args, "watch", False) and story.folder:
            from pathlib import Path

            from engine.play.watcher import Watcher

            self.watcher = Watcher(Path(story.folder))
        if message:
            reply.say(message)
        if self.plan.notice:
            reply.say(self.plan.notice, "warning")
        self.show_reply(reply)

    def _answer(self, word: str) -> None:
        assert self.offer is not None and self.offer.offer is not None and self.story is not None
        if word.lower() in ("quit", "q", "exit"):
            self.app.exit()
            return
        answer = answer_offer(word) if word else self.selected == 0
        if answer is None:
            self.messages = [("error", "Type 1 to continue your game or 2 to start again (or quit).")]
            return
        self._open(self.story, self.student, self.offer.offer.slot if answer else None)

    # --- live reload (--watch) -----------------------------------------------------------------

    def start_watching(self) -> None:
        """Run with the application: the background task that looks at the scenario's files."""
        if getattr(self.args, "watch", False):
            self.app.create_background_task(self._watch())

    async def _watch(self) -> None:
        from engine.play.watcher import POLL_SECONDS

        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                changed = self.reload()
            except Exception as exc:  # an author never sees a traceback either: said, and the game goes on
                self.messages = [("error", f"Could not reload the scenario: {type(exc).__name__}: {exc}")]
                changed = True
            if changed:
                self.app.invalidate()

    def reload(self) -> bool:
        """A changed scenario loaded again and put into the game, as plain mode does; True if the screen changed."""
        if self.watcher is None or self.session is None or self.mode != "game":
            return False
        from engine.play.watcher import apply

        changed = self.watcher.poll(self.session.state)
        if changed is None:
            return False
        reply = apply(self.session, changed)
        self.messages = []
        self._guard(lambda: self.show_reply(reply))
        return True

    def picker(self) -> None:
        from engine.play import picker

        self.items = picker.entries()
        self.mode = "picker"
        self.show("picker", picker.blocks(self.items, full_ui=True))

    def leave(self) -> None:
        """Save and close the game (once); the farewell is printed after the screen closes."""
        if self.session is not None and not self.farewell:
            reply = self.session.quit()
            self.farewell = [text for _, text in reply.messages]
            self.farewell += [text for _, text in self.session.take_notices()]

    def quit(self) -> None:
        self.leave()
        if self.app.is_running:
            self.app.exit()

    def _keys(self) -> KeyBindings:
        kb = KeyBindings()
        empty = Condition(lambda: not self.buffer.text)
        choosing = Condition(lambda: self._selectable() > 0) & empty

        @kb.add("up", filter=choosing)
        def _up(event: KeyPressEvent) -> None:
            self.selected = (self.selected - 1) % self._selectable()
            self._scroll_to_selected()

        @kb.add("down", filter=choosing)
        def _down(event: KeyPressEvent) -> None:
            self.selected = (self.selected + 1) % self._selectable()
            self._scroll_to_selected()

        @kb.add("up", filter=~choosing & empty)
        def _line_up(event: KeyPressEvent) -> None:
            self.top = max(0, self.top - 1)

        @kb.add("down", filter=~choosing & empty)
        def _line_down(event: KeyPressEvent) -> None:
            self.top += 1

        @kb.add("pageup")
        def _page_up(event: KeyPressEvent) -> None:
            self.top = max(0, self.top - max(1, self.height - 2))

        @kb.add("pagedown")
        def _page_down(event: KeyPressEvent) -> None:
            self.top += max(1, self.height - 2)

        @kb.add("escape", eager=True)
        def _back(event: KeyPressEvent) -> None:
            """At once, never waiting to see if it starts an Alt+key: the next key stays a key."""
            if self.mode == "game" and self.page != "scene":
                self.messages = []
                self.show_reply(Reply("scene", note=self.note, previous=self.previous))
            elif self.buffer.text:
                self.buffer.reset()

        def page(name: str) -> None:
            if self.mode == "game" and self.session is not None:
                self.messages = []
                self.show_reply(Reply(name))  # type: ignore[arg-type]

        for key, name in (("f1", "help"), ("f2", "sources"), ("f3", "disputes"), ("f4", "history"),
                          ("f5", "status"), ("f6", "story")):
            kb.add(key)(lambda event, name=name: page(name))

        @kb.add("c-c")
        @kb.add(Keys.SIGINT)
        def _interrupt(event: KeyPressEvent) -> None:
            self.quit()

        @kb.add("c-d", filter=empty)
        def _eof(event: KeyPressEvent) -> None:
            self.quit()

        return kb


def _back() -> list[pages.PageBlock]:
    return [pages.GAP, pages.block("hint", "Enter or Esc: back to the scene.")]


def main(args: argparse.Namespace) -> int:
    try:
        p = plan(args)
        story = load_playable(p.scenario) if p.scenario is not None else None
        if story is not None:
            check_chapter(story, p.chapter)
    except LaunchError as exc:
        print(clean(f"chronicle: {exc}"), file=sys.stderr)
        return 1
    screen = Screen(p, args)
    if story is None:
        screen.picker()
    elif args.class_name and not args.student:
        screen.start(story)
    else:
        try:  # --continue naming no one in a folder of several players: the list, before any screen
            start = opening(story, p, args.student, interactive=True)
        except LaunchError as exc:
            print(clean(f"chronicle: {exc}"), file=sys.stderr)
            return 1
        screen.story = story
        screen._begin(story, args.student, start)
    try:
        screen.app.run(pre_run=screen.start_watching)
    except KeyboardInterrupt:
        pass
    finally:
        screen.leave()
    for line in screen.farewell:
        print(clean(line))
    return 0
