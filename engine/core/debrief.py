"""The debrief: a player's path set beside the record. Pure data; front ends render it.

At each scene where the player chose differently from the scene's `historical` choice, it
gives what the real person did, with that choice's citation; it lists the disputes among the
sources the player passed through; it names the scenes of the path that are ours (marked
`invented`, with what in them we made up); and it carries the ending's own debrief and the
scenario's discussion questions.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core import machine
from engine.core.model import Choice, Dispute, Ending, Scene, State, Story


@dataclass(frozen=True)
class Departure:
    """A point where the player left the historical path."""

    scene: Scene
    taken: Choice
    historical: Choice  # what the real person did, with its record
    step: int  # 1-based index of the choice in the path
    before: State  # the state in which the choice was made (its texts are shown as they were then)


@dataclass(frozen=True)
class Debrief:
    ending: Ending | None
    ending_scene: Scene
    departures: tuple[Departure, ...]
    followed: int  # how many decisions matched history
    decisions: int  # how many scenes with a historical choice the player passed
    disputes: tuple[tuple[Scene, Dispute], ...]
    questions: tuple[str, ...]
    invented: tuple[Scene, ...] = ()  # scenes of the path that are ours, in the order first met

    @property
    def on_record(self) -> bool:
        return not self.departures


def debrief(story: Story, state: State, skip: int = 0) -> Debrief:
    """What a game's ending says about it; the first `skip` choices (the historical path before
    the chapter a game started at) were not the player's and are not counted as decisions."""
    departures: list[Departure] = []
    disputes: list[tuple[Scene, Dispute]] = []
    seen_disputes: set[tuple[str, str]] = set()
    invented: dict[str, Scene] = {}
    followed = decisions = 0

    def note_disputes(sc: Scene) -> None:
        if sc.invented and sc.id not in invented:
            invented[sc.id] = sc
        for d in sc.disputed:
            if (sc.id, d.topic) not in seen_disputes:
                seen_disputes.add((sc.id, d.topic))
                disputes.append((sc, d))

    note_disputes(story.scenes[story.start])
    now = machine.start(story)
    for step, cid in enumerate(state.path, 1):
        choice = story.choices_by_id.get(cid)
        if choice is None:
            continue
        before = now
        if now.scene == choice.scene:
            vars_, visits, clock = machine.transition(choice, now.vars, now.visits, now.clock)
            now = State(choice.target, vars_, visits, clock, now.path + (cid,))
        sc = story.scenes[choice.scene]
        hist = sc.historical_choice
        if hist is not None and len(sc.choices) > 1 and step > skip:
            decisions += 1
            if hist.id == choice.id:
                followed += 1
            else:
                departures.append(Departure(sc, choice, hist, step, before))
        target = story.scenes.get(choice.target)
        if target is not None:
            note_disputes(target)
    final = story.scenes[state.scene]
    return Debrief(final.ending, final, tuple(departures), followed, decisions, tuple(disputes),
                   story.questions, tuple(invented.values()))
