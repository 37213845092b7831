"""A text as the player sees it in a given state: its template (if any) rendered.

Every front end, the debrief, transcripts and exports show an author's text through `render`:
a scene's text and its choices' texts in the state where they are shown, a choice's note in
the state the choice leads to, an ending's epilogue and debrief in the final state. A text
without braces is shown as it is; a template (`engine.expressions.template`) was checked when
the story was compiled, so rendering cannot fail and depends only on the story and the state.
"""

from __future__ import annotations

from engine.core.model import State, Story


def render(story: Story, state: State, text: str) -> str:
    """The text shown in `state`."""
    bound = story.templates.get(text) if ("{" in text or "}" in text) else None
    if bound is None:
        return text
    return bound.run(state.vars, state.visits, None)


def arms_shown(story: Story, state: State, text: str) -> list[int]:
    """The numbers of the template's arms that `state` shows (none for a plain text)."""
    bound = story.templates.get(text) if ("{" in text or "}" in text) else None
    shown: list[int] = []
    if bound is not None:
        bound.run(state.vars, state.visits, shown)
    return shown
