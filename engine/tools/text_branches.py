"""The arms of a story's text templates, and which of them a state shows (for explore and randomtest).

A scene shows, in a state where it is the current scene, its text, the texts of its open
choices and, at an ending, the epilogue and the debrief; a choice's note is shown in the state
the choice leads to. Every `{if}`, `{elif}` and `{else}` of those texts is an arm
(`engine.expressions.template`); an arm is known by (scene, where, number), where is "text",
"choice KEY", "note of KEY", "epilogue" or "debrief".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from engine.core.machine import transition
from engine.core.model import Choice, Story, Vars, Visits
from engine.expressions.template import BoundTemplate

ArmKey = tuple[str, str, int]


@dataclass(frozen=True)
class Slot:
    scene: str
    where: str
    bound: BoundTemplate
    file: str
    line: int
    choice: Choice | None = None  # for a choice's text or note


@dataclass(frozen=True)
class ArmInfo:
    scene: str
    where: str
    number: int
    tag: str
    file: str
    line: int

    def describe(self) -> str:
        place = f"{self.file}:{self.line}: " if self.file else ""
        return f"{place}{self.scene}, {self.where}: {self.tag}"


class TextBranches:
    """Built once per story; cheap to ask when the story has no templates."""

    def __init__(self, story: Story) -> None:
        self.story = story
        self.by_scene: dict[str, list[Slot]] = {}
        self.notes: dict[str, Slot] = {}
        self.arms: list[ArmInfo] = []
        if not story.templates:
            return
        for sid, sc in story.scenes.items():
            slots = []

            def add(where: str, text: str, line: int, choice: Choice | None = None,
                    sid: str = sid, file: str = sc.file) -> Slot | None:
                bound = story.templates.get(text)
                if bound is None or not bound.template.arms:
                    return None
                slot = Slot(sid, where, bound, file, line, choice)
                self.arms += [ArmInfo(sid, where, a.number, a.tag, file, line) for a in bound.template.arms]
                return slot

            for where, text in (("text", sc.text), ("epilogue", sc.ending.epilogue if sc.ending else ""),
                                ("debrief", sc.ending.debrief if sc.ending else "")):
                got = add(where, text, sc.line)
                if got is not None:
                    slots.append(got)
            for c in sc.choices:
                got = add(f"choice {c.key}", c.text, c.line, c)
                if got is not None:
                    slots.append(got)
                note = add(f"note of {c.key}", c.note, c.line, c)
                if note is not None:
                    self.notes[c.id] = note
            if slots:
                self.by_scene[sid] = slots

    def __bool__(self) -> bool:
        return bool(self.arms)

    def shown(self, scene: str, vars_: Vars, visits: Visits) -> Iterator[ArmKey]:
        """The arms shown by the scene's texts and its open choices' texts in this state."""
        for slot in self.by_scene.get(scene, ()):
            c = slot.choice
            if c is not None and c.test is not None and not c.test(vars_, visits):
                continue
            got: list[int] = []
            slot.bound.run(vars_, visits, got)
            for number in got:
                yield slot.scene, slot.where, number

    def shown_note(self, choice: Choice, vars_after: Vars, visits_after: Visits) -> Iterator[ArmKey]:
        """The arms the choice's note shows in the state it leads to."""
        slot = self.notes.get(choice.id)
        if slot is None:
            return
        got: list[int] = []
        slot.bound.run(vars_after, visits_after, got)
        for number in got:
            yield slot.scene, slot.where, number

    def notes_from(self, scene: str, vars_: Vars, visits: Visits) -> Iterator[ArmKey]:
        """The arms shown by the notes of the scene's open choices, each taken from this state."""
        if not self.notes:
            return
        for c in self.story.scenes[scene].choices:
            if c.id in self.notes and (c.test is None or c.test(vars_, visits)):
                after_vars, after_visits, _ = transition(c, vars_, visits, None)
                yield from self.shown_note(c, after_vars, after_visits)
