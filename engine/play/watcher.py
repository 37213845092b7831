"""Live reload for `chronicle play --watch`: notice that a scenario's files changed, load the new version, and
carry the game over by replaying its path of stable choice ids — or say which step no longer fits.

Pure of the terminal: the front ends ask `Watcher.poll()` between keys or lines (plain mode) or every
`POLL_SECONDS` (the full-screen UI), put its answer into the game with `apply` and show the reply it gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.base.diagnostics import ChronicleError, Diagnostic
from engine.base.paths import scenario_files
from engine.build.loader import load_story
from engine.core import machine
from engine.core.model import State, Story
from engine.play.session import Reply, Session

POLL_SECONDS = 0.25  # how often the full-screen UI looks at the files' times and sizes
SHOWN_PROBLEMS = 5  # the diagnostics shown with a version that does not load

Snapshot = tuple[tuple[str, int, int], ...]


def folder_snapshot(folder: Path) -> Snapshot:
    """Each scenario file's name, modification time and size: any save changes it."""
    out = []
    for f in scenario_files(folder):
        try:
            st = f.stat()
        except OSError:
            continue
        out.append((str(f), st.st_mtime_ns, st.st_size))
    return tuple(out)


@dataclass
class Reload:
    """What a change of the files did to the game."""

    story: Story | None = None  # the new version, or None when it does not load
    state: State | None = None  # the game carried over (None: keep playing the old version)
    message: str = ""
    problems: list[Diagnostic] = field(default_factory=list)
    fits: bool = True  # False: the path broke at `step`, and `state` is the last point that fits
    step: int = -1


def carry_over(story: Story, path: tuple[str, ...]) -> Reload:
    """Replay a game's path into a new version of its story: all of it, or up to the first step that fails."""
    try:
        state = machine.replay(story, path)
    except machine.ChoiceError as exc:
        keep = path[: exc.step]
        state = machine.replay(story, keep)
        return Reload(story, state, f"Reloaded. Step {exc.step + 1} of your path (\u201c{exc.choice_id}\u201d) no "
                      f"longer fits the scenario; you are at the last point that does.", fits=False,
                      step=exc.step)
    return Reload(story, state, f"Reloaded: {len(path)} choice{'s' if len(path) != 1 else ''} replayed into "
                  "the new version.")


class Watcher:
    """Polled by a front end: has the scenario changed since the last look, and if so, what now?"""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.seen = folder_snapshot(folder)

    def changed(self) -> bool:
        now = folder_snapshot(self.folder)
        if now == self.seen:
            return False
        self.seen = now
        return True

    def poll(self, state: State) -> Reload | None:
        """None when nothing changed; else the new version with the game carried over, or its problems."""
        if not self.changed():
            return None
        try:
            story = load_story(self.folder)
        except ChronicleError as exc:
            errors = [d for d in exc.diagnostics if d.severity == "error"] or list(exc.diagnostics)
            first = errors[0].format() if errors else "the scenario does not load"
            return Reload(None, None, f"The scenario has {len(errors)} error{'s' if len(errors) != 1 else ''} "
                          f"now; still playing the last version. {first}", list(exc.diagnostics), fits=False)
        return carry_over(story, state.path)


def apply(session: Session, changed: Reload) -> Reply:
    """A reload put into the game (every front end): the new version at the replayed place, or the old one
    and why — the reply to show."""
    if changed.story is not None and changed.state is not None:
        session.swap(changed.story, changed.state)
        return Reply("scene").say(changed.message, "info" if changed.fits else "warning")
    reply = Reply().say(changed.message, "error")
    for d in changed.problems[:SHOWN_PROBLEMS]:
        reply.say(d.format(), "error")
    return reply
