"""Size statistics of a scenario: scenes, choices, decision points, endings, citations, words."""

from __future__ import annotations

import re
from typing import Any

from engine.core.model import Story
from engine.expressions.template import outline

_WORD = re.compile(r"[^\W_]+(?:['’:-][^\W_]+)*")


def words(text: str) -> int:
    """Words in a text: runs of letters or digits, joined by inner apostrophes, hyphens and colons (19:00);
    in a text template, the words of every arm (its tags are not words)."""
    return len(_WORD.findall(outline(text)))


def story_stats(story: Story) -> dict[str, Any]:
    """The prose counted in `words` is the authors' own: scene texts, choice texts and notes,
    epilogues and debriefs (titles and quoted passages are not counted)."""
    scenes = list(story.scenes.values())
    by_kind = {"historical": 0, "counterfactual": 0}
    citations = 0
    count = 0
    for sc in scenes:
        citations += len(sc.record) + sum(len(d.accounts) for d in sc.disputed)
        count += words(sc.text)
        if sc.ending is not None:
            by_kind[sc.ending.kind] = by_kind.get(sc.ending.kind, 0) + 1
            count += words(sc.ending.epilogue) + words(sc.ending.debrief)
        for c in sc.choices:
            citations += len(c.record)
            count += words(c.text) + words(c.note)
    return {
        "id": story.id,
        "title": story.title,
        "scenes": len(scenes),
        "choices": sum(len(sc.choices) for sc in scenes),
        "decision_points": sum(1 for sc in scenes if len(sc.choices) >= 2),
        "endings": sum(by_kind.values()),
        "endings_by_kind": by_kind,
        "citations": citations,
        "words": count,
    }
