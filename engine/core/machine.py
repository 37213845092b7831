"""The pure state machine: every transition of a game is defined here, and nowhere else.

No I/O, no printing, no randomness. Every front end (terminal, saves, play-testing, reports)
calls these functions, so a story behaves identically everywhere.

A step is made of three pure pieces, each defined once: `allows` (is a choice open), `effect`
(the variables after its effects, clamped into their bounds by the compiled closures) and `visit`
(the visit counts after it). `transition` is those three and the clock; `choose` checks the choice
and calls `transition`. The state-space tools (`engine.tools.explore`, `engine.tools.randomtest`)
take the same step through `engine.tools.step_tables`, which remembers what these functions gave
(and leaves out the clock, which no condition can read) but never computes a step itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.core.calendar import advance
from engine.core.model import Choice, Scene, State, Story, Vars, Visits


class ChoiceError(Exception):
    """A choice that does not exist or is not open in this state; `step` is its place in a path."""

    def __init__(self, message: str, step: int = -1, choice_id: str = "") -> None:
        super().__init__(message)
        self.step = step
        self.choice_id = choice_id


def start(story: Story) -> State:
    """The state at the beginning of the story."""
    first = story.scenes[story.start]
    visits = story.initial_visits
    if story.start in story.tracked:
        counts = list(visits)
        counts[story.tracked.index(story.start)] = 1
        visits = tuple(counts)
    clock = story.start_clock
    if clock is None and first.time is not None:
        clock = first.time
    return State(story.start, tuple(v.initial for v in story.variables), visits, clock, ())


def scene(story: Story, state: State) -> Scene:
    return story.scenes[state.scene]


def is_ending(story: Story, state: State) -> bool:
    return story.scenes[state.scene].ending is not None


def allows(choice: Choice, vars_: Vars, visits: Visits) -> bool:
    """Whether `choice` is open with these variables and visit counts (its condition holds)."""
    test = choice.test
    return test is None or bool(test(vars_, visits))


def is_open(choice: Choice, state: State) -> bool:
    return allows(choice, state.vars, state.visits)


def choices(story: Story, state: State) -> tuple[Choice, ...]:
    """The choices open in this state, in the author's order."""
    sc = story.scenes[state.scene]
    if not sc.conditional:
        return sc.choices
    vars_, visits = state.vars, state.visits
    return tuple(c for c in sc.choices if allows(c, vars_, visits))


def choice_points(story: Story, state: State) -> tuple[tuple[Choice, bool], ...]:
    """Every choice of the scene with whether it is open (for showing closed ones dimmed)."""
    return tuple((c, is_open(c, state)) for c in story.scenes[state.scene].choices)


def _advance(clock: int | None, time: int | None, day: int | None) -> int | None:
    """`engine.core.calendar.advance`, with the common cases inline."""
    if time is None:
        return clock if day is None else advance(clock, time, day)
    if day is not None:
        return day * 1440 + time
    if clock is None:
        return time
    if clock < 0:  # perhaps a date-only clock
        return advance(clock, time, day)
    today, now = divmod(clock, 1440)
    return (today + (1 if time < now else 0)) * 1440 + time


def effect(choice: Choice, vars_: Vars, visits: Visits) -> Vars:
    """The variables after `choice`'s effects (computed from the variables and visit counts before
    it). The compiled closure clamps each int into its variable's bounds."""
    apply = choice.apply
    return vars_ if apply is None else apply(vars_, visits)


def counts_visit(choice: Choice) -> bool:
    """Whether taking `choice` may change the visit counts: its target's visits are counted
    (`Story.tracked`). When not, `visit` gives back the counts it was given."""
    return choice.to_visit >= 0


def visit(choice: Choice, visits: Visits) -> Visits:
    """The visit counts after taking `choice`: its target's count one higher, up to the cap."""
    if not counts_visit(choice):
        return visits
    i = choice.to_visit
    if visits[i] >= choice.to_visit_cap:
        return visits
    return visits[:i] + (visits[i] + 1,) + visits[i + 1:]


def transition(choice: Choice, vars_: Vars, visits: Visits, clock: int | None) -> tuple[Vars, Visits, int | None]:
    """What taking `choice` does to the variables, the visit counts and the clock: its `effect`,
    its `visit` (both from the state before it) and the clock moved on to its target's time."""
    return effect(choice, vars_, visits), visit(choice, visits), _advance(clock, choice.to_time, choice.to_day)


def choose(story: Story, state: State, choice: str | Choice) -> State:
    """The next state after taking an open choice (by stable id or object)."""
    if isinstance(choice, str):
        found = story.choices_by_id.get(choice)
        if found is None or found.scene != state.scene:
            raise ChoiceError(f'no choice "{choice}" in scene "{state.scene}"', choice_id=choice)
        choice = found
    elif choice.scene != state.scene:
        raise ChoiceError(f'choice "{choice.id}" belongs to scene "{choice.scene}", not "{state.scene}"',
                          choice_id=choice.id)
    if not allows(choice, state.vars, state.visits):
        raise ChoiceError(f'choice "{choice.id}" is not open now', choice_id=choice.id)
    vars_, visits, clock = transition(choice, state.vars, state.visits, state.clock)
    return State(choice.target, vars_, visits, clock, state.path + (choice.id,))


def replay(story: Story, path: Iterable[str], state: State | None = None) -> State:
    """Replay a path of choice ids from the start; ChoiceError names the first step that fails."""
    state = start(story) if state is None else state
    for n, cid in enumerate(path):
        try:
            state = choose(story, state, cid)
        except ChoiceError as exc:
            raise ChoiceError(f"step {n + 1}: {exc}", step=n, choice_id=cid) from None
    return state


def undo(story: Story, state: State, steps: int = 1) -> State:
    """The state `steps` choices earlier (the path is the history)."""
    keep = max(0, len(state.path) - steps)
    return replay(story, state.path[:keep])


def variables(story: Story, state: State) -> dict[str, object]:
    return {v.name: state.vars[v.index] for v in story.variables}


def visited_scenes(story: Story, state: State) -> list[str]:
    """The scenes of the game so far, in order (the start scene, then each choice's target)."""
    scenes = [story.start]
    for cid in state.path:
        c = story.choices_by_id.get(cid)
        if c is not None:
            scenes.append(c.target)
    return scenes


def chapter_start(story: Story, chapter: str | None) -> State:
    """The state a chapter begins in: the historical path replayed from the start until it first
    comes to the chapter's scene (its path holds those choices). The start for None; KeyError
    for an unknown chapter, ChoiceError when the historical path never comes to its scene."""
    if chapter is None:
        return start(story)
    scene_id = dict(story.chapters)[chapter]
    state = start(story)
    for choice in historical_path(story):
        if state.scene == scene_id:
            return state
        state = choose(story, state, choice)
    if state.scene == scene_id:
        return state
    raise ChoiceError(f'the historical path never comes to "{scene_id}", where chapter "{chapter}" begins')


def historical_path(story: Story, limit: int | None = None) -> list[Choice]:
    """Always take the historical choice (or the only open one) from the start.

    It stops at an ending, where no choice is historical or alone, or after `limit` choices
    (default: four times the number of scenes, at least 10,000 -- a path that long loops).
    """
    if limit is None:
        limit = max(10_000, 4 * len(story.scenes))
    state = start(story)
    taken: list[Choice] = []
    while not is_ending(story, state) and len(taken) < limit:
        open_ = choices(story, state)
        pick = next((c for c in open_ if c.mark == "historical"), None)
        if pick is None:
            if len(open_) != 1:
                break
            pick = open_[0]
        taken.append(pick)
        state = choose(story, state, pick)
    return taken
