"""Expected playing time: computed from the words a player reads and the decisions they make,
on the historical path and over seeded random play -- never typed in by hand.

The model (stated in README.md, for teachers): a student reads `WORDS_PER_MINUTE` words a
minute (the scene text and the options shown, as that game's state renders their templates),
takes `DECIDE_SECONDS` at a real decision (two or more open options) and `CONTINUE_SECONDS` to
go on where there is one. A chapter's time is that of the historical path from its scene to the
next chapter's scene (the last: to the end).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from engine.core import machine
from engine.core.model import Choice, State, Story
from engine.core.prose import render

__all__ = ["CONTINUE_SECONDS", "DECIDE_SECONDS", "WORDS_PER_MINUTE", "Playtime", "chapter_minutes", "playing_time",
           "whole_minutes"]

WORDS_PER_MINUTE = 180
DECIDE_SECONDS = 20.0
CONTINUE_SECONDS = 4.0
GAMES = 200
MAX_STEPS = 500


@dataclass(frozen=True)
class Playtime:
    historical: float  # minutes, the historical path from the start to its ending
    random_low: float  # minutes: the 10th and 90th percentile of random play
    random_high: float
    decisions: int  # real decisions on the historical path
    chapters: tuple[tuple[str, str, float], ...] = ()  # (name, scene, minutes to the next chapter or the end)

    @property
    def text(self) -> str:
        return (f"about {round(self.historical)} min (historical path; random play "
                f"{round(self.random_low)}-{round(self.random_high)} min)")


def _scene_seconds(story: Story, state: State) -> tuple[float, list[Choice]]:
    sc = story.scenes[state.scene]
    opened = list(machine.choices(story, state))
    # the words shown in this state: a text template's arms that the state does not show are not read
    words = len(render(story, state, sc.text).split()) + sum(len(render(story, state, c.text).split())
                                                              for c in opened)
    if sc.ending is not None:
        words += len(render(story, state, sc.ending.epilogue).split())
    pause = 0.0 if sc.ending is not None else DECIDE_SECONDS if len(opened) > 1 else CONTINUE_SECONDS
    return words * 60 / WORDS_PER_MINUTE + pause, opened


def _along(story: Story, state: State, path: list[Choice]) -> float:
    seconds = 0.0
    for choice in path:
        seconds += _scene_seconds(story, state)[0]
        state = machine.choose(story, state, choice)
    return seconds + _scene_seconds(story, state)[0]


def whole_minutes(minutes: float) -> int:
    """A time as every front end shows it: to a tenth (as `chronicle list --json` gives it), then whole."""
    return round(round(minutes, 1))


def chapter_minutes(story: Story, hist: list[Choice] | None = None) -> tuple[tuple[str, str, float], ...]:
    """Each chapter's (name, scene, minutes): the historical path from its scene to the next chapter's
    (the last: to the end). A chapter whose scene the historical path does not reach is left out."""
    hist = machine.historical_path(story) if hist is None else hist
    chapters = []
    names = list(story.chapters)
    for i, (name, scene) in enumerate(names):
        try:
            at = machine.chapter_start(story, name)
            stop = machine.chapter_start(story, names[i + 1][0]) if i + 1 < len(names) else None
        except machine.ChoiceError:
            continue
        rest = hist[len(at.path): len(stop.path) if stop is not None else len(hist)]
        seconds = _along(story, at, rest)
        if stop is not None:
            seconds -= _scene_seconds(story, stop)[0]
        chapters.append((name, scene, seconds / 60))
    return tuple(chapters)


def playing_time(story: Story, games: int = GAMES, seed: int = 1) -> Playtime:
    hist = machine.historical_path(story)
    start = machine.start(story)
    historical = _along(story, start, hist)
    rng = random.Random(seed)
    times = []
    for _ in range(games):
        state, seconds = start, 0.0
        for _ in range(MAX_STEPS):
            took, opened = _scene_seconds(story, state)
            seconds += took
            if not opened:
                break
            state = machine.choose(story, state, rng.choice(opened))
        times.append(seconds / 60)
    times.sort()
    low, high = times[len(times) // 10], times[(len(times) * 9) // 10]
    chapters = chapter_minutes(story, hist)
    decisions = 0
    state = start
    for choice in hist:
        decisions += len(machine.choices(story, state)) > 1
        state = machine.choose(story, state, choice)
    return Playtime(historical / 60, low, high, decisions, chapters)
